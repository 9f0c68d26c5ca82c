from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计、预警与通报")

    def ready(self):
        # Every write to what the rollups read marks them stale (tasks.figure_sources).
        from tasks.figure_sources import register

        from .marks import mark_stale

        register(mark_stale)

        # The assessment's jobs live beside it (reports/assessment/jobs.py), where Celery's
        # autodiscovery of each app's jobs.py does not look.
        from .assessment import jobs  # noqa: F401
