import operator
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.figure_sources import FigureRule, FigureSource

from .counts import PeriodCounts
from .light_reasons import reason_texts


class Bulletin(models.Model):
    """督查通报 of a plan and quarter: generated as PDF, DOCX and XLSX, versioned."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="bulletins"
    )
    period = models.ForeignKey(
        "tasks.ReportingPeriod", verbose_name=_("季度"), on_delete=models.CASCADE, related_name="bulletins"
    )
    version = models.PositiveIntegerField(_("版本"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.CharField(_("当前步骤"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    pdf = models.FileField(upload_to="bulletins/", blank=True)
    docx = models.FileField(upload_to="bulletins/", blank=True)
    xlsx = models.FileField(upload_to="bulletins/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(
        _("总体情况"), blank=True, max_length=2000, help_text=_("通报“一、总体情况”的段落，印发前可修改。")
    )
    # 期号: numbered per plan and year when the office issues the bulletin.
    issue_year = models.PositiveSmallIntegerField(_("期号年份"), null=True, blank=True)
    issue_no = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    published_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The generation's lease (reports/bulletin.py): which run holds it, and when that run
    # last showed it was alive. A run whose heartbeat stops has stalled.
    attempt = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查通报")
        verbose_name_plural = _("督查通报")
        ordering = ["plan_id", "period_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period", "version"], name="bulletin_unique_version"),
            models.UniqueConstraint(
                fields=["plan", "issue_year", "issue_no"],
                condition=Q(issue_no__isnull=False),
                name="bulletin_unique_issue_no_per_plan_year",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="bulletin_progress_le_100"),
        ]

    def __str__(self):
        return f"{self.plan} {self.period} 第{self.version}版"

    @property
    def is_published(self) -> bool:
        return self.issue_no is not None


class RollupScope(models.TextChoices):
    TASK = "task", _("任务")
    ACTION = "action", _("重点行动")
    PLAN = "plan", _("方案")
    AGENCY = "agency", _("单位")
    REGION = "region", _("地区")


# The keys each scope's row is about; every other key of the row stays empty.
ROLLUP_KEYS = ("plan", "period", "action", "task", "agency", "region")
ROLLUP_SCOPE_KEYS = {
    RollupScope.PLAN: {"plan", "period"},
    RollupScope.ACTION: {"plan", "period", "action"},
    RollupScope.TASK: {"plan", "period", "task"},
    RollupScope.AGENCY: {"plan", "period", "agency"},
    RollupScope.REGION: {"region"},
}


def rollup_subject_q() -> Q:
    return reduce(
        operator.or_,
        (
            Q(scope=scope, **{f"{key}__isnull": key not in keys for key in ROLLUP_KEYS})
            for scope, keys in ROLLUP_SCOPE_KEYS.items()
        ),
    )


class Rollup(models.Model):
    """Stored progress figures of one task, action, plan, agency or region in a quarter,
    so dashboards read a row instead of aggregating thousands of reports."""

    Scope = RollupScope

    scope = models.CharField(_("范围"), max_length=8, choices=Scope.choices)
    period_label = models.CharField(_("季度"), max_length=8)
    # No database constraints on the stored figures' keys (here, on IndicatorRollup and on
    # TaskLight): the rows are computed from the data and written hundreds of thousands at
    # a time, and PostgreSQL checking every key of every row at commit took as long as
    # writing them. Django still deletes them with what they point at (on_delete).
    plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rollups",
        db_constraint=False,
    )
    period = models.ForeignKey(
        "tasks.ReportingPeriod",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rollups",
        db_constraint=False,
    )
    action = models.ForeignKey(
        "plans.Action", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    task = models.ForeignKey(
        "tasks.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    region = models.ForeignKey(
        "plans.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    # Reports: one expected per task assignment and quarter.
    expected = models.PositiveIntegerField(_("应报"), default=0)
    missing = models.PositiveIntegerField(_("未报"), default=0)
    draft = models.PositiveIntegerField(_("草稿"), default=0)
    submitted = models.PositiveIntegerField(_("待审核"), default=0)
    returned = models.PositiveIntegerField(_("被退回"), default=0)
    approved = models.PositiveIntegerField(_("已通过"), default=0)
    on_time = models.PositiveIntegerField(_("按时报送"), default=0)
    late = models.PositiveIntegerField(_("逾期报送"), default=0)
    returns = models.PositiveIntegerField(_("退回次数"), default=0)
    # Of the missing, those of lead agencies (the rest are supporters' inputs), and the
    # submitted reports the office has to review: only the leads' where leads consolidate.
    missing_lead = models.PositiveIntegerField(_("牵头单位未报"), default=0)
    to_review = models.PositiveIntegerField(_("待专班办公室审核"), default=0)
    # Task status as reported (the lead agency's report where there is one).
    not_started = models.PositiveIntegerField(_("未启动"), default=0)
    in_progress = models.PositiveIntegerField(_("推进中"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    lagging = models.PositiveIntegerField(_("滞后"), default=0)
    completion = models.DecimalField(
        _("平均完成进度（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # How many lead reports the completion averages, so regions can weigh plans by it.
    completion_count = models.PositiveIntegerField(_("计入完成进度的报告数"), default=0)
    # Red / yellow / green tasks.
    red = models.PositiveIntegerField(default=0)
    yellow = models.PositiveIntegerField(default=0)
    green = models.PositiveIntegerField(default=0)
    # Indicators against their trajectory.
    indicators = models.PositiveIntegerField(_("指标数"), default=0)
    indicators_on_track = models.PositiveIntegerField(_("达到序时进度"), default=0)
    indicators_behind = models.PositiveIntegerField(_("落后序时进度"), default=0)
    indicators_no_data = models.PositiveIntegerField(_("无数据"), default=0)
    indicators_no_baseline = models.PositiveIntegerField(_("无基期值无法评估"), default=0)
    attainment = models.DecimalField(
        _("平均指标完成率（%）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("进度汇总")
        verbose_name_plural = _("进度汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "period_label", "plan", "action", "task", "agency", "region"],
                name="rollup_unique_subject",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(scope__in=RollupScope.values),
                name="rollup_scope_valid",
            ),
            models.CheckConstraint(condition=rollup_subject_q(), name="rollup_subject_matches_scope"),
        ]
        indexes = [
            models.Index(fields=["plan", "period", "scope"]),
            models.Index(fields=["region", "period_label"]),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} {self.period_label}"

    def clean(self):
        keys = ROLLUP_SCOPE_KEYS.get(self.scope)
        if keys is None:
            return  # the scope field reports an unknown scope itself
        if any((getattr(self, f"{key}_id") is not None) != (key in keys) for key in ROLLUP_KEYS):
            labels = {**{scope.value: scope.label for scope in RollupScope}, "period": _("季度")}
            raise ValidationError(
                _("%(scope)s汇总应指定且只指定：%(keys)s。")
                % {
                    "scope": self.get_scope_display(),
                    "keys": "、".join(str(labels[key]) for key in ROLLUP_KEYS if key in keys),
                }
            )

    @property
    def counts(self) -> PeriodCounts:
        """The report counts as every page and document shows them (reports.counts)."""
        return PeriodCounts.of(self)

    @property
    def on_time_rate(self):
        """Share of expected reports submitted by the deadline, in % (reports.counts)."""
        return self.counts.on_time_rate


class IndicatorRollup(models.Model):
    """How one indicator stood at one quarter, as indicators.assessment judged it when
    the plan's rollup was computed, so region boards read rows instead of assessing
    every indicator of every plan below them."""

    # The fields of indicators.trajectory.Assessment stored as they are: every page,
    # export and document shows an indicator from these (reports.dashboards.indicator_cards).
    ASSESSMENT_FIELDS = (
        "status", "value", "expected", "attainment", "behind_pct", "expected_pct", "baseline", "baseline_source",
        "note",
    )  # fmt: skip

    # No database constraints on the keys: see Rollup.
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    period = models.ForeignKey(
        "tasks.ReportingPeriod", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    period_label = models.CharField(_("季度"), max_length=8)
    status = models.CharField(_("状态"), max_length=16)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, null=True, blank=True)
    expected = models.DecimalField(_("序时进度值"), max_digits=24, decimal_places=6, null=True, blank=True)
    attainment = models.DecimalField(_("完成率（%）"), max_digits=12, decimal_places=4, null=True, blank=True)
    behind_pct = models.DecimalField(_("落后（%）"), max_digits=12, decimal_places=4, null=True, blank=True)
    expected_pct = models.DecimalField(
        _("序时进度（%）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    baseline = models.DecimalField(_("起点值"), max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_source = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    # The quarter the value comes from, when older than the one assessed.
    value_period = models.CharField(max_length=8, blank=True)
    # The quarter of the first value, when it stands in for a missing baseline.
    baseline_period = models.CharField(max_length=8, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("指标汇总")
        verbose_name_plural = _("指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="indicator_rollup_unique"),
        ]
        indexes = [models.Index(fields=["plan", "period_label"])]

    def __str__(self):
        return f"{self.indicator_id} {self.period_label} {self.status}"


class RegionIndicatorTally(models.Model):
    """How the plans of one region (its own and those of the regions below it) stand on
    one indicator name at a quarter, tallied from their stored IndicatorRollups in the
    region pass (reports.region_tallies), so a province's board reads one row per city
    and name instead of aggregating every indicator of every plan below it."""

    region = models.ForeignKey(
        "plans.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    period_label = models.CharField(_("季度"), max_length=8)
    # The indicator's name, trimmed: plans name the same indicator with stray spaces.
    name = models.CharField(_("指标"), max_length=200)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    # Plans with the indicator, and of those with any of its indicators on track / behind /
    # neither (a plan naming it twice may count in two).
    plans = models.PositiveIntegerField(_("方案数"), default=0)
    on_track = models.PositiveIntegerField(_("达到序时进度"), default=0)
    behind = models.PositiveIntegerField(_("落后序时进度"), default=0)
    no_data = models.PositiveIntegerField(_("无数据"), default=0)
    # The completion rates (each capped at 100 %) summed, and how many: the mean is their
    # quotient, and sums add up over regions where means do not.
    attainment_sum = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    attainment_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("地区指标汇总")
        verbose_name_plural = _("地区指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["region", "period_label", "name"], name="region_tally_unique"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.period_label} {self.name}"


class WarningRule(FigureSource):
    """红黄绿灯 thresholds a plan's office can adjust; defaults as agreed with offices."""

    figure_rule = FigureRule(plan="plan")

    plan = models.OneToOneField("plans.Plan", on_delete=models.CASCADE, related_name="warning_rule")
    red_behind_pct = models.DecimalField(
        _("指标落后序时进度超过（%）亮红灯"), max_digits=5, decimal_places=2, default=20
    )
    yellow_behind_pct = models.DecimalField(
        _("指标落后序时进度超过（%）亮黄灯"), max_digits=5, decimal_places=2, default=5
    )
    yellow_returns = models.PositiveSmallIntegerField(_("退回次数达到即亮黄灯"), default=2)
    red_when_missing_after_deadline = models.BooleanField(_("逾期未报亮红灯"), default=True)
    red_when_lagging = models.BooleanField(_("报告“滞后”亮红灯"), default=True)
    yellow_when_late = models.BooleanField(_("逾期报送亮黄灯"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(yellow_behind_pct__lte=models.F("red_behind_pct")),
                name="warning_rule_yellow_le_red",
            )
        ]

    def __str__(self):
        return f"{self.plan} 预警规则"

    def clean(self):
        if (
            self.yellow_behind_pct is not None
            and self.red_behind_pct is not None
            and self.yellow_behind_pct > self.red_behind_pct
        ):
            raise ValidationError({"yellow_behind_pct": _("黄灯阈值不能高于红灯阈值。")})
        if self.red_behind_pct is not None and not 0 <= self.red_behind_pct <= 100:
            raise ValidationError({"red_behind_pct": _("阈值应在 0–100 之间。")})
        if self.yellow_behind_pct is not None and self.yellow_behind_pct < 0:
            raise ValidationError({"yellow_behind_pct": _("阈值应在 0–100 之间。")})


class FigureMark(models.Model):
    """Stale figures: a change committed to what a plan's stored figures read (a report,
    a value, a task, a rule…) that no computation has read yet. Written in the change's
    own transaction by the figure-source hook (tasks.figure_sources, reports.marks), so
    a change never commits without it; deleted by the computation that read after it.
    Rows are only ever added, never updated, so writers of one quarter never wait for
    each other on a mark."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    # The quarter, or, empty, every quarter of the plan.
    period = models.ForeignKey(
        "tasks.ReportingPeriod", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # With a quarter: that quarter and every later one of the plan.
    onward = models.BooleanField(default=False)
    marked_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    # The computation that has taken the mark (set before it reads, so a mark written
    # later is left for the next one).
    claim = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("待更新统计")
        verbose_name_plural = _("待更新统计")
        indexes = [models.Index(fields=["plan", "period"])]

    def __str__(self):
        return f"{self.plan_id} {self.period_id or '*'}{'+' if self.onward else ''}"


class RegionMark(models.Model):
    """Stale region figures that no plan's mark can carry: a plan that left the region —
    deleted, or moved to another region — still counts in the region rollups, key-project
    rollups and indicator tallies stored for its quarters. Written in the transaction that
    deletes or moves the plan (reports.region_marks), so that change never commits
    without it; deleted by the region pass that sums the region's quarter again."""

    region = models.ForeignKey("plans.Region", on_delete=models.CASCADE, related_name="+")
    period_label = models.CharField(_("季度"), max_length=8)
    marked_at = models.DateTimeField(_("标记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待更新地区统计")
        verbose_name_plural = _("待更新地区统计")

    def __str__(self):
        return f"{self.region_id} {self.period_label}"


class TaskLight(models.Model):
    """红黄绿灯 of one task in one quarter, with its reasons as codes and parameters."""

    class Level(models.TextChoices):
        RED = "red", _("红灯")
        YELLOW = "yellow", _("黄灯")
        GREEN = "green", _("绿灯")

    # No database constraints on the keys: see Rollup.
    task = models.ForeignKey(
        "tasks.Task", on_delete=models.CASCADE, related_name="lights", db_constraint=False
    )
    period = models.ForeignKey(
        "tasks.ReportingPeriod", on_delete=models.CASCADE, related_name="lights", db_constraint=False
    )
    level = models.CharField(_("预警"), max_length=8, choices=Level.choices)
    # [{"code", "params"}]: see reports.light_reasons; `reasons` words them.
    reason_codes = models.JSONField(_("原因"), default=list, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("任务预警")
        verbose_name_plural = _("任务预警")
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="task_light_unique"),
            models.CheckConstraint(
                condition=Q(level__in=["red", "yellow", "green"]), name="task_light_level_valid"
            ),
        ]
        indexes = [models.Index(fields=["period", "level"])]

    def __str__(self):
        return f"{self.task_id} {self.period_id} {self.level}"

    @property
    def reasons(self) -> list[str]:
        """The reasons in the active language, red ones first."""
        return reason_texts(self.reason_codes)

    @property
    def notes(self) -> list[str]:
        """Supporting agencies' missing or late input: shown, but not part of the light."""
        return reason_texts(self.reason_codes, notes=True)


class ProjectRollup(models.Model):
    """Stored key-project figures (重点项目) of a plan's quarter, or of a region's quarter
    summed over its plans and those below it (reports.project_rollups): projects by stage
    and light, investment and capacity (power in 万千瓦; other units listed apart), and,
    for a plan, its projects behind schedule as the panel lists them."""

    Scope = RollupScope

    scope = models.CharField(_("范围"), max_length=8, choices=Scope.choices)
    period_label = models.CharField(_("季度"), max_length=8)
    plan = models.ForeignKey("plans.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(
        "tasks.ReportingPeriod", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "plans.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    projects = models.PositiveIntegerField(_("重点项目数"), default=0)
    preparing = models.PositiveIntegerField(_("前期工作"), default=0)
    building = models.PositiveIntegerField(_("开工建设"), default=0)
    operating = models.PositiveIntegerField(_("建成投产"), default=0)
    yellow = models.PositiveIntegerField(_("黄灯"), default=0)
    red = models.PositiveIntegerField(_("红灯"), default=0)
    investment_planned = models.DecimalField(
        _("计划投资（万元）"), max_digits=18, decimal_places=4, default=0
    )
    investment_done = models.DecimalField(
        _("累计完成投资（万元）"), max_digits=18, decimal_places=4, default=0
    )
    investment_expected = models.DecimalField(
        _("序时进度投资（万元）"), max_digits=18, decimal_places=4, default=0
    )
    capacity_planned = models.DecimalField(
        _("计划装机（万千瓦）"), max_digits=18, decimal_places=4, default=0
    )
    capacity_operating = models.DecimalField(
        _("已投产装机（万千瓦）"), max_digits=18, decimal_places=4, default=0
    )
    # [{"unit", "planned", "operating"}] of the sizes that are not power (座, 公里…).
    capacity_other = models.JSONField(_("其他规模"), default=list, blank=True)
    # A plan's projects behind schedule, worst first: [{"number", "name", "agency", "stage",
    # "light", "reason", "date", "problems"}]; reasons as codes, worded when shown.
    behind = models.JSONField(_("滞后项目"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("重点项目汇总")
        verbose_name_plural = _("重点项目汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "period_label", "plan", "region"],
                name="project_rollup_unique_subject",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(
                    scope=RollupScope.PLAN, plan__isnull=False, period__isnull=False, region__isnull=True
                )
                | Q(scope=RollupScope.REGION, plan__isnull=True, period__isnull=True, region__isnull=False),
                name="project_rollup_subject_matches_scope",
            ),
        ]
        indexes = [models.Index(fields=["plan", "period"])]

    def __str__(self):
        return f"{self.plan_id or self.region_id} {self.period_label}"


# 年度考核 (reports/assessment/) and the 催办 records (reports/chase_models.py) live in
# modules of their own and belong to this app.
from .assessment.models import (  # noqa: E402, F401
    Assessment,
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentNotice,
    AssessmentObjection,
    AssessmentScheme,
    AssessmentScore,
)
from .chase_models import Chase, LowerChase, ReminderLog, ReminderStage  # noqa: E402, F401
