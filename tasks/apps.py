from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("任务与进展填报")

    def ready(self):
        from . import links  # noqa: F401  (connects what a deleted upper task does below)
