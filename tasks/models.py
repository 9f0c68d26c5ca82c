import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AssignmentRole, LinkKind, ProgressSource, ProjectStage, ReportState, ReportStatus  # noqa: F401
from .figure_sources import FigureRule, FigureSource, FigureSourceQuerySet


class TaskQuerySet(FigureSourceQuerySet):
    def active(self):
        """Tasks the plan still has: lists, dashboards, rollups and reporting use these."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        """Tasks a revised plan no longer has, kept with their history."""
        return self.filter(archived_at__isnull=False)

    def of_plan(self, plan):
        return self.filter(action__plan=plan)

    def with_assignments(self):
        return self.select_related("action", "action__plan").prefetch_related(
            models.Prefetch("assignments", queryset=TaskAssignment.objects.select_related("agency"))
        )


class Task(FigureSource):
    """任务 (1. 2. …) of an action, with the agencies that carry it."""

    ProgressSource = ProgressSource
    LinkKind = LinkKind
    # A lower task's rows also count in the plan of the upper task it answers, whose
    # progress may follow it.
    figure_rule = FigureRule(plan="action__plan", also=("parent__action__plan",))

    action = models.ForeignKey(
        "plans.Action", verbose_name=_("重点行动"), on_delete=models.CASCADE, related_name="tasks"
    )
    seq = models.PositiveIntegerField(_("序号"))
    label = models.CharField(_("编号"), max_length=16, blank=True)
    title = models.CharField(_("重点任务"), max_length=255)
    source_text = models.TextField(_("具体内容/措施"), blank=True)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    projects = models.JSONField(_("专栏项目"), default=list, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    deadline_text = models.CharField(_("完成时限（原文）"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    lead_inferred = models.BooleanField(_("牵头单位为推定"), default=False)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复章节"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("归档人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    # 上级任务下达: the upper plan's task this one answers. Only the upper office sets or
    # clears it (tasks.handdown); revisions and archiving keep the row and so the link.
    parent = models.ForeignKey(
        "self", verbose_name=_("上级任务"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="children",
    )  # fmt: skip
    link_kind = models.CharField(_("下达方式"), max_length=8, choices=LinkKind.choices, blank=True)
    progress_source = models.CharField(
        _("进度来源"), max_length=20, choices=ProgressSource.choices, default=ProgressSource.OWN
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        constraints = [
            models.UniqueConstraint(fields=["action", "seq"], name="task_unique_seq_in_action"),
            models.CheckConstraint(
                condition=Q(progress_source__in=ProgressSource.values), name="task_progress_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, link_kind="")
                | Q(parent__isnull=False, link_kind__in=LinkKind.values),
                name="task_link_kind_with_parent",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self):
        """Task number as the office writes it in a breakdown table: 2.3 = action 2, task 3."""
        return f"{self.action.seq}.{self.seq}"


class TaskAssignment(FigureSource):
    """牵头单位 / 配合单位 of a task."""

    Role = AssignmentRole
    figure_rule = FigureRule(plan="task__action__plan", also=("task__parent__action__plan",))

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="assignments"
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("职责"), max_length=8, choices=Role.choices)
    seq = models.PositiveSmallIntegerField(_("排序"), default=0)
    inferred = models.BooleanField(_("推定"), default=False)

    class Meta:
        verbose_name = _("任务分工")
        verbose_name_plural = _("任务分工")
        ordering = ["task_id", "role", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency"],
                name="assignment_unique_agency_per_task",
                violation_error_message=_("该单位已分配到此任务。"),
            ),
            models.CheckConstraint(condition=Q(role__in=AssignmentRole.values), name="assignment_role_valid"),
        ]

    def __str__(self):
        return f"{self.task} · {self.agency} · {self.get_role_display()}"


def quarter_display(year: int, quarter: int) -> str:
    """2026年第三季度, or Q3 2026 in English: how documents and pages name a quarter."""
    from django.utils.translation import gettext

    names = [gettext("第一季度"), gettext("第二季度"), gettext("第三季度"), gettext("第四季度")]
    name = names[quarter - 1] if 1 <= quarter <= 4 else str(quarter)
    return gettext("%(year)s年%(quarter_name)s") % {"year": year, "quarter_name": name}


def label_display(label) -> str:
    """A quarter code (2026Q3, as the API and URLs write it) as people write it; anything
    that is no quarter code is returned as it is."""
    import re

    m = re.fullmatch(r"\s*(\d{4})\s*Q([1-4])\s*", str(label or ""))
    return quarter_display(int(m.group(1)), int(m.group(2))) if m else str(label or "")


class ReportingPeriodQuerySet(FigureSourceQuerySet):
    def of_plan(self, plan):
        return self.filter(plan=plan)


class ReportingPeriod(FigureSource):
    """季度: one quarter of a plan's reporting, labelled 2026Q1."""

    # Its dates decide its lights (deadline, end); closing it changes no figure.
    figure_rule = FigureRule(
        plan="plan",
        period="pk",
        fields=("plan", "year", "quarter", "label", "starts_on", "ends_on", "opens_on", "deadline"),
    )

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="periods"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    label = models.CharField(_("季度"), max_length=8, help_text=_("如 2026Q1"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    opens_on = models.DateField(_("填报开始"))
    deadline = models.DateField(_("报送截止"))
    is_closed = models.BooleanField(_("已关闭"), default=False)

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报季度")
        verbose_name_plural = _("填报季度")
        ordering = ["plan_id", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="period_unique_label_in_plan"),
            models.UniqueConstraint(fields=["plan", "year", "quarter"], name="period_unique_quarter_in_plan"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="period_quarter_1_to_4"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="period_deadline_after_opening"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def display_name(self) -> str:
        """The quarter as people write it: 2026年第三季度 (Q3 2026 in English)."""
        return quarter_display(self.year, self.quarter)

    def clean(self):
        errors = {}
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            errors["quarter"] = _("季度应为 1–4。")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期。")
        if self.opens_on and self.deadline and self.deadline < self.opens_on:
            errors["deadline"] = _("报送截止日期不能早于填报开始日期。")
        # A quarter's window lies around the quarter itself: a typo such as 1900 or
        # 9999 would otherwise silently make every report late or never due.
        if self.starts_on and self.ends_on:
            earliest = self.starts_on - dt.timedelta(days=92)
            latest = self.ends_on + dt.timedelta(days=366)
            if self.opens_on and not earliest <= self.opens_on <= latest:
                errors.setdefault("opens_on", _("填报开始日期应在该季度前后一年之内。"))
            if self.deadline and not self.starts_on <= self.deadline <= latest:
                errors.setdefault("deadline", _("报送截止日期应在该季度开始之后、结束后一年之内。"))
        if errors:
            raise ValidationError(errors)


class PeriodReopening(FigureSource):
    """The office reopens a closed or past-deadline quarter for one agency."""

    figure_rule = FigureRule(plan="period__plan", period="period")

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reopenings")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    until = models.DateField(_("补报截止"))
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("补报开放")
        verbose_name_plural = _("补报开放")
        constraints = [
            models.UniqueConstraint(fields=["period", "agency"], name="reopening_unique_per_agency")
        ]

    def __str__(self):
        return f"{self.period} · {self.agency} · {self.until}"


class ProgressReportQuerySet(FigureSourceQuerySet):
    def of_plan(self, plan):
        return self.filter(task__action__plan=plan)

    def in_period(self, period):
        return self.filter(period=period)

    def with_role(self):
        """Each report with `role`: its agency's part in the task, lead before support
        should an agency hold both (None for an agency no longer assigned)."""
        role = (
            TaskAssignment.objects.filter(
                task=models.OuterRef("task_id"), agency=models.OuterRef("agency_id")
            )
            .order_by("role")
            .values("role")[:1]
        )
        return self.annotate(role=models.Subquery(role))


class ProgressReport(FigureSource):
    """进展填报: one agency's progress on one task in one quarter."""

    State = ReportState
    Status = ReportStatus
    # Its wording is not a figure: saving only the texts (an autosave) moves none.
    figure_rule = FigureRule(
        plan="period__plan",
        period="period",
        fields=("task", "agency", "period", "state", "status", "percent", "is_late", "return_count"),
        # Its approval decides which project quarters count, in every quarter of the plan.
        also=("task__parent__action__plan", "project_updates__period__plan"),
    )
    # A draft counts as a draft until it is submitted: its status and percent are read only
    # then, so an autosave of a draft's figures moves none either.
    draft_figure_rule = FigureRule(
        plan="period__plan",
        period="period",
        fields=("task", "agency", "period", "state", "return_count"),
        also=("task__parent__action__plan", "project_updates__period__plan"),
    )

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reports")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("季度"), on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(_("填报状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    status = models.CharField(_("推进状态"), max_length=16, choices=Status.choices, blank=True)
    percent = models.DecimalField(
        _("完成进度（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    progress_text = models.TextField(
        _("进展情况"), blank=True, validators=[ProhibitNullCharactersValidator()]
    )
    problems = models.TextField(_("存在问题"), blank=True, validators=[ProhibitNullCharactersValidator()])
    next_steps = models.TextField(_("下步计划"), blank=True, validators=[ProhibitNullCharactersValidator()])
    # A lead agency's report lists the supporting agencies' inputs it gathers (汇总); the
    # office reads them beneath the lead's report instead of reviewing each one.
    consolidated_inputs = models.ManyToManyField(
        "self",
        verbose_name=_("汇总的配合单位材料"),
        symmetrical=False,
        blank=True,
        related_name="consolidated_in",
    )
    # Optimistic locking: every save bumps it; a save based on an older number is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_late = models.BooleanField(_("逾期报送"), default=False)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(
        _("审核意见"), blank=True, validators=[ProhibitNullCharactersValidator()]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("进展填报")
        verbose_name_plural = _("进展填报")
        ordering = ["period_id", "task_id", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency", "period"],
                name="report_unique_task_agency_period",
                violation_error_message=_("该单位本季度已有此任务的填报，请在原填报上修改。"),
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="report_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values),
                name="report_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["", *ReportStatus.values]),
                name="report_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["period", "state"])]

    def __str__(self):
        return f"{self.period} · {self.task} · {self.agency}"

    def figure_rule_now(self):
        if self.state == ReportState.DRAFT and not self._state.adding:
            return self.draft_figure_rule
        return self.figure_rule


class ProgressReportVersion(models.Model):
    """Every saved state of a report, with who, when and what changed."""

    class Event(models.TextChoices):
        SAVED = "saved", _("保存草稿")
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回")
        APPROVED = "approved", _("通过")
        REOPENED = "reopened", _("重新打开")
        WITHDRAWN = "withdrawn", _("撤回")

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    event = models.CharField(_("操作"), max_length=16, choices=Event.choices)
    state = models.CharField(_("状态"), max_length=16, choices=ProgressReport.State.choices)
    snapshot = models.JSONField(_("内容"), default=dict)
    changed_fields = models.JSONField(_("变更字段"), default=list, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报历史")
        verbose_name_plural = _("填报历史")
        ordering = ["report_id", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")]

    def __str__(self):
        return f"{self.report_id} v{self.number} {self.event}"


def evidence_path(instance, filename):
    # A random-free but unguessable-enough path is not needed: files are never served
    # directly, only through a view that checks the report's permissions.
    return f"evidence/{instance.report_id}/{filename}"


class Evidence(models.Model):
    """佐证材料 attached to a report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["report_id", "uploaded_at"]

    def __str__(self):
        return self.original_name


class ProjectQuerySet(FigureSourceQuerySet):
    def of_plan(self, plan):
        return self.filter(task__action__plan=plan)

    def active(self):
        return self.filter(archived_at__isnull=True, task__archived_at__isnull=True)

    def for_ledger(self):
        """What a ledger row shows: task, owner (or the task's lead) and the quarters."""
        return self.select_related("task__action", "agency").prefetch_related(
            models.Prefetch(
                "task__assignments",
                queryset=TaskAssignment.objects.filter(role=AssignmentRole.LEAD).select_related("agency"),
                to_attr="lead_assignments",
            )
        )


_AMOUNT = {"max_digits": 16, "decimal_places": 4, "null": True, "blank": True}


class Project(FigureSource):
    """重点项目: a named project under a task (from its 专栏 or its text), with what it is
    to build and when; its quarters are ProjectUpdates written in the owner's reports."""

    Stage = ProjectStage
    # The stored project figures (reports.project_rollups) of every quarter read it.
    figure_rule = FigureRule(plan="task__action__plan", fields=(
        "task", "seq", "name", "location", "agency", "capacity", "unit", "investment_planned", "planned_start",
        "planned_finish", "stage", "archived_at"))  # fmt: skip

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="key_projects"
    )
    seq = models.PositiveIntegerField(_("序号"), default=0)
    name = models.CharField(_("项目名称"), max_length=200, validators=[ProhibitNullCharactersValidator()])
    location = models.CharField(_("建设地点"), max_length=100, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="key_projects", help_text=_("不填则为任务的牵头单位"),
    )  # fmt: skip
    capacity = models.DecimalField(_("建设规模"), validators=[MinValueValidator(0)], **_AMOUNT)
    unit = models.CharField(_("规模单位"), max_length=32, blank=True)
    capacity_text = models.CharField(_("规模（原文）"), max_length=100, blank=True)
    investment_planned = models.DecimalField(
        _("计划投资（万元）"), validators=[MinValueValidator(0)], **_AMOUNT
    )
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_finish = models.DateField(_("计划建成"), null=True, blank=True)
    stage = models.CharField(
        _("项目阶段"), max_length=16, choices=ProjectStage.choices, default=ProjectStage.PREPARING
    )
    source_text = models.TextField(_("原文"), blank=True)
    added_by_hand = models.BooleanField(_("手工添加"), default=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        ordering = ["task_id", "seq", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "name"],
                name="project_unique_name_per_task",
                violation_error_message=_("该任务下已有同名项目。"),
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(stage__in=ProjectStage.values),
                name="project_stage_valid",
                violation_error_message=_("项目阶段无效。"),
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_finish__isnull=True)
                | Q(planned_start__lte=models.F("planned_finish")),
                name="project_start_before_finish",
                violation_error_message=_("计划开工不能晚于计划建成。"),
            ),  # fmt: skip
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.capacity is not None and not self.unit:
            raise ValidationError({"unit": _("填写了规模时须写明单位")})

    @property
    def owner(self):
        """The agency answering for the project: its own, else the task's (first) lead."""
        if self.agency_id:
            return self.agency
        leads = getattr(self.task, "lead_assignments", None)
        if leads is None:
            leads = list(self.task.assignments.filter(role=AssignmentRole.LEAD).select_related("agency"))
        return leads[0].agency if leads else None


class ProjectUpdate(FigureSource):
    """A project's quarter, written by its owner agency inside its progress report on the
    project's task: the report's draft/submit/return/approve workflow and history hold it."""

    # Figures read the approved quarters before theirs and whether any is: every quarter.
    figure_rule = FigureRule(plan="period__plan", fields=(
        "project", "period", "report", "stage", "investment_cumulative", "capacity_operating", "problems"))  # fmt: skip

    project = models.ForeignKey(
        Project, verbose_name=_("重点项目"), on_delete=models.CASCADE, related_name="updates"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("季度"), on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("进展填报"), on_delete=models.CASCADE, related_name="project_updates"
    )
    stage = models.CharField(_("项目阶段"), max_length=16, choices=ProjectStage.choices)
    investment_quarter = models.DecimalField(
        _("本季度完成投资（万元）"), validators=[MinValueValidator(0)], **_AMOUNT
    )
    investment_cumulative = models.DecimalField(
        _("累计完成投资（万元）"), validators=[MinValueValidator(0)], **_AMOUNT
    )
    capacity_operating = models.DecimalField(_("已投产规模"), validators=[MinValueValidator(0)], **_AMOUNT)
    problems = models.TextField(_("存在问题"), blank=True, validators=[ProhibitNullCharactersValidator()])
    evidence = models.TextField(_("佐证说明"), blank=True, validators=[ProhibitNullCharactersValidator()])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("项目季度进展")
        verbose_name_plural = _("项目季度进展")
        # Quarters are created in order; the period's id keeps a plain list off the join.
        ordering = ["project_id", "period_id"]
        constraints = [
            # Once per report: a quarter whose owner changed keeps the old owner's entry too.
            models.UniqueConstraint(
                fields=["project", "report"],
                name="project_update_once_per_report",
                violation_error_message=_("该项目在本填报中已有进展。"),
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(stage__in=ProjectStage.values),
                name="project_update_stage_valid",
                violation_error_message=_("项目阶段无效。"),
            ),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.project} {self.period}"


# 上级下达记录: beside the hand-down rules (tasks/handdown.py), part of this app.
from .handdown_models import HandDown  # noqa: E402, F401
