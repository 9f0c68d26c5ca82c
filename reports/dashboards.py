"""Reads behind the office dashboard, the region view, the leader view and the briefing.

Every figure comes from the stored rollups (`Rollup`, `TaskLight`) so a page costs the
same handful of queries whatever the size of the plan; nothing here aggregates reports
row by row. Each selector documents how many queries it runs, and the tests pin them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.access import Viewer, get_plan_for_user
from indicators import trajectory
from indicators.assessment import IndicatorAssessment, assess, assess_plan, values_by_quarter
from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import ProgressReport, ProgressReportVersion, ReportingPeriod, Task, TaskAssignment

from .lights import rule_for_plan
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


# --- indicators -------------------------------------------------------------------------
@dataclass
class IndicatorCard(IndicatorAssessment):
    """An indicator's assessment as the dashboards show it, with the colour of its light."""

    red_behind_pct: Decimal = Decimal(20)

    @classmethod
    def of(cls, result: IndicatorAssessment, rule) -> IndicatorCard:
        return cls(**vars(result), red_behind_pct=Decimal(rule.red_behind_pct))

    @property
    def level(self):
        """The colour the lights give it: far behind red, a little behind yellow."""
        if self.is_on_track:
            return "green"
        if self.status == trajectory.BEHIND:
            behind = self.behind_pct or Decimal(0)
            return "red" if behind > self.red_behind_pct else "yellow"
        return ""


def indicator_cards(plan, period, *, task=None, leads_by_task=None) -> list[IndicatorCard]:
    """Indicators of a plan (or of one task) against their trajectory at the quarter, with
    the values of every quarter so far for the sparkline: three queries (the plan's
    warning rule, the indicators, their values)."""
    rule = rule_for_plan(plan.pk)
    results = assess_plan(
        plan, period, tolerance=rule.yellow_behind_pct, leads_by_task=leads_by_task, task=task
    )
    return [IndicatorCard.of(result, rule) for result in results]


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
        return self.light.reasons if self.light else []

    @property
    def reasons_head(self):
        # Red reasons come first; two are enough to read a row, the rest fold away.
        return self.reasons[:2]

    @property
    def reasons_rest(self):
        return self.reasons[2:]


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
    actions = list(plan.actions.order_by("seq"))
    tasks = list(
        Task.objects.of_plan(plan)
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
        return self.light.reasons if self.light else []


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


def region_periods(region) -> list:
    """One quarter per label among the plans of the region and the regions below it (the
    one with the earliest deadline, so a quarter counts as due once any plan's is): one query."""
    periods = {}
    for period in ReportingPeriod.objects.filter(
        Region.subtree_q([region.pk], prefix="plan__region")
    ).order_by("-deadline"):
        periods[period.label] = period
    return sorted(periods.values(), key=lambda p: (p.year, p.quarter))


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
    indicators = list(Indicator.objects.filter(plan__in=plans).order_by("plan_id", "seq", "id"))
    year, quarter = parse_period_label(period_label)
    values = values_by_quarter({"indicator__plan__in": plans}, year, quarter)
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
            rule = rules.get(plan.pk) or WarningRule(plan=plan)
            result = assess(
                indicator,
                values.get(indicator.pk, {}),
                year,
                quarter,
                leads=leads.get(indicator.task_id, ()),
                tolerance=rule.yellow_behind_pct,
                default_target_year=plan.end_year or plan.plan_year,
            )
            cells[indicator.plan_id] = IndicatorCard.of(result, rule)
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
