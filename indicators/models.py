from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.figure_sources import FigureRule, FigureSource, FigureSourceQuerySet


class IndicatorQuerySet(FigureSourceQuerySet):
    def of_plan(self, plan):
        return self.filter(plan=plan)

    def goals(self):
        return self.filter(task__isnull=True)


class IndicatorComparator(models.TextChoices):
    AT_LEAST = ">=", "≥"
    AT_MOST = "<=", "≤"
    ABOUT = "~", "≈"
    EQUAL = "=", "="


class TargetChange(models.TextChoices):
    LEVEL = "level", _("水平值")
    DECREASE = "decrease", _("下降")
    INCREASE = "increase", _("提高")


class Indicator(FigureSource):
    """指标: a quantitative target of a plan (主要目标, task=None) or of one task."""

    figure_rule = FigureRule(plan="plan")

    Comparator = IndicatorComparator
    Change = TargetChange

    class Category(models.TextChoices):
        CONTROL = "control", _("控制指标")
        BINDING = "binding", _("约束性指标")
        SUPPORTING = "supporting", _("支撑指标")
        TASK = "task", _("任务指标")

    class Nature(models.TextChoices):
        BINDING = "binding", _("约束性")
        EXPECTED = "expected", _("预期性")

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="indicators"
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    seq = models.PositiveIntegerField(_("序号"), default=0)
    name = models.CharField(_("指标名称"), max_length=200)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    comparator = models.CharField(
        _("比较"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    target = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)
    target_max = models.DecimalField(_("目标上限"), max_digits=20, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("目标年份"), null=True, blank=True)
    baseline_value = models.DecimalField(_("基期值"), max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基期年份"), null=True, blank=True)
    change = models.CharField(_("目标类型"), max_length=10, choices=Change.choices, default=Change.LEVEL)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, default=Category.TASK)
    nature = models.CharField(_("属性"), max_length=10, choices=Nature.choices, default=Nature.EXPECTED)
    # A target in words (“实现城区公共交通站点500米全覆盖”): tracked as done / not done, its
    # reported value read as 1 (done) or 0 (not done), its number never compared.
    descriptive = models.BooleanField(_("文字目标（按完成/未完成跟踪）"), default=False)
    source_text = models.TextField(_("原文"), blank=True)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    needs_review = models.BooleanField(_("需人工核对"), default=False)
    # A split target (上级下达的分解目标): the upper task's indicator this lower one carries
    # a share of, set by the upper office when it hands the task down.
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="splits",
    )  # fmt: skip

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["plan_id", "task_id", "seq", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(comparator__in=IndicatorComparator.values), name="indicator_comparator_valid"
            ),
            models.CheckConstraint(
                condition=Q(change__in=TargetChange.values), name="indicator_change_valid"
            ),
            models.CheckConstraint(
                condition=Q(target_max__isnull=True) | Q(target_max__gte=models.F("target")),
                name="indicator_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(baseline_year__lt=models.F("target_year")),
                name="indicator_baseline_before_target",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.get_comparator_display()} {self.target:g}{self.unit}"

    def clean(self):
        errors = {}
        if self.comparator not in self.Comparator.values:
            errors["comparator"] = _("比较方式只能是 ≥、≤、≈ 或 =。")
        if self.target_max is not None and self.target is not None and self.target_max < self.target:
            errors["target_max"] = _("目标上限不能小于目标值。")
        if self.baseline_year and self.target_year and self.baseline_year >= self.target_year:
            errors["baseline_year"] = _("基期年份应早于目标年份。")
        if self.task_id and self.plan_id and self.task.action.plan_id != self.plan_id:
            errors["task"] = _("任务不属于该方案。")
        if errors:
            raise ValidationError(errors)


class IndicatorValue(FigureSource):
    """指标值: the value an agency reports for an indicator in a quarter."""

    # A quarter is assessed on the latest value up to it: a value counts in its quarter
    # and every later one. (updated_at orders two agencies' values of one quarter; only a
    # save, which reports itself, moves it.)
    figure_rule = FigureRule(
        plan="indicator__plan",
        period="period",
        onward=True,
        fields=("indicator", "period", "agency", "value"),
    )

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="values"
    )
    period = models.ForeignKey(
        "tasks.ReportingPeriod",
        verbose_name=_("季度"),
        on_delete=models.PROTECT,
        related_name="indicator_values",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("报送单位"),
        on_delete=models.PROTECT,
        related_name="indicator_values",
    )
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    report = models.ForeignKey(
        "tasks.ProgressReport",
        verbose_name=_("所属填报"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicator_values",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        ordering = ["indicator_id", "period_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "agency"],
                name="indicator_value_unique_per_period_agency",
                violation_error_message=_("该单位本季度已报送此指标的数值。"),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.period}: {self.value:g}"
