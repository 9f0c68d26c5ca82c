"""年度考核: the scheme an office scores its agencies by, each assessment round of a plan
and year, the scores with every point explained, the items entered by hand, the
agencies' objections and the 考核结果通报 documents.

Re-exported by reports.models, so they belong to the reports app and its migrations.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal(0)
HUNDRED = Decimal(100)
YEAR_RANGE = (2000, 2100)


class Component(models.TextChoices):
    """The parts of a score, in the order every table shows them."""

    REPORTING = "reporting", _("按时报送")
    COMPLETION = "completion", _("任务完成")
    QUALITY = "quality", _("报送质量")
    INDICATORS = "indicators", _("指标进度")
    CONSOLIDATION = "consolidation", _("牵头汇总")
    ADJUSTMENTS = "adjustments", _("加减分")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


def _points(label, default, *, help_text=""):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
        help_text=help_text,
    )


# The component maxima that add up to the scheme's total (the adjustments are on top).
SCORED_POINTS = {
    Component.REPORTING: "reporting_points",
    Component.COMPLETION: "completion_points",
    Component.QUALITY: "quality_points",
    Component.INDICATORS: "indicator_points",
    Component.CONSOLIDATION: "consolidation_points",
}
SCHEME_TOTAL = HUNDRED
# Every field of a scheme's rules: what a new version copies and the audit log compares.
SCHEME_RULE_FIELDS = (
    "reporting_points", "late_deduction", "missing_deduction", "completion_points", "quality_points",
    "return_deduction", "indicator_points", "consolidation_points", "consolidation_deduction",
    "lead_weight", "support_weight", "bonus_cap", "deduction_cap", "excellent_min", "good_min",
    "fair_min", "note",
)  # fmt: skip


class AssessmentScheme(models.Model):
    """考核细则 of a plan for a year: the points of each component, the deductions, the
    weight of a lead and a supporting role, the caps on items entered by hand and the
    grade bands. Defaults fit a county (100 points). Published before it is used; a
    version used by published results is never changed: editing it makes a new version."""

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="assessment_schemes"
    )
    year = models.PositiveSmallIntegerField(
        _("考核年度"), validators=[MinValueValidator(YEAR_RANGE[0]), MaxValueValidator(YEAR_RANGE[1])]
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    reporting_points = _points(_("按时报送（分）"), 30)
    late_deduction = _points(_("每份逾期报送扣分"), 1)
    missing_deduction = _points(_("每份未报扣分"), 3)
    completion_points = _points(
        _("任务完成（分）"), 35, help_text=_("按各项任务的完成进度对照序时进度计分，牵头、配合按权重。")
    )
    quality_points = _points(_("报送质量（分）"), 10)
    return_deduction = _points(_("每次退回扣分"), 1)
    indicator_points = _points(
        _("指标进度（分）"), 15, help_text=_("牵头单位负责的量化指标达到序时进度的比例。")
    )
    consolidation_points = _points(
        _("牵头汇总（分）"), 10, help_text=_("牵头单位按时汇总配合单位材料并报送。")
    )
    consolidation_deduction = _points(_("每项任务每季度未按时汇总扣分"), 2)
    lead_weight = models.DecimalField(
        _("牵头任务权重"), max_digits=4, decimal_places=2, default=Decimal(1),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(10))],
    )  # fmt: skip
    support_weight = models.DecimalField(
        _("配合任务权重"), max_digits=4, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(10))],
    )  # fmt: skip
    bonus_cap = _points(_("加分上限"), 5, help_text=_("如省级表彰每项加1分，合计不超过此数。"))
    deduction_cap = _points(_("减分上限"), 10, help_text=_("如被约谈每次减2分，合计不超过此数。"))
    excellent_min = _points(_("优秀（不低于）"), 90)
    good_min = _points(_("良好（不低于）"), 80)
    fair_min = _points(_("一般（不低于）"), 60)
    note = models.TextField(
        _("说明"), blank=True, max_length=2000, validators=[ProhibitNullCharactersValidator()]
    )

    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["plan_id", "year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "version"], name="scheme_unique_version"),
            models.CheckConstraint(
                condition=Q(
                    reporting_points=SCHEME_TOTAL
                    - F("completion_points")
                    - F("quality_points")
                    - F("indicator_points")
                    - F("consolidation_points")
                ),
                name="scheme_points_add_up_to_100",
            ),
            models.CheckConstraint(
                condition=Q(fair_min__lte=F("good_min"), good_min__lte=F("excellent_min")),
                name="scheme_grade_bands_ordered",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_RANGE[0], year__lte=YEAR_RANGE[1]), name="scheme_year_plausible"
            ),
        ]

    def __str__(self):
        return f"{self.plan} {self.year}年度考核方案 第{self.version}版"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def max_of(self, component) -> Decimal:
        if component == Component.ADJUSTMENTS:
            return self.bonus_cap
        return getattr(self, SCORED_POINTS[component])

    def clean(self):
        errors = {}
        maxima = [getattr(self, name) for name in SCORED_POINTS.values()]
        if all(value is not None for value in maxima) and sum(maxima) != SCHEME_TOTAL:
            errors["reporting_points"] = _("五项分值合计应为100分，现为%(total)s分。") % {
                "total": f"{sum(maxima).normalize():f}"
            }
        bands = (self.fair_min, self.good_min, self.excellent_min)
        if all(value is not None for value in bands) and not bands[0] <= bands[1] <= bands[2]:
            errors["good_min"] = _("等次分数线应为：一般 ≤ 良好 ≤ 优秀。")
        if errors:
            raise ValidationError(errors)


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OBJECTION = "objection", _("公示中")
    PUBLISHED = "published", _("已发布")


class ComputeState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已计算")
    FAILED = "failed", _("计算失败")


class Assessment(models.Model):
    """One round of a plan's year-end assessment: its scores are computed by a job from
    the stored figures while it is a draft or open for objections (公示), and frozen once
    published. Revising published results starts the next round; the published one
    keeps its scores and the scheme version they were computed with."""

    State = AssessmentState
    Compute = ComputeState

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    round = models.PositiveIntegerField(_("轮次"), default=1)
    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("考核方案"), null=True, blank=True, on_delete=models.RESTRICT,
        related_name="assessments",
    )  # fmt: skip
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    # 公示期: agencies see their own draft score and may object from the opening on.
    objection_opens_on = models.DateField(_("申诉开始"), null=True, blank=True)
    objection_closes_on = models.DateField(_("申诉截止"), null=True, blank=True)
    # What the scores were computed from: the day (which quarters were due) and when.
    as_of = models.DateField(_("计算基准日"), null=True, blank=True)
    quarters = models.JSONField(_("计入的季度"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    compute_state = models.CharField(
        _("计算状态"), max_length=8, choices=Compute.choices, default=Compute.QUEUED
    )
    compute_error = models.TextField(_("计算错误"), blank=True)
    # Set by a change of the office's own (items, scheme): the next job recomputes.
    inputs_changed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["plan_id", "-year", "-round"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "round"], name="assessment_unique_round"),
            models.CheckConstraint(
                condition=Q(state__in=AssessmentState.values), name="assessment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(objection_opens_on__isnull=True)
                | Q(objection_closes_on__isnull=True)
                | Q(objection_closes_on__gte=F("objection_opens_on")),
                name="assessment_objection_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssessmentState.PUBLISHED) | Q(published_at__isnull=False),
                name="assessment_published_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "computed_at"])]

    def __str__(self):
        suffix = f"（第{self.round}轮）" if self.round > 1 else ""
        return f"{self.plan} {self.year}年度考核{suffix}"

    @property
    def is_published(self) -> bool:
        return self.state == AssessmentState.PUBLISHED

    def objection_open(self, day) -> bool:
        """Whether an agency may raise an objection on `day`."""
        return (
            self.state == AssessmentState.OBJECTION
            and self.objection_opens_on is not None
            and self.objection_opens_on <= day <= (self.objection_closes_on or day)
        )

    def clean(self):
        if (
            self.objection_opens_on
            and self.objection_closes_on
            and self.objection_closes_on < self.objection_opens_on
        ):
            raise ValidationError({"objection_closes_on": _("申诉截止日期不能早于开始日期。")})


class AssessmentScore(models.Model):
    """An agency's score in one round: null when it had nothing to be scored on (no task,
    or no quarter due yet), never full marks for nothing. `components` holds each part
    as [{"code", "name", "points", "max", "applicable"}]."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    # The five components' points scaled to 100 where some do not apply (按比例折算).
    base = models.DecimalField(_("基础得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    adjustment = models.DecimalField(_("加减分"), max_digits=6, decimal_places=2, default=ZERO)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, blank=True)
    components = models.JSONField(_("分项"), default=list)
    # What was counted: tasks led and supported, reports expected, late, missing …
    counts = models.JSONField(_("统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["assessment_id", F("rank").asc(nulls_last=True), "agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "agency"], name="assessment_score_unique_agency"),
            models.CheckConstraint(
                condition=Q(grade="") | Q(grade__in=Grade.values), name="assessment_score_grade_valid"
            ),
        ]

    def __str__(self):
        return f"{self.assessment_id} {self.agency_id} {self.score}"


class AssessmentItem(models.Model):
    """One line of a score's breakdown: which component and rule, which report, task,
    quarter or indicator, how many points. The rule is stored as a code with parameters
    (reports.assessment.rules words it in the reader's language), and the task's number
    and title are kept in the parameters so a published breakdown reads the same later."""

    score = models.ForeignKey(AssessmentScore, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveIntegerField(default=0)
    component = models.CharField(_("分项"), max_length=16, choices=Component.choices)
    rule = models.CharField(_("规则"), max_length=32)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    report = models.ForeignKey(
        "tasks.ProgressReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.ForeignKey(
        "tasks.ReportingPeriod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("考核扣分明细")
        verbose_name_plural = _("考核扣分明细")
        ordering = ["score_id", "seq"]

    def __str__(self):
        return f"{self.component} {self.rule} {self.points}"


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("减分")
    CORRECTION = "correction", _("复核调整")


def adjustment_evidence_path(instance, filename):
    # Never served directly: only through a view that checks the assessment's access.
    return f"assessments/{instance.assessment_id}/{filename}"


class AssessmentAdjustment(models.Model):
    """An item entered by hand: a bonus (省级表彰 +1) or a deduction (约谈 −2), each with
    a written reason and an evidence file and capped as the scheme says; or a correction
    of one component (复核调整, usually answering an objection), with its reason."""

    Kind = AdjustmentKind

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="adjustments")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    component = models.CharField(_("调整分项"), max_length=16, choices=Component.choices, blank=True)
    points = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal(-100)), MaxValueValidator(HUNDRED)],
        help_text=_("加分、减分填正数；复核调整填增减的分数（减为负数）。"),
    )  # fmt: skip
    reason = models.TextField(_("事由"), max_length=1000, validators=[ProhibitNullCharactersValidator()])
    evidence = models.FileField(_("佐证材料"), upload_to=adjustment_evidence_path, blank=True)
    evidence_name = models.CharField(_("文件名"), max_length=255, blank=True)
    objection = models.ForeignKey(
        "reports.AssessmentObjection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核加减分")
        verbose_name_plural = _("考核加减分")
        ordering = ["assessment_id", "agency_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=AdjustmentKind.CORRECTION) | Q(points__gt=0),
                name="adjustment_bonus_and_deduction_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AdjustmentKind.CORRECTION)
                | (~Q(component="") & ~Q(component=Component.ADJUSTMENTS) & ~Q(points=0)),
                name="adjustment_correction_names_a_component",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points} {self.reason[:20]}"

    @property
    def signed_points(self) -> Decimal:
        """Points as they count: a deduction is negative."""
        return -self.points if self.kind == AdjustmentKind.DEDUCTION else self.points


class ObjectionState(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class AssessmentObjection(models.Model):
    """申诉: an agency disputes its draft score during the 公示 window, with a comment;
    the office answers, and may correct a component with a reason."""

    State = ObjectionState

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="objections")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    component = models.CharField(_("涉及分项"), max_length=16, choices=Component.choices, blank=True)
    comment = models.TextField(_("申诉理由"), max_length=2000, validators=[ProhibitNullCharactersValidator()])
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(
        _("答复意见"), blank=True, max_length=2000, validators=[ProhibitNullCharactersValidator()]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
        ordering = ["assessment_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "agency"],
                condition=Q(state=ObjectionState.OPEN),
                name="objection_one_open_per_agency",
                violation_error_message=_("本单位已有一条待答复的申诉。"),
            ),
            models.CheckConstraint(
                condition=Q(state=ObjectionState.OPEN) | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="objection_answered_has_answer",
            ),
        ]

    def __str__(self):
        return f"{self.assessment_id} {self.agency_id} {self.get_state_display()}"


class AssessmentNotice(models.Model):
    """考核结果通报 of a round: a Word document generated by a job, versioned; the
    office rewrites its opening paragraph before issuing it, when it takes its 文号."""

    State = ComputeState

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="notices")
    version = models.PositiveIntegerField(_("版本"))
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.CharField(_("当前步骤"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    docx = models.FileField(upload_to="assessments/notices/", blank=True)
    summary = models.TextField(
        _("开头段落"), blank=True, max_length=2000, validators=[ProhibitNullCharactersValidator()],
        help_text=_("通报开头一段，印发前可修改；清空后恢复系统生成的文字。"),
    )  # fmt: skip
    issue_year = models.PositiveSmallIntegerField(_("文号年份"), null=True, blank=True)
    issue_no = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    published_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核结果通报")
        verbose_name_plural = _("考核结果通报")
        ordering = ["assessment_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "version"], name="assessment_notice_unique_version"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="assessment_notice_progress_le_100"),
        ]

    def __str__(self):
        return f"{self.assessment} 考核结果通报 第{self.version}版"

    @property
    def is_published(self) -> bool:
        return self.issue_no is not None
