"""Rollups: the stored figures of every task, action, agency and the plan itself in a
quarter (and of a region: its plans and those below), plus each task's light.

A plan and quarter is computed from a fixed handful of queries whatever its size
(tasks, assignments, reports, indicators and their values, the rule, reopenings), in
Python, and written back with delete + bulk_create in one transaction, so running it
twice gives the same rows.

Definitions:
* expected: one report per task assignment (lead or supporting) and quarter;
  missing + draft + submitted + returned + approved = expected.
* on time: submitted (any state but draft) and not flagged late; late: submitted and
  flagged late (tasks.services sets is_late against the deadline or a reopening).
* task status and completion: from the lead agencies' submitted reports; completion
  of an action, agency, plan or region is the mean of the lead reports' percentages
  that were submitted (completion_count says how many).
* indicator attainment: indicators.trajectory against the latest value reported up to
  the quarter; the mean caps each indicator at 100 % so one far ahead does not hide
  another behind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from indicators import trajectory
from indicators.assessment import IndicatorAssessment, assess_plan
from plans.models import Plan, Region
from plans.selectors import breakdown_actions
from tasks.models import ProgressReport, Task, TaskAssignment
from tasks.periods import reopened_until

from .lights import TaskFacts, rule_for_plan, task_light
from .models import Rollup, TaskLight

HUNDRED = Decimal(100)
COUNT_FIELDS = [
    "expected", "missing", "draft", "submitted", "returned", "approved", "on_time", "late", "returns",
    "not_started", "in_progress", "done", "lagging", "red", "yellow", "green",
    "indicators", "indicators_on_track", "indicators_behind", "indicators_no_data", "indicators_no_baseline",
]  # fmt: skip


@dataclass
class _Acc:
    """Running sums for one rollup subject."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS, 0))
    percent_sum: Decimal = Decimal(0)
    percent_n: int = 0
    attain_sum: Decimal = Decimal(0)
    attain_n: int = 0

    def add_percent(self, value):
        if value is not None:
            self.percent_sum += Decimal(value)
            self.percent_n += 1

    def add_indicator(self, result: trajectory.Assessment):
        c = self.counts
        c["indicators"] += 1
        if result.status in (trajectory.ON_TRACK, trajectory.ACHIEVED):
            c["indicators_on_track"] += 1
        elif result.status == trajectory.BEHIND:
            c["indicators_behind"] += 1
        elif result.status == trajectory.NO_BASELINE:
            c["indicators_no_baseline"] += 1
        else:
            c["indicators_no_data"] += 1
        if result.attainment is not None:
            self.attain_sum += min(HUNDRED, result.attainment)
            self.attain_n += 1

    def merge(self, other: _Acc):
        for name, value in other.counts.items():
            self.counts[name] += value
        self.percent_sum += other.percent_sum
        self.percent_n += other.percent_n
        self.attain_sum += other.attain_sum
        self.attain_n += other.attain_n

    def fields(self) -> dict:
        return {
            **self.counts,
            "completion": round(self.percent_sum / self.percent_n, 2) if self.percent_n else None,
            "completion_count": self.percent_n,
            "attainment": round(self.attain_sum / self.attain_n, 2) if self.attain_n else None,
        }


def plan_leads(plan) -> dict:
    """{task id: {lead agency ids}} of the plan's tasks: one query."""
    leads_by_task = defaultdict(set)
    for task_id, agency_id in TaskAssignment.objects.filter(
        task__action__plan=plan, task__archived_at__isnull=True, role=TaskAssignment.Role.LEAD
    ).values_list("task_id", "agency_id"):
        leads_by_task[task_id].add(agency_id)
    return leads_by_task


def assess_indicators(plan, period, *, tolerance=None, leads_by_task=None) -> list[IndicatorAssessment]:
    """Every indicator of the plan at the quarter, by the plan's rule (indicators.assessment)."""
    if tolerance is None:
        tolerance = rule_for_plan(plan.pk).yellow_behind_pct
    if leads_by_task is None:
        leads_by_task = plan_leads(plan)
    return assess_plan(plan, period, tolerance=tolerance, leads_by_task=leads_by_task)


def compute_plan_period(*, plan, period, today: dt.date | None = None):
    """(rollup field dicts, task lights) for the plan and quarter, without writing."""
    today = today or timezone.localdate()
    rule = rule_for_plan(plan.pk)
    tasks = list(Task.objects.of_plan(plan).active().values("id", "action_id", "title", "deadline"))
    action_ids = list(breakdown_actions(plan).values_list("id", flat=True))
    assignments = defaultdict(list)
    leads_by_task = defaultdict(set)
    for row in (
        TaskAssignment.objects.filter(task__action__plan=plan, task__archived_at__isnull=True)
        .order_by("task_id", "role", "seq", "id")
        .values_list("task_id", "agency_id", "agency__name", "role")
    ):
        assignments[row[0]].append(row[1:])
        if row[3] == TaskAssignment.Role.LEAD:
            leads_by_task[row[0]].add(row[1])
    reports = defaultdict(dict)
    for row in ProgressReport.objects.filter(period=period, task__action__plan=plan).values(
        "task_id", "agency_id", "state", "status", "percent", "is_late", "return_count"
    ):
        reports[row["task_id"]][row["agency_id"]] = row
    reopened = reopened_until(period)
    indicator_results = assess_indicators(
        plan, period, tolerance=rule.yellow_behind_pct, leads_by_task=leads_by_task
    )
    by_task = defaultdict(list)
    plan_goals = []
    for item in indicator_results:
        if item.indicator.task_id:
            by_task[item.indicator.task_id].append(item)
        else:
            plan_goals.append(item)

    task_accs, action_accs = {}, {a: _Acc() for a in action_ids}
    agency_accs = defaultdict(_Acc)
    lights = []
    for task in tasks:
        task_id = task["id"]
        acc = _Acc()
        task_reports = reports.get(task_id, {})
        facts = TaskFacts(
            title=task["title"],
            deadline=task["deadline"],
            assignments=assignments.get(task_id, []),
            reports=task_reports,
            indicators=[(i.indicator.name, i.indicator.unit, i.assessment) for i in by_task.get(task_id, [])],
        )
        level, reasons = task_light(facts, rule=rule, period=period, today=today, reopened=reopened)
        lights.append(TaskLight(task_id=task_id, period=period, level=level, reason_codes=reasons))
        lead_status = None
        lead_agencies = []
        for agency_id, _name, role in facts.assignments:
            own = _Acc()
            own.counts["expected"] = 1
            report = task_reports.get(agency_id)
            if report is None:
                own.counts["missing"] = 1
            else:
                own.counts[report["state"]] += 1
                own.counts["returns"] += report["return_count"]
                if report["state"] != "draft":
                    own.counts["late" if report["is_late"] else "on_time"] += 1
                    if role == TaskAssignment.Role.LEAD:
                        own.add_percent(report["percent"])
                        if lead_status is None and report["status"]:
                            lead_status = report["status"]
            acc.merge(own)
            if role == TaskAssignment.Role.LEAD:
                lead_agencies.append(agency_id)
            agency_accs[agency_id].merge(own)
        if lead_status:
            acc.counts[lead_status] += 1
        acc.counts[level] += 1
        for item in by_task.get(task_id, []):
            acc.add_indicator(item.assessment)
        # An agency answers for the lights, statuses and indicators of the tasks it leads.
        for agency_id in dict.fromkeys(lead_agencies):
            agency_acc = agency_accs[agency_id]
            agency_acc.counts[level] += 1
            if lead_status:
                agency_acc.counts[lead_status] += 1
            for item in by_task.get(task_id, []):
                agency_acc.add_indicator(item.assessment)
        task_accs[task_id] = acc
        action_accs.setdefault(task["action_id"], _Acc()).merge(acc)

    plan_acc = _Acc()
    for acc in action_accs.values():
        plan_acc.merge(acc)
    for item in plan_goals:
        plan_acc.add_indicator(item.assessment)

    base = {"plan_id": plan.pk, "period_id": period.pk, "period_label": period.label}
    rows = [{**base, "scope": Rollup.Scope.PLAN, **plan_acc.fields()}]
    rows += [
        {**base, "scope": Rollup.Scope.ACTION, "action_id": a, **acc.fields()}
        for a, acc in action_accs.items()
    ]
    rows += [
        {**base, "scope": Rollup.Scope.TASK, "task_id": t, **acc.fields()} for t, acc in task_accs.items()
    ]
    rows += [
        {**base, "scope": Rollup.Scope.AGENCY, "agency_id": a, **acc.fields()}
        for a, acc in agency_accs.items()
    ]
    return rows, lights


def rollup_plan_period(*, plan, period, today: dt.date | None = None) -> Rollup:
    """Compute and store the plan's rollups and task lights for the quarter; returns
    the plan-level row. Also refreshes the rollups of the regions above the plan."""
    rows, lights = compute_plan_period(plan=plan, period=period, today=today)
    with transaction.atomic():
        Rollup.objects.filter(plan=plan, period=period).exclude(scope=Rollup.Scope.REGION).delete()
        TaskLight.objects.filter(period=period, task__action__plan=plan).delete()
        created = Rollup.objects.bulk_create([Rollup(**row) for row in rows])
        TaskLight.objects.bulk_create(lights)
        region = Region.objects.filter(pk=plan.region_id).first()
        while region is not None:
            rollup_region_period(region=region, period_label=period.label)
            region = Region.objects.filter(pk=region.parent_id).first() if region.parent_id else None
    return created[0]


def rollup_region_period(*, region, period_label: str) -> Rollup:
    """The region's figures for the quarter: the sum of the stored plan rollups of its
    plans and of the plans of the regions below it."""
    plan_rows = list(
        Rollup.objects.filter(scope=Rollup.Scope.PLAN, period_label=period_label).filter(
            plan__in=Plan.objects.filter(Region.subtree_q([region.pk])).values("pk")
        )
    )
    acc = _Acc()
    for row in plan_rows:
        for name in COUNT_FIELDS:
            acc.counts[name] += getattr(row, name)
        if row.completion is not None:
            acc.percent_sum += row.completion * row.completion_count
            acc.percent_n += row.completion_count
        if row.attainment is not None:
            assessed = row.indicators_on_track + row.indicators_behind
            weight = assessed or 1
            acc.attain_sum += row.attainment * weight
            acc.attain_n += weight
    fields = acc.fields()
    with transaction.atomic():
        Rollup.objects.filter(scope=Rollup.Scope.REGION, region=region, period_label=period_label).delete()
        return Rollup.objects.create(
            scope=Rollup.Scope.REGION, region=region, period_label=period_label, **fields
        )


def recompute_all(*, today: dt.date | None = None) -> int:
    """Every plan and quarter whose reporting has opened; returns how many were computed."""
    from tasks.models import ReportingPeriod

    today = today or timezone.localdate()
    count = 0
    for period in ReportingPeriod.objects.filter(opens_on__lte=today).select_related("plan", "plan__region"):
        rollup_plan_period(plan=period.plan, period=period, today=today)
        count += 1
    return count


def agency_names(ids) -> dict:
    return dict(Agency.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
