"""The office dashboard of a plan and quarter: overall figures, actions, agencies,
the filtered task list with lights and statuses, and the indicator cards."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.models import Plan
from plans.selectors import breakdown_actions
from tasks.models import ReportingPeriod, Task, TaskAssignment
from tasks.periods import previous_label

from ..models import Rollup, TaskLight
from .browser_charts import action_points, chart_labels, light_totals, number_or_none
from .indicator_cards import indicator_cards

STATUS_CHOICES = [
    ("not_started", gettext_lazy("未启动")),
    ("in_progress", gettext_lazy("推进中")),
    ("done", gettext_lazy("已完成")),
    ("lagging", gettext_lazy("滞后")),
    ("unreported", gettext_lazy("未报送")),
]
LEVEL_CHOICES = TaskLight.Level.choices


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

    @cached_property
    def reasons(self):
        # Read up to four times per row by the task table.
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
    # new=1: only the tasks newly red this quarter (red now, not red in the quarter
    # before), as the office's home counts them.
    new: bool = False
    newly_red: frozenset = frozenset()

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
        new = (query.get("new") or "").strip() == "1"
        return cls(
            action=as_id("action"), agency=as_id("agency"), status=status, level=level, new=new
        ), errors

    @property
    def active(self):
        return bool(self.action or self.agency or self.status or self.level or self.new)

    def keep(self, row: TaskRow) -> bool:
        if self.action and row.task.action_id != self.action:
            return False
        if self.agency and not any(a.agency_id == self.agency for a in row.leads + row.supports):
            return False
        if self.status and row.status != self.status:
            return False
        if self.level and row.level != self.level:
            return False
        if self.new and row.task.pk not in self.newly_red:
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
            "actions": action_points(self.actions, with_lights=True),
            "lights": light_totals(self.overall),
            "indicators": [
                {
                    "id": card.indicator.pk,
                    "periods": [point["period"] for point in card.series],
                    "values": [number_or_none(point["value"]) for point in card.series],
                    "expected": [number_or_none(point["expected"]) for point in card.series],
                }
                for card in self.indicators
            ],
        }


def plan_dashboard(plan, period, filters: Filters | None = None, *, series: bool = True) -> PlanDashboard:
    """Everything the office dashboard shows, in a fixed number of queries whatever the
    plan's size: rollups (1), actions (1), tasks with their agencies (2), lights (1), the
    stored indicator assessments with their rule (2) and, for the cards' sparklines
    (`series`), the values of every quarter so far (1)."""
    filters = filters or Filters()
    if filters.new:
        filters.newly_red = newly_red_task_ids(period)
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
                # Rows are only read for the agency's name: not its aliases (JSON) and the rest.
                queryset=TaskAssignment.objects.select_related("agency")
                .only("task", "agency", "role", "seq", "agency__name")
                .order_by("role", "seq"),
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
                leads=[a for a in assignments if a.role == TaskAssignment.Role.LEAD],
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
        indicators=indicator_cards(plan, period, leads_by_task=leads_by_task, series=series),
    )
    dashboard.all_tasks = rows
    return dashboard


def newly_red_task_ids(period) -> frozenset:
    """The plan's tasks red in `period`'s stored lights and not red in the quarter before
    (reports.office_queue counts them the same way): one query."""
    red = TaskLight.Level.RED
    before = TaskLight.objects.filter(
        period__plan_id=period.plan_id, period__label=previous_label(period.label), level=red
    ).values("task")
    return frozenset(
        TaskLight.objects.filter(period=period, level=red)
        .exclude(task__in=before)
        .values_list("task_id", flat=True)
    )
