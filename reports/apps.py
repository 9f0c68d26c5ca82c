from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计、预警与通报")

    def ready(self):
        # Every write to what the rollups read marks them stale (tasks.figure_sources).
        from tasks.figure_sources import register

        from .assessment.freshness import figures_caught_up
        from .marks import mark_stale, when_current

        register(mark_stale)
        # A plan deleted or moved leaves the regions it counted in behind.
        from .region_marks import connect

        connect()
        # The draft year-end scores read the stored figures: computed again once they
        # have caught up with a change, never before.
        when_current(figures_caught_up)

        # The assessment's jobs live beside it (reports/assessment/jobs.py), where Celery's
        # autodiscovery of each app's jobs.py does not look.
        from .assessment import jobs  # noqa: F401
