"""The records of reminders and chases (催办): the automatic reminders sent per quarter,
agency and stage, the office's chases of an agency, and an upper office's chases of a
plan below. Models of the reports app, imported by reports.models."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReminderStage(models.TextChoices):
    REMIND = "remind", _("提醒")
    URGE = "urge", _("催办")
    ESCALATE = "escalate", _("通报")


class ReminderLog(models.Model):
    """What reminder went out for which quarter, agency and stage, to whom: the unique
    constraint is what keeps a reminder from being sent twice."""

    Stage = ReminderStage

    period = models.ForeignKey(
        "tasks.ReportingPeriod",
        verbose_name=_("季度"),
        on_delete=models.CASCADE,
        related_name="reminder_logs",
    )
    # Empty for an escalation, which is about the whole quarter and goes to the office.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices)
    recipients = models.JSONField(_("接收人"), default=list, blank=True)
    emails = models.JSONField(_("邮件地址"), default=list, blank=True)
    missing_tasks = models.JSONField(_("未报任务"), default=list, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-sent_at"]
        constraints = [
            # Two partial indexes rather than nulls_distinct, which SQLite cannot enforce.
            models.UniqueConstraint(
                fields=["period", "agency", "stage"],
                condition=Q(agency__isnull=False),
                name="reminder_once_per_agency_stage",
            ),
            models.UniqueConstraint(
                fields=["period", "stage"],
                condition=Q(agency__isnull=True),
                name="reminder_once_per_office_stage",
            ),
            models.CheckConstraint(condition=Q(stage__in=ReminderStage.values), name="reminder_stage_valid"),
        ]

    def __str__(self):
        return f"{self.period} {self.agency or ''} {self.get_stage_display()}"


class Chase(models.Model):
    """催办 sent by hand: the office chases one agency for a quarter's missing reports.
    At most one a day per agency and quarter (the unique constraint on the local date)."""

    period = models.ForeignKey(
        "tasks.ReportingPeriod", verbose_name=_("季度"), on_delete=models.CASCADE, related_name="chases"
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("催办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    sent_on = models.DateField(_("发送日期"))
    message = models.TextField(_("催办内容"))
    task_ids = models.JSONField(_("未报任务编号"), default=list, blank=True)
    missing_tasks = models.JSONField(_("未报任务"), default=list, blank=True)
    recipients = models.JSONField(_("接收人"), default=list, blank=True)

    class Meta:
        verbose_name = _("人工催办")
        verbose_name_plural = _("人工催办")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency", "sent_on"], name="chase_once_a_day_per_agency"
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.agency} {self.sent_on:%Y-%m-%d}"


class LowerChase(models.Model):
    """催办 one level down: an upper office chases the office of a plan below, about a task
    handed down and not yet answered there, or about the plan's late reports of a quarter.
    At most one a day per plan and subject (the unique constraint on the local date)."""

    class Kind(models.TextChoices):
        HAND_DOWN = "hand_down", _("下达任务未落实")
        REPORTS = "reports", _("进展未按时报送")

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("下级方案"), on_delete=models.CASCADE, related_name="upper_chases"
    )
    kind = models.CharField(_("催办事项"), max_length=16, choices=Kind.choices)
    hand_down = models.ForeignKey(
        "tasks.HandDown", verbose_name=_("下达任务"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="chases",
    )  # fmt: skip
    period = models.ForeignKey(
        "tasks.ReportingPeriod", verbose_name=_("季度"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    # "hand_down:<id>" or "period:<id>": what the once-a-day rule counts.
    subject = models.CharField(max_length=40)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("催办人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    sent_on = models.DateField(_("发送日期"))
    message = models.TextField(_("催办内容"))
    details = models.JSONField(_("催办明细"), default=list, blank=True)
    recipients = models.JSONField(_("接收人"), default=list, blank=True)

    class Meta:
        verbose_name = _("上级催办")
        verbose_name_plural = _("上级催办")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "subject", "sent_on"], name="lower_chase_once_a_day"),
            models.CheckConstraint(
                condition=Q(kind="hand_down", hand_down__isnull=False, period__isnull=True)
                | Q(kind="reports", hand_down__isnull=True, period__isnull=False),
                name="lower_chase_kind_subject",
            ),
        ]

    def __str__(self):
        return f"{self.plan_id} {self.subject} {self.sent_on:%Y-%m-%d}"
