"""上级下达记录: that an upper office handed one of its tasks down to one plan below. The
answer lives on the lower task (`Task.parent`); this row says the plan was asked, so a
plan handed the task and not yet answering it (待落实) is told apart from a plan below
the upper office chose not to hand it to."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _


class HandDownQuerySet(models.QuerySet):
    def with_answer(self):
        """Each row with `answered`: an active task of the plan answers the upper task."""
        Task = apps.get_model("tasks", "Task")  # tasks.models imports this module
        return self.annotate(
            answered=Exists(
                Task.objects.filter(
                    parent=OuterRef("task"), action__plan=OuterRef("plan"), archived_at__isnull=True
                )
            )
        )

    def waiting(self):
        """Handed down and not yet answered in the plan (上级下达任务待落实)."""
        return self.with_answer().filter(answered=False, task__archived_at__isnull=True)


class HandDown(models.Model):
    task = models.ForeignKey(
        "tasks.Task", verbose_name=_("上级任务"), on_delete=models.CASCADE, related_name="hand_downs"
    )
    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("下级方案"), on_delete=models.CASCADE, related_name="hand_downs"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下达人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    handed_at = models.DateTimeField(_("下达时间"), auto_now_add=True)

    objects = HandDownQuerySet.as_manager()

    class Meta:
        verbose_name = _("上级任务下达")
        verbose_name_plural = _("上级任务下达")
        constraints = [models.UniqueConstraint(fields=["task", "plan"], name="handdown_once_per_plan")]

    def __str__(self):
        return f"{self.task_id} → {self.plan_id}"
