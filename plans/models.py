from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tasks.figure_sources import FigureRule, FigureSource, FigureSourceQuerySet


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")


class Region(models.Model):
    """A province, city or county. Plans and agencies belong to one."""

    Level = RegionLevel

    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_under_parent"),
            models.CheckConstraint(condition=Q(level__in=RegionLevel.values), name="region_level_valid"),
        ]

    def __str__(self):
        return self.name

    def ancestor_ids(self) -> list[int]:
        """This region's id and those of the regions above it, nearest first (walks the
        `parent` links, so select_related them when it matters)."""
        ids, node = [], self
        while node is not None:
            ids.append(node.pk)
            node = node.parent
        return ids

    @staticmethod
    def subtree_q(region_ids, prefix="region"):
        """Q matching objects whose region is one of region_ids or below it; with an
        empty prefix, the regions themselves.

        Regions are at most three levels deep (province → city → county), so two
        parent hops cover every descendant without a recursive query.
        """
        ids = list(region_ids)
        path = f"{prefix}__" if prefix else ""
        return (
            Q(**{f"{prefix}__in" if prefix else "pk__in": ids})
            | Q(**{f"{path}parent__in": ids})
            | Q(**{f"{path}parent__parent__in": ids})
        )


class PlanQuerySet(FigureSourceQuerySet):
    def with_counts(self):
        # Counted per plan in subqueries rather than by joining and grouping every action and
        # task: a page of 20 plans then counts those 20 only, and the paginator's COUNT(*)
        # drops the annotations and reads the plans alone.
        per_plan = Action.objects.filter(plan=models.OuterRef("pk")).order_by().values("plan")
        return self.annotate(
            action_count=Coalesce(models.Subquery(per_plan.annotate(n=models.Count("pk")).values("n")), 0),
            task_count=Coalesce(models.Subquery(per_plan.annotate(n=models.Count("tasks")).values("n")), 0),
        )


class ReviewMode(models.TextChoices):
    """Who reviews the quarter's progress of a task."""

    # The lead agency gathers its supporters' inputs into one report per task; the office
    # reviews only that report. This is how county work groups usually run 季度调度.
    LEAD_CONSOLIDATES = "lead_consolidates", _("牵头单位汇总，专班办公室审核牵头单位报告")
    OFFICE_REVIEWS_ALL = "office_reviews_all", _("专班办公室审核每个单位的填报")


class Plan(FigureSource):
    """实施方案 / 行动方案 of one region."""

    ReviewMode = ReviewMode
    # Who reviews (the counts awaiting the office), the years the targets default to, and
    # the region its figures add up in.
    figure_rule = FigureRule(
        plan="pk", fields=("review_mode", "start_year", "end_year", "plan_year", "region")
    )

    region = models.ForeignKey(Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    is_draft = models.BooleanField(_("征求意见稿"), default=False)
    start_year = models.PositiveSmallIntegerField(_("起始年份"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("截止年份"), null=True, blank=True)
    plan_year = models.PositiveSmallIntegerField(
        _("年度"), null=True, blank=True, help_text=_("年度任务方案所针对的年份；“年内”“全年”均指该年。")
    )
    source_name = models.CharField(_("源文件名"), max_length=255, blank=True)
    source_text = models.TextField(_("源文本"), blank=True)
    source_file = models.FileField(_("源文件"), upload_to="plans/sources/", blank=True)
    source_sha256 = models.CharField(
        _("源文件摘要"), max_length=64, blank=True, db_index=True, help_text=_("用于发现重复导入的同一文件。")
    )
    review_mode = models.CharField(
        _("审核方式"), max_length=24, choices=ReviewMode.choices, default=ReviewMode.LEAD_CONSOLIDATES
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("取代的旧版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="plan_years_ordered",
            ),
            models.CheckConstraint(
                condition=Q(plan_year__isnull=True) | Q(plan_year__gte=2000, plan_year__lte=2100),
                name="plan_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(review_mode__in=ReviewMode.values), name="plan_review_mode_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("截止年份不能早于起始年份。")})
        if self.plan_year is not None and not 2000 <= self.plan_year <= 2100:
            raise ValidationError({"plan_year": _("年度应在 2000–2100 之间。")})

    @property
    def five_year_period(self):
        """十四五 / 十五五, from the years the plan covers."""
        year = (
            self.plan_year
            or self.end_year
            or self.start_year
            or (self.issued_on.year if self.issued_on else None)
        )
        if year is None:
            return ""
        if 2021 <= year <= 2025:
            return "十四五"
        if 2026 <= year <= 2030:
            return "十五五"
        return ""


class PlanSchedule(models.Model):
    """填报安排: which quarters a plan reports, and when each quarter's entry is due."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="schedule"
    )
    first_period = models.CharField(_("第一个季度"), max_length=8, help_text=_("如 2026Q1"))
    last_period = models.CharField(_("最后一个季度"), max_length=8, help_text=_("如 2030Q4"))
    # The defaults are the rule of tasks.periods (DEADLINE_DAYS, WINDOW_DAYS), which writes
    # every quarter; a model knows no services, so a test keeps the two equal.
    deadline_days = models.PositiveSmallIntegerField(
        _("季后报送天数"), default=10, help_text=_("季度结束后第几日截止，如“季后10日”填 10。")
    )
    window_days = models.PositiveSmallIntegerField(
        _("填报窗口天数"), default=25, help_text=_("截止日前多少天开始填报。")
    )
    indicator_quarters = models.JSONField(
        _("需报指标值的季度"), default=list, blank=True, help_text=_("如 [2, 4]：二、四季度报指标值。")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("填报安排")
        verbose_name_plural = _("填报安排")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_days__lte=90), name="schedule_deadline_days_within_quarter"
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1, window_days__lte=120), name="schedule_window_days_plausible"
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.first_period}–{self.last_period}"

    def needs_indicator_values(self, quarter: int) -> bool:
        return quarter in (self.indicator_quarters or [])


# Archived tasks, and actions left holding only archived tasks, sit at ARCHIVED_SEQ + id:
# out of the way of the numbers a revision gives the rest.
ARCHIVED_SEQ = 1_000_000_000


class Action(FigureSource):
    """重点行动 / 重点任务 (（一）…), in document order."""

    # The figures keep a row per action the breakdown shows (seq: an archived one is out).
    figure_rule = FigureRule(plan="plan", fields=("plan", "seq"))

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="actions")
    seq = models.PositiveIntegerField(_("序号"))
    label = models.CharField(_("编号"), max_length=16, blank=True)
    title = models.CharField(_("标题"), max_length=255)
    source_text = models.TextField(_("原文"), blank=True)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("重点行动")
        verbose_name_plural = _("重点行动")
        ordering = ["plan_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="action_unique_seq_in_plan"),
        ]

    def __str__(self):
        return f"{self.label}{self.title}"


class PlanImport(models.Model):
    """An uploaded plan document on its way to becoming a checked task breakdown."""

    class State(models.TextChoices):
        PARSED = "parsed", _("待核对")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("解析失败")
        DISCARDED = "discarded", _("已放弃")

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.SET_NULL
    )
    original_name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to="plans/imports/")
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PARSED)
    parsed = models.JSONField(_("解析结果"), default=dict, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    replaces = models.ForeignKey(
        Plan,
        verbose_name=_("修订的方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("导入后的方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    # 承接上级任务: the office's answers to the review's suggestions, by task title
    # ({title key: {"upper": task id, "decision": "confirmed" | "declined"}}); commit links
    # the confirmed ones (plans.import_upper).
    upper_links = models.JSONField(_("承接上级任务"), default=dict, blank=True)

    class Meta:
        verbose_name = _("方案导入")
        verbose_name_plural = _("方案导入")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def parsed_plan(self):
        """The stored breakdown as records (plans.parsing.schema.ParsedPlan); `parsed`
        keeps its JSON. A new read each time: the records are the caller's to change."""
        # Imported here: the parser package is not needed to load the models.
        from .parsing.schema import ParsedPlan

        return ParsedPlan.from_dict(self.parsed)
