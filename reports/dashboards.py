"""Reads behind the office dashboard, the region view, the leader view and the briefing.

Every figure comes from the stored rollups (`Rollup`, `TaskLight`) so a page costs the
same handful of queries whatever the size of the plan; nothing here aggregates reports
row by row. Each selector documents how many queries it runs, and the tests pin them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.access import Viewer, get_plan_for_user
from indicators import trajectory
from indicators.models import Indicator, IndicatorValue
from plans.models import Plan, Region
from plans.selectors import breakdown_actions
from tasks.models import ProgressReport, ProgressReportVersion, ReportingPeriod, Task, TaskAssignment

from .models import Rollup, TaskLight, WarningRule

STATUS_CHOICES = [
    ("not_started", gettext_lazy("未启动")),
    ("in_progress", gettext_lazy("推进中")),
    ("done", gettext_lazy("已完成")),
    ("lagging", gettext_lazy("滞后")),
    ("unreported", gettext_lazy("未报送")),
]
LEVEL_CHOICES = TaskLight.Level.choices


# --- access -----------------------------------------------------------------------------
def get_supervised_plan(user, pk) -> Plan:
    """The plan for its office and leaders. Agency staff may see the plan itself but not
    its dashboards (other agencies' figures), so they get the same 404 as outsiders."""
    plan = get_plan_for_user(user, pk)
    if not Viewer.of(user).supervises(plan):
        raise Http404
    return plan


def get_region_for_user(user, pk) -> Region:
    """A region for the office or leaders of it or of a region above it; 404 otherwise."""
    region = get_object_or_404(Region.objects.select_related("parent", "parent__parent"), pk=pk)
    viewer = Viewer.of(user)
    if viewer.is_admin:
        return region
    scope = viewer.office_region_ids | viewer.leader_region_ids
    chain, node = [], region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    if not any(pk in scope for pk in chain):
        raise Http404
    return region


# --- periods ----------------------------------------------------------------------------
@dataclass
class PeriodChoice:
    period: ReportingPeriod | None
    periods: list
    error: str = ""


def period_choose(plan, label: str | None, *, today: dt.date | None = None) -> PeriodChoice:
    """The quarter a page shows: the one asked for, else the latest whose deadline has
    passed (the one the office is reviewing), else the first. One query."""
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter"))
    error = ""
    if label:
        wanted = label.strip().upper()
        for period in periods:
            if period.label == wanted:
                return PeriodChoice(period, periods)
        error = _("没有找到季度“%(label)s”，已显示默认季度。季度应写作 YYYYQn，如 2026Q1。") % {
            "label": label[:20]
        }
    today = today or timezone.localdate()
    past = [p for p in periods if p.deadline < today]
    current = [p for p in periods if p.starts_on <= today]
    if past or current:
        chosen = (past or current)[-1]
    else:
        chosen = periods[0] if periods else None
    return PeriodChoice(chosen, periods, error)


# --- indicators -------------------------------------------------------------------------
INDICATOR_STATUS_LABELS = {
    trajectory.ON_TRACK: gettext_lazy("达到序时进度"),
    trajectory.BEHIND: gettext_lazy("落后序时进度"),
    trajectory.ACHIEVED: gettext_lazy("已达到目标"),
    trajectory.NO_DATA: gettext_lazy("暂无数据"),
    trajectory.NO_BASELINE: gettext_lazy("无基期值"),
    trajectory.NO_TARGET_YEAR: gettext_lazy("未设目标年份"),
}


@dataclass
class IndicatorCard:
    indicator: Indicator
    assessment: trajectory.Assessment
    red_behind_pct: Decimal = Decimal(20)
    value_period: str = ""  # the quarter the value comes from, when older than the one shown
    series: list = field(default_factory=list)  # [{"period", "value", "expected"}]

    @property
    def status(self):
        return self.assessment.status

    @property
    def value(self):
        return self.assessment.value

    @property
    def expected(self):
        return self.assessment.expected

    @property
    def attainment(self):
        return self.assessment.attainment

    @property
    def status_label(self):
        return INDICATOR_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_on_track(self):
        return self.status in (trajectory.ON_TRACK, trajectory.ACHIEVED)

    @property
    def level(self):
        """The colour the lights give it: far behind red, a little behind yellow."""
        if self.is_on_track:
            return "green"
        if self.status == trajectory.BEHIND:
            behind = self.assessment.behind_pct or Decimal(0)
            return "red" if behind > self.red_behind_pct else "yellow"
        return ""


def _pick(rows, lead_agency_ids):
    """One figure per indicator and quarter, as the rollups take it: the lead agency's,
    else the most recently entered."""
    return sorted(rows, key=lambda r: (r["agency_id"] in lead_agency_ids, r["updated_at"]))[-1]["value"]


def _indicator_rows(indicator_filter, year, quarter):
    """Values of the indicators up to the quarter, grouped by indicator and quarter: one query."""
    grouped = defaultdict(lambda: defaultdict(list))
    rows = IndicatorValue.objects.filter(**indicator_filter, period__year__lte=year).values(
        "indicator_id", "agency_id", "value", "updated_at", "period__year", "period__quarter"
    )
    for row in rows:
        when = (row["period__year"], row["period__quarter"])
        if when <= (year, quarter):
            grouped[row["indicator_id"]][when].append(row)
    return grouped


def _card(indicator, by_quarter, year, quarter, *, leads, rule, default_year) -> IndicatorCard:
    spec = trajectory.Spec.of(indicator, default_target_year=default_year)
    quarters = sorted(by_quarter)
    values = [(q, _pick(by_quarter[q], leads)) for q in quarters]
    first = (values[0][1], *values[0][0]) if values else None
    latest = values[-1] if values else None
    assessment = trajectory.assess(
        spec,
        latest[1] if latest else None,
        year,
        quarter,
        first_value=first,
        tolerance=Decimal(rule.yellow_behind_pct),
    )
    card = IndicatorCard(
        indicator=indicator, assessment=assessment, red_behind_pct=Decimal(rule.red_behind_pct)
    )
    if latest and latest[0] != (year, quarter):
        card.value_period = f"{latest[0][0]}Q{latest[0][1]}"
    for (y, q), value in values:
        card.series.append(
            {
                "period": f"{y}Q{q}",
                "value": value,
                "expected": trajectory.expected_at(spec, y, q, first_value=first),
            }
        )
    return card


def indicator_cards(plan, period, *, task=None, leads_by_task=None) -> list[IndicatorCard]:
    """Indicators of a plan (or of one task) against their trajectory at the quarter, with
    the values of every quarter so far for the sparkline: three queries (the plan's
    warning rule, the indicators, their values)."""
    from .lights import rule_for_plan

    rule = rule_for_plan(plan.pk)
    indicators = Indicator.objects.filter(plan=plan).select_related("task", "task__action")
    if task is not None:
        indicators = indicators.filter(task=task)
    indicators = list(indicators.order_by("task__action__seq", "task__seq", "seq", "id"))
    if not indicators:
        return []
    value_filter = {"indicator__task": task} if task is not None else {"indicator__plan": plan}
    values = _indicator_rows(value_filter, period.year, period.quarter)
    leads_by_task = leads_by_task or {}
    default_year = plan.end_year or plan.plan_year
    return [
        _card(
            indicator,
            values.get(indicator.pk, {}),
            period.year,
            period.quarter,
            leads=leads_by_task.get(indicator.task_id, set()),
            rule=rule,
            default_year=default_year,
        )
        for indicator in indicators
    ]


# --- the office dashboard ---------------------------------------------------------------
@dataclass
class TaskRow:
    task: Task
    leads: list
    supports: list
    rollup: Rollup | None
    light: TaskLight | None

    @property
    def level(self):
        return self.light.level if self.light else ""

    @property
    def status(self):
        r = self.rollup
        if r is None:
            return ""  # not computed yet: say nothing rather than "未报送"
        if not (r.expected - r.missing):
            return "unreported"
        for name in ("lagging", "done", "in_progress", "not_started"):
            if getattr(r, name):
                return name
        return "unreported"

    @property
    def status_label(self):
        return dict(STATUS_CHOICES).get(self.status, "—")

    @property
    def reasons(self):
        return reasons_text(self.light)

    @property
    def reasons_head(self):
        # Red reasons come first; two are enough to read a row, the rest fold away.
        return self.reasons[:2]

    @property
    def reasons_rest(self):
        return self.reasons[2:]


def reasons_text(light) -> list[str]:
    if light is None:
        return []
    out = []
    for reason in light.reasons or []:
        if isinstance(reason, dict):
            out.append(str(reason.get("text") or reason.get("message") or reason.get("reason") or ""))
        else:
            out.append(str(reason))
    return [r for r in out if r]


@dataclass
class Filters:
    action: int | None = None
    agency: int | None = None
    status: str = ""
    level: str = ""

    @classmethod
    def from_query(cls, query) -> tuple[Filters, list[str]]:
        errors = []

        def as_id(name):
            raw = (query.get(name) or "").strip()
            if not raw:
                return None
            if raw.isdigit():
                return int(raw)
            errors.append(_("筛选条件“%(value)s”无效，已忽略。") % {"value": raw[:20]})
            return None

        status = (query.get("status") or "").strip()
        level = (query.get("level") or "").strip()
        if status and status not in dict(STATUS_CHOICES):
            errors.append(_("筛选条件“%(value)s”无效，已忽略。") % {"value": status[:20]})
            status = ""
        if level and level not in dict(LEVEL_CHOICES):
            errors.append(_("筛选条件“%(value)s”无效，已忽略。") % {"value": level[:20]})
            level = ""
        return cls(action=as_id("action"), agency=as_id("agency"), status=status, level=level), errors

    @property
    def active(self):
        return bool(self.action or self.agency or self.status or self.level)

    def keep(self, row: TaskRow) -> bool:
        if self.action and row.task.action_id != self.action:
            return False
        if self.agency and not any(a.agency_id == self.agency for a in row.leads + row.supports):
            return False
        if self.status and row.status != self.status:
            return False
        if self.level and row.level != self.level:
            return False
        return True


@dataclass
class PlanDashboard:
    plan: Plan
    period: ReportingPeriod
    overall: Rollup | None
    actions: list  # [(Action, Rollup|None)]
    agencies: list  # [Rollup] of scope agency
    tasks: list  # [TaskRow] after filters
    task_count: int
    agencies_in_plan: list
    indicators: list  # [IndicatorCard]

    @property
    def has_rollups(self):
        return self.overall is not None

    @property
    def red_tasks(self):
        return [row for row in self.all_tasks if row.level == "red"]

    def chart_data(self):
        """What the browser charts draw (JSON-safe)."""
        return {
            "labels": chart_labels(),
            "actions": [
                {
                    "id": action.pk,
                    "name": f"{action.label}{action.title}",
                    "completion": _num(rollup.completion) if rollup else None,
                    "red": rollup.red if rollup else 0,
                    "yellow": rollup.yellow if rollup else 0,
                    "green": rollup.green if rollup else 0,
                }
                for action, rollup in self.actions
            ],
            "lights": {
                "red": self.overall.red if self.overall else 0,
                "yellow": self.overall.yellow if self.overall else 0,
                "green": self.overall.green if self.overall else 0,
            },
            "indicators": [
                {
                    "id": card.indicator.pk,
                    "periods": [point["period"] for point in card.series],
                    "values": [_num(point["value"]) for point in card.series],
                    "expected": [_num(point["expected"]) for point in card.series],
                }
                for card in self.indicators
            ],
        }


def chart_labels() -> dict:
    """Words the browser charts print, translated here like every other UI text."""
    return {
        "no_data": _("无数据"),
        "completion": _("平均完成进度"),
        "on_time": _("按时报送率"),
        "red": _("红灯"),
        "yellow": _("黄灯"),
        "green": _("绿灯"),
        "actual": _("实际值"),
        "expected": _("序时进度"),
    }


def _num(value):
    return None if value is None else float(value)


def plan_dashboard(plan, period, filters: Filters | None = None) -> PlanDashboard:
    """Everything the office dashboard shows, in eight queries whatever the plan's size:
    rollups (1), actions (1), tasks with their agencies (2), lights (1), indicators with
    values (2), and the plan's agencies for the filter (1)."""
    filters = filters or Filters()
    rollups = list(
        Rollup.objects.filter(
            plan=plan, period=period, scope__in=["plan", "action", "agency", "task"]
        ).select_related("agency")
    )
    overall = next((r for r in rollups if r.scope == "plan"), None)
    by_action = {r.action_id: r for r in rollups if r.scope == "action"}
    by_task = {r.task_id: r for r in rollups if r.scope == "task"}
    agency_rollups = sorted(
        (r for r in rollups if r.scope == "agency"),
        key=lambda r: (-(r.lagging or 0), -(r.missing or 0), r.agency.name if r.agency else ""),
    )
    actions = list(breakdown_actions(plan).order_by("seq"))
    tasks = list(
        Task.objects.of_plan(plan)
        .active()
        .select_related("action")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=TaskAssignment.objects.select_related("agency").order_by("role", "seq"),
            )
        )
        .order_by("action__seq", "seq")
    )
    lights = {
        light.task_id: light for light in TaskLight.objects.filter(period=period, task__action__plan=plan)
    }
    rows = []
    for task in tasks:
        assignments = list(task.assignments.all())
        rows.append(
            TaskRow(
                task=task,
                leads=[a for a in assignments if a.role == "lead"],
                supports=[a for a in assignments if a.role == "support"],
                rollup=by_task.get(task.pk),
                light=lights.get(task.pk),
            )
        )
    leads_by_task = {row.task.pk: {a.agency_id for a in row.leads} for row in rows}
    agencies = {}
    for row in rows:
        for a in row.leads + row.supports:
            agencies[a.agency_id] = a.agency
    dashboard = PlanDashboard(
        plan=plan,
        period=period,
        overall=overall,
        actions=[(action, by_action.get(action.pk)) for action in actions],
        agencies=[r for r in agency_rollups if not filters.agency or r.agency_id == filters.agency],
        tasks=[row for row in rows if filters.keep(row)],
        task_count=len(rows),
        agencies_in_plan=sorted(agencies.values(), key=lambda a: a.name),
        indicators=indicator_cards(plan, period, leads_by_task=leads_by_task),
    )
    dashboard.all_tasks = rows
    return dashboard


# --- drill-down -------------------------------------------------------------------------
@dataclass
class TaskDrilldown:
    task: Task
    period: ReportingPeriod
    light: TaskLight | None
    rollup: Rollup | None
    assignments: list
    reports: list  # [(TaskAssignment|None, ProgressReport|None)]
    indicators: list

    @property
    def reasons(self):
        return reasons_text(self.light)


def task_drilldown(plan, task_pk, period) -> TaskDrilldown:
    """One task in one quarter: every assigned agency's report (or its absence) with
    the report's history. Seven queries whatever the number of agencies or versions."""
    task = get_object_or_404(Task.objects.select_related("action"), pk=task_pk, action__plan=plan)
    assignments = list(task.assignments.select_related("agency").order_by("role", "seq"))
    reports = {
        r.agency_id: r
        for r in ProgressReport.objects.filter(task=task, period=period)
        .select_related("agency", "submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch(
                "versions", queryset=ProgressReportVersion.objects.select_related("by").order_by("number")
            )
        )
    }
    labels = {
        f.name: str(f.verbose_name) for f in ProgressReport._meta.get_fields() if hasattr(f, "verbose_name")
    }
    for report in reports.values():
        for version in report.versions.all():
            version.changed_labels = [labels.get(name, name) for name in version.changed_fields or []]
    pairs = [(a, reports.pop(a.agency_id, None)) for a in assignments]
    # A report from an agency no longer assigned still belongs to the record.
    pairs += [(None, r) for r in reports.values()]
    return TaskDrilldown(
        task=task,
        period=period,
        light=TaskLight.objects.filter(task=task, period=period).first(),
        rollup=Rollup.objects.filter(scope="task", task=task, period=period).first(),
        assignments=assignments,
        reports=pairs,
        indicators=indicator_cards(
            plan,
            period,
            task=task,
            leads_by_task={task.pk: {a.agency_id for a in assignments if a.role == "lead"}},
        ),
    )


# --- the region view --------------------------------------------------------------------
@dataclass
class SharedIndicator:
    name: str
    unit: str
    city_target: Decimal | None
    city_comparator: str
    cells: dict  # plan id → {"indicator", "value", "attainment", "status"}
    row: list = field(default_factory=list)  # cells in the order of the plans shown


@dataclass
class RegionDashboard:
    region: Region
    period_label: str
    period_labels: list
    own_plans: list
    plans: list  # [(Plan, Rollup|None)] of the regions below
    region_rollup: Rollup | None
    shared: list  # [SharedIndicator]

    def chart_data(self):
        return {
            "labels": chart_labels(),
            "plans": [
                {
                    "name": plan.region.name,
                    "completion": _num(rollup.completion) if rollup else None,
                    "red": rollup.red if rollup else 0,
                    "on_time": rollup.on_time_rate if rollup else None,
                }
                for plan, rollup in self.plans
            ],
        }


def region_period_labels(region) -> list[str]:
    labels = (
        ReportingPeriod.objects.filter(Region.subtree_q([region.pk], prefix="plan__region"))
        .values_list("label", flat=True)
        .distinct()
    )
    return sorted(set(labels))


def region_default_label(labels: list[str], *, today: dt.date | None = None) -> str:
    """The latest quarter whose reporting deadline has passed, as for a single plan."""
    from tasks.services import DEADLINE_DAYS_AFTER_QUARTER, parse_period_label, quarter_bounds

    today = today or timezone.localdate()
    past, started = [], []
    for label in labels:
        start, end = quarter_bounds(*parse_period_label(label))
        if end + dt.timedelta(days=DEADLINE_DAYS_AFTER_QUARTER) < today:
            past.append(label)
        if start <= today:
            started.append(label)
    return (past or started or labels)[-1 if (past or started) else 0]


def region_dashboard(region, period_label: str) -> RegionDashboard:
    """The plans of the regions below `region` side by side, and the indicators they
    share compared with the region's own targets. Five queries whatever the number of
    plans, tasks or values."""
    from tasks.services import parse_period_label

    plans = list(
        Plan.objects.filter(Region.subtree_q([region.pk], prefix="region"))
        .select_related("region")
        .order_by("region__name", "title")
    )
    own = [p for p in plans if p.region_id == region.pk]
    below = [p for p in plans if p.region_id != region.pk]
    rollups = {
        r.plan_id: r
        for r in Rollup.objects.filter(
            scope="plan", plan__in=plans, period_label=period_label
        ).select_related("period")
    }
    region_rollup = Rollup.objects.filter(scope="region", region=region, period_label=period_label).first()
    indicators = list(
        Indicator.objects.filter(plan__in=plans)
        .exclude(task__archived_at__isnull=False)
        .order_by("plan_id", "seq", "id")
    )
    year, quarter = parse_period_label(period_label)
    values = _indicator_rows({"indicator__plan__in": plans}, year, quarter)
    rules = {r.plan_id: r for r in WarningRule.objects.filter(plan__in=plans)}
    leads = defaultdict(set)
    for task_id, agency_id in TaskAssignment.objects.filter(
        task__indicators__in=indicators, role="lead"
    ).values_list("task_id", "agency_id"):
        leads[task_id].add(agency_id)
    plans_by_id = {p.pk: p for p in plans}
    by_name = defaultdict(list)
    for indicator in indicators:
        by_name[indicator.name.strip()].append(indicator)
    below_ids = {p.pk for p in below}
    own_ids = {p.pk for p in own}
    shared = []
    for name, group in by_name.items():
        in_below = {i.plan_id for i in group if i.plan_id in below_ids}
        # Shared: set by two regions below, or by one and by the region's own plan.
        if len(in_below) < 2 and not (in_below and any(i.plan_id in own_ids for i in group)):
            continue
        city = next((i for i in group if i.plan_id in own_ids), None)
        cells = {}
        for indicator in group:
            if indicator.plan_id not in below_ids or indicator.plan_id in cells:
                continue
            plan = plans_by_id[indicator.plan_id]
            cells[indicator.plan_id] = _card(
                indicator,
                values.get(indicator.pk, {}),
                year,
                quarter,
                leads=leads.get(indicator.task_id, set()),
                rule=rules.get(plan.pk) or WarningRule(plan=plan),
                default_year=plan.end_year or plan.plan_year,
            )
        shared.append(
            SharedIndicator(
                name=name,
                unit=(city or group[0]).unit,
                city_target=city.target if city else None,
                city_comparator=city.get_comparator_display() if city else "",
                cells=cells,
            )
        )
    shared.sort(key=lambda s: (-len(s.cells), s.name))
    for item in shared:
        item.row = [item.cells.get(p.pk) for p in below]
    return RegionDashboard(
        region=region,
        period_label=period_label,
        period_labels=[],
        own_plans=[(p, rollups.get(p.pk)) for p in own],
        plans=[(p, rollups.get(p.pk)) for p in below],
        region_rollup=region_rollup,
        shared=shared,
    )


# --- leader summary ---------------------------------------------------------------------
@dataclass
class LeaderSummary:
    plan: Plan
    period: ReportingPeriod
    overall: Rollup | None
    actions: list
    red_list: list  # [TaskRow]
    indicators: list

    def chart_data(self):
        return {
            "labels": chart_labels(),
            "actions": [
                {
                    "id": action.pk,
                    "name": f"{action.label}{action.title}",
                    "completion": _num(rollup.completion) if rollup else None,
                }
                for action, rollup in self.actions
            ],
            "lights": {
                "red": self.overall.red if self.overall else 0,
                "yellow": self.overall.yellow if self.overall else 0,
                "green": self.overall.green if self.overall else 0,
            },
        }

    @property
    def indicators_on_track(self):
        return sum(1 for c in self.indicators if c.is_on_track)

    @property
    def indicators_behind(self):
        return sum(1 for c in self.indicators if c.status == "behind")

    @property
    def indicators_no_data(self):
        return sum(1 for c in self.indicators if not c.is_on_track and c.status != "behind")


def leader_summary(plan, period, *, board: PlanDashboard | None = None) -> LeaderSummary:
    """Big numbers, red list and indicator status: the dashboard's queries, nothing more."""
    board = board or plan_dashboard(plan, period)
    return LeaderSummary(
        plan=plan,
        period=period,
        overall=board.overall,
        actions=board.actions,
        red_list=board.red_tasks,
        indicators=board.indicators,
    )
