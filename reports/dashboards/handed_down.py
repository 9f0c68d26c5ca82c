"""An upper task and the lower tasks answering it (上级任务下达), at one quarter: each lower
task's region, light, latest handed-in progress and its split indicators against their
targets, from the stored figures of the lower plans' quarter of the same label; and the
plans below that answer it with nothing yet: those handed it and not yet answering
(待落实, a HandDown row) apart from those the upper office has not handed it to."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import HandDown, ProgressReport, Task, TaskAssignment

from ..models import IndicatorRollup, Rollup, TaskLight

LOWER_TASK_RELATED = ("action__plan__region__parent__parent",)


@dataclass
class LowerTask:
    task: Task
    light: TaskLight | None = None
    rollup: Rollup | None = None
    latest: ProgressReport | None = None  # the lead's latest handed-in report
    splits: list = field(default_factory=list)  # [(lower indicator, IndicatorRollup | None)]
    may_open: bool = False  # the viewer may open the lower task's page (set by the view)

    @property
    def plan(self):
        return self.task.action.plan

    @property
    def region(self):
        return self.task.action.plan.region


@dataclass
class HandedDownBoard:
    task: Task
    label: str
    rows: list  # [LowerTask], active first, by region
    unlinked: list  # [Plan] below the task's region answering it with nothing yet
    waiting: list = field(default_factory=list)  # [HandDown] of those plans: handed it, not answering

    @property
    def not_handed(self) -> list:
        """The plans below answering nothing that the upper office has not handed it to."""
        handed = {hd.plan_id for hd in self.waiting}
        return [plan for plan in self.unlinked if plan.pk not in handed]

    @property
    def linked_count(self) -> int:
        return sum(1 for row in self.rows if row.task.archived_at is None)


def handed_down_board(task, label: str, *, region=None) -> HandedDownBoard:
    """One query while nothing answers the task (three above a county), eight whatever the number of lower
    tasks, quarters or indicators. `region`: the task's plan's, if the caller has it."""
    children = list(
        Task.objects.filter(parent=task)
        .select_related(*LOWER_TASK_RELATED)
        .order_by("archived_at", "action__plan__region__name", "action__plan__title", "pk")
    )
    ids = [c.pk for c in children]
    region = region or task.action.plan.region
    answered = {c.action.plan_id for c in children if c.archived_at is None}
    unlinked = []
    if region.level != Region.Level.COUNTY:  # the lowest level: no plan lies below it
        unlinked = [
            plan
            for plan in Plan.objects.filter(Region.subtree_q([region.pk]))
            .exclude(region=region)
            .select_related("region")
            .order_by("region__name", "title", "pk")
            if plan.pk not in answered
        ]
    waiting = []
    if unlinked:
        unanswered = {p.pk: p for p in unlinked}
        for hand_down in HandDown.objects.filter(task=task, plan__in=list(unanswered)).order_by(
            "handed_at", "pk"
        ):
            hand_down.plan = unanswered[hand_down.plan_id]
            waiting.append(hand_down)
    rows = {c.pk: LowerTask(task=c) for c in children}
    if ids:
        for light in TaskLight.objects.filter(task__in=ids, period__label=label):
            rows[light.task_id].light = light
        for rollup in Rollup.objects.filter(scope=Rollup.Scope.TASK, task__in=ids, period_label=label):
            rows[rollup.task_id].rollup = rollup
        latest = (
            ProgressReport.objects.filter(task__in=ids, period__label__lte=label)
            .exclude(state=ProgressReport.State.DRAFT)
            .with_role()
            .filter(role=TaskAssignment.Role.LEAD)
            .select_related("period", "agency")
            .order_by("task_id", "-period__year", "-period__quarter", "-pk")
        )
        for report in latest:
            if rows[report.task_id].latest is None:
                rows[report.task_id].latest = report
        splits = list(
            Indicator.objects.filter(Q(task__in=ids) & Q(parent__isnull=False))
            .select_related("parent")
            .order_by("task_id", "seq", "pk")
        )
        stored = {
            r.indicator_id: r
            for r in IndicatorRollup.objects.filter(indicator__in=[i.pk for i in splits], period_label=label)
        }
        for indicator in splits:
            rows[indicator.task_id].splits.append((indicator, stored.get(indicator.pk)))
    return HandedDownBoard(
        task=task, label=label, rows=list(rows.values()), unlinked=unlinked, waiting=waiting
    )


@dataclass
class HandedDownTask:
    """A task of one of the region's own plans handed down, with the lower tasks answering
    it (each with its light at the quarter) and the plans below answering it with nothing."""

    task: Task
    lower: list  # [(Task, level or "")]
    unlinked: list  # [Plan]
    waiting: list = field(default_factory=list)  # [Plan] of unlinked handed the task (待落实)

    def count(self, level: str) -> int:
        return sum(1 for _task, light in self.lower if light == level)

    @property
    def red(self) -> int:
        return self.count(TaskLight.Level.RED)

    @property
    def yellow(self) -> int:
        return self.count(TaskLight.Level.YELLOW)

    @property
    def green(self) -> int:
        return self.count(TaskLight.Level.GREEN)

    @property
    def not_handed(self) -> list:
        """The plans below answering nothing that the upper office has not handed it to."""
        waiting = {plan.pk for plan in self.waiting}
        return [plan for plan in self.unlinked if plan.pk not in waiting]


def region_handed_down(region, label: str) -> list[HandedDownTask]:
    """The handed-down tasks of the region's own plans at the quarter (answered below or
    handed to a plan below): five queries whatever the number of tasks or plans below."""
    uppers = list(
        Task.objects.filter(action__plan__region=region)
        .filter(Q(children__isnull=False) | Q(hand_downs__isnull=False))
        .active()
        .distinct()
        .select_related("action__plan")
        .order_by("action__plan__title", "action__plan_id", "action__seq", "seq")
    )
    if not uppers:
        return []
    children = list(
        Task.objects.filter(parent__in=[u.pk for u in uppers])
        .active()
        .select_related("action__plan__region")
        .order_by("action__plan__region__name", "pk")
    )
    levels = dict(
        TaskLight.objects.filter(task__in=[c.pk for c in children], period__label=label).values_list(
            "task_id", "level"
        )
    )
    below = list(
        Plan.objects.filter(Region.subtree_q([region.pk]))
        .exclude(region=region)
        .select_related("region")
        .order_by("region__name", "title", "pk")
    )
    handed = {}
    for task_id, plan_id in HandDown.objects.filter(task__in=[u.pk for u in uppers]).values_list(
        "task_id", "plan_id"
    ):
        handed.setdefault(task_id, set()).add(plan_id)
    by_parent = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append((child, levels.get(child.pk, "")))
    rows = []
    for upper in uppers:
        lower = by_parent.get(upper.pk, [])
        answered = {child.action.plan_id for child, _level in lower}
        unlinked = [p for p in below if p.pk not in answered]
        rows.append(
            HandedDownTask(
                task=upper,
                lower=lower,
                unlinked=unlinked,
                waiting=[p for p in unlinked if p.pk in handed.get(upper.pk, ())],
            )
        )
    return rows
