"""Rollups: the stored figures of every task, action, agency and the plan itself in a
quarter (and of a region: its plans and those below), plus each task's light.

A plan and quarter is computed from a fixed handful of queries whatever its size
(tasks, assignments, reports, indicators and their values, the rule, reopenings), in
Python, and written back with delete + bulk_create in one transaction, so running it
twice gives the same rows.

What to compute comes from the stale marks (reports.marks): every model read here is a
figure source (tasks.figure_sources) whose writes mark their plan × quarters, and a
computation takes the marks it covers before it reads and deletes them with its write.

Definitions:
* expected: one report per task assignment (lead or supporting) and quarter;
  missing + draft + submitted + returned + approved = expected.
* on time: submitted (any state but draft) and not flagged late; late: submitted and
  flagged late (tasks.services sets is_late against the deadline or a reopening).
* missing_lead: the missing of lead agencies (missing − missing_lead are supporters');
  to_review: submitted reports awaiting the office, only the leads' where the plan's
  lead agencies consolidate their supporters' inputs.
* task status and completion: from the lead agencies' submitted reports; completion
  of an action, agency, plan or region is the mean of the lead reports' percentages
  that were submitted (completion_count says how many).
* indicator attainment: each indicator's 完成率 (indicators.trajectory) from the latest
  value reported up to the quarter; the mean caps each indicator at 100 % so one far
  ahead does not hide another behind. On track: achieved, on track, or a descriptive
  target done or not yet due; behind: behind 序时进度 or missed at its year.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from operator import itemgetter

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from indicators import trajectory
from indicators.assessment import (
    BEHIND_STATUSES,
    ON_TRACK_STATUSES,
    IndicatorAssessment,
    assess,
    series_source,
    values_by_quarter,
)
from indicators.models import Indicator
from plans.models import Region
from plans.selectors import breakdown_actions
from tasks.consolidation import ReviewPolicy
from tasks.models import PeriodReopening, ProgressReport, Task, TaskAssignment

from . import marks, project_rollups, region_marks, region_tallies
from .bulk_rows import insert_rows
from .fewer_collections import fewer_collections
from .followed import followed_progress, read_followed
from .lights import TaskFacts, rule_for_plan, task_light
from .models import IndicatorRollup, RegionMark, Rollup, TaskLight

HUNDRED = Decimal(100)
COUNT_FIELDS = [
    "expected", "missing", "draft", "submitted", "returned", "approved", "on_time", "late", "returns",
    "missing_lead", "to_review",
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
        if result.status in ON_TRACK_STATUSES:
            c["indicators_on_track"] += 1
        elif result.status in BEHIND_STATUSES:
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


@dataclass
class PlanData:
    """What a plan's rollups read, once for every quarter computed together: the rule,
    the tasks and their agencies, the reports and reopenings of each quarter, the
    indicators and their values up to the last quarter. Eight queries whatever the
    number of quarters."""

    rule: object
    tasks: list
    action_ids: list
    assignments: dict  # {task id: [(agency id, name, role)]}, leads first
    leads_by_task: dict  # {task id: {lead agency ids}}
    reports: dict  # {period id: {task id: {agency id: row}}}
    reopened: dict  # {period id: {agency id: until}}
    indicators: list
    values: dict  # {indicator id: {(year, quarter): [value rows]}}
    # Tasks whose progress follows the lower tasks answering them (上级任务下达):
    # {task id: (source, {child task id: [(year, quarter, status, percent)], newest first})}
    followed: dict = field(default_factory=dict)
    # {indicator id: series_source(...)} over every quarter read, filled as assessed.
    series: dict = field(default_factory=dict)


def read_plan(plan, periods) -> PlanData:
    """One read of everything the plan's rollups of `periods` depend on."""
    periods = list(periods)
    period_ids = [p.pk for p in periods]
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
    reports = defaultdict(lambda: defaultdict(dict))
    for row in ProgressReport.objects.filter(period__in=period_ids, task__action__plan=plan).values(
        "period_id", "task_id", "agency_id", "state", "status", "percent", "is_late", "return_count"
    ):
        reports[row["period_id"]][row["task_id"]][row["agency_id"]] = row
    reopened = defaultdict(dict)
    for period_id, agency_id, until in PeriodReopening.objects.filter(period__in=period_ids).values_list(
        "period_id", "agency_id", "until"
    ):
        reopened[period_id][agency_id] = until
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .exclude(task__archived_at__isnull=False)
        .order_by("task__action__seq", "task__seq", "seq", "id")
    )
    last = max(periods, key=lambda p: (p.year, p.quarter))
    values = values_by_quarter({"indicator__plan": plan}, last.year, last.quarter) if indicators else {}
    tasks = list(
        Task.objects.of_plan(plan).active().values("id", "action_id", "title", "deadline", "progress_source")
    )
    return PlanData(
        rule=rule_for_plan(plan.pk),
        tasks=tasks,
        action_ids=list(breakdown_actions(plan).values_list("id", flat=True)),
        assignments=assignments,
        leads_by_task=leads_by_task,
        reports=reports,
        reopened=reopened,
        indicators=indicators,
        values=values,
        followed=read_followed(tasks),
    )


def assess_from(data: PlanData, plan, period) -> list[IndicatorAssessment]:
    """Every indicator of the plan at the quarter from the values already read
    (indicators.assessment.assess on those reported up to the quarter). Each
    indicator's series is picked once for all the quarters computed together; a quarter
    takes the part of it up to its end."""
    upto = (period.year, period.quarter)
    default_year = plan.end_year or plan.plan_year
    out = []
    for indicator in data.indicators:
        series = data.series.get(indicator.pk)
        if series is None:
            series = data.series[indicator.pk] = series_source(
                indicator,
                data.values.get(indicator.pk, {}),
                leads=data.leads_by_task.get(indicator.task_id, ()),
                default_target_year=default_year,
            )
        spec, values, first = series
        values = values[: bisect_right(values, upto, key=itemgetter(0))]
        out.append(
            assess(
                indicator,
                None,
                period.year,
                period.quarter,
                tolerance=data.rule.yellow_behind_pct,
                default_target_year=default_year,
                source=(spec, values, first if values else None),
            )
        )
    return out


def compute_plan_period(*, plan, period, today: dt.date | None = None, data: PlanData | None = None):
    """(rollup field dicts, task lights, indicator assessments) for the plan and quarter,
    without writing; `data` is read_plan's read when several quarters share it."""
    today = today or timezone.localdate()
    data = data or read_plan(plan, [period])
    rule, tasks, action_ids = data.rule, data.tasks, data.action_ids
    assignments = data.assignments
    reports = data.reports.get(period.pk, {})
    reopened = data.reopened.get(period.pk, {})
    indicator_results = assess_from(data, plan, period)
    by_task = defaultdict(list)
    plan_goals = []
    for item in indicator_results:
        if item.indicator.task_id:
            by_task[item.indicator.task_id].append(item)
        else:
            plan_goals.append(item)

    # Where leads consolidate, the office reviews only the lead reports.
    policy = ReviewPolicy.of(plan)
    task_accs, action_accs = {}, {a: _Acc() for a in action_ids}
    agency_accs = defaultdict(_Acc)
    lights = []
    lead_role = TaskAssignment.Role.LEAD
    for task in tasks:
        task_id = task["id"]
        acc = _Acc()
        counts = acc.counts
        task_reports = reports.get(task_id, {})
        task_indicators = by_task.get(task_id, ())
        facts = TaskFacts(
            title=task["title"],
            deadline=task["deadline"],
            assignments=assignments.get(task_id, []),
            reports=task_reports,
            indicators=[(i.indicator.name, i.indicator.unit, i.assessment) for i in task_indicators],
        )
        level, reasons = task_light(facts, rule=rule, period=period, today=today, reopened=reopened)
        lights.append({"task_id": task_id, "period_id": period.pk, "level": level, "reason_codes": reasons})
        lead_status = None
        lead_agencies = []
        # Each assignment counts once for the task and once for its agency.
        for agency_id, _name, role in facts.assignments:
            agency_acc = agency_accs[agency_id]
            agency_counts = agency_acc.counts
            report = task_reports.get(agency_id)
            key = "missing" if report is None else report["state"]
            is_lead = role == lead_role
            counts["expected"] += 1
            agency_counts["expected"] += 1
            counts[key] += 1
            agency_counts[key] += 1
            if key in ("missing", "draft"):
                if is_lead:
                    counts["missing_lead"] += 1
                    agency_counts["missing_lead"] += 1
            elif key == "submitted" and policy.office_reviews(role=role):
                counts["to_review"] += 1
                agency_counts["to_review"] += 1
            if report is not None:
                returns = report["return_count"]
                counts["returns"] += returns
                agency_counts["returns"] += returns
                if key != "draft":
                    timing = "late" if report["is_late"] else "on_time"
                    counts[timing] += 1
                    agency_counts[timing] += 1
                    if is_lead:
                        acc.add_percent(report["percent"])
                        agency_acc.add_percent(report["percent"])
                        if lead_status is None and report["status"]:
                            lead_status = report["status"]
            if role == lead_role:
                lead_agencies.append(agency_id)
        if task_id in data.followed:
            # The upper office chose to read this task's progress from the lower tasks.
            source, children = data.followed[task_id]
            completion, status = followed_progress(source, children, period)
            if completion is not None:
                acc.percent_sum, acc.percent_n = completion, 1
                lead_status = status
        if lead_status:
            counts[lead_status] += 1
        counts[level] += 1
        for item in task_indicators:
            acc.add_indicator(item.assessment)
        # An agency answers for the lights, statuses and indicators of the tasks it leads.
        for agency_id in dict.fromkeys(lead_agencies):
            agency_acc = agency_accs[agency_id]
            agency_acc.counts[level] += 1
            if lead_status:
                agency_acc.counts[lead_status] += 1
            for item in task_indicators:
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
    return rows, lights, indicator_results


def _indicator_rows(plan, period, results) -> list[dict]:
    fields = IndicatorRollup.ASSESSMENT_FIELDS
    return [
        {
            "indicator_id": item.indicator.pk,
            "plan_id": plan.pk,
            "period_id": period.pk,
            "period_label": period.label,
            "value_period": item.value_period,
            "baseline_period": item.baseline_period,
            **{name: getattr(item.assessment, name) for name in fields},
        }
        for item in results
    ]


@fewer_collections
def store_plan_periods(
    *, plan, periods, today: dt.date | None = None, claim=None, covers=None, then=None
) -> dict:
    """Compute and store the plan's rollups, task lights and indicator assessments for
    every quarter of `periods` from one read of the plan (read_plan), in one
    transaction; returns {period id: plan-level row}. The regions above are left to
    the caller (rollup_regions), who may pass `then` to run inside the same write
    transaction (the plan is read and computed before it, never holding the database).

    Stale marks (reports.marks): the ones these quarters cover (or `covers`, when some
    are left out on purpose) are claimed before the read and deleted with the write. A
    caller passing its own `claim` token deletes them itself, once it has written the
    regions; claim=False: the caller read and settles the marks itself."""
    periods = list(periods)
    if not periods:
        return {}
    token = claim or marks.new_claim()
    if claim is not False:
        marks.claim_marks(token, plan, covers or periods)
    data = read_plan(plan, periods)
    rollups, lights, indicator_rows = [], [], []
    for period in periods:
        rows, period_lights, results = compute_plan_period(plan=plan, period=period, today=today, data=data)
        rollups += rows
        lights += period_lights
        indicator_rows += _indicator_rows(plan, period, results)
    projects = project_rollups.plan_rows(plan, periods, today=today)
    with transaction.atomic():
        Rollup.objects.filter(plan=plan, period__in=periods).exclude(scope=Rollup.Scope.REGION).delete()
        TaskLight.objects.filter(period__in=periods).delete()
        IndicatorRollup.objects.filter(period__in=periods).delete()
        for model, rows in ((Rollup, rollups), (TaskLight, lights), (IndicatorRollup, indicator_rows)):
            insert_rows(model, rows)
        project_rollups.replace_plan_rows(plan, periods, projects)
        if then is not None:
            then()
        if claim is None:
            marks.release_marks(token)
        plan_rows = Rollup.objects.filter(plan=plan, period__in=periods, scope=Rollup.Scope.PLAN)
    return {row.period_id: row for row in plan_rows}


def region_pairs(plan, labels) -> set:
    """{(region id, period label)} whose region rollups a change to the plan's quarters
    `labels` moves: the plan's region and those above it, two queries at most."""
    ids = []
    region_id = plan.region_id
    while region_id is not None:
        ids.append(region_id)
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return {(r, label) for r in ids for label in labels}


def rollup_plan_period(*, plan, period, today: dt.date | None = None) -> Rollup:
    """Compute and store the plan's rollups and task lights for the quarter; returns
    the plan-level row. Also refreshes the rollups of the regions above the plan, in
    the same write transaction."""
    token = marks.new_claim()
    pairs = region_pairs(plan, [period.label])
    return store_plan_periods(
        plan=plan,
        periods=[period],
        today=today,
        claim=token,
        then=lambda: rollup_regions(pairs, release=token),
    )[period.pk]


def _add_plan_row(acc: _Acc, row: dict):
    for name in COUNT_FIELDS:
        acc.counts[name] += row[name]
    if row["completion"] is not None:
        acc.percent_sum += row["completion"] * row["completion_count"]
        acc.percent_n += row["completion_count"]
    if row["attainment"] is not None:
        assessed = row["indicators_on_track"] + row["indicators_behind"]
        weight = assessed or 1
        acc.attain_sum += row["attainment"] * weight
        acc.attain_n += weight


@fewer_collections
def rollup_regions(pairs, *, release=None, region_mark_ids=()) -> dict:
    """Each region's figures for each quarter of `pairs` ({(region id, period label)}):
    the sum of the stored plan rollups of its plans and of the plans of the regions
    below it. Each pair once, from one read of the plan rows of those quarters however
    many plans changed below; returns {(region id, label): Rollup}. The stale marks the
    plans' computation took (`release`: its claim, or the marks' ids) and the region
    marks read (`region_mark_ids`) are deleted with the region rows."""
    pairs = set(pairs)
    if not pairs:
        if release:
            marks.release_marks(release)
        return {}
    labels = {label for _r, label in pairs}
    parent = dict(Region.objects.values_list("pk", "parent_id"))
    accs = {pair: _Acc() for pair in pairs}
    plan_rows = Rollup.objects.filter(scope=Rollup.Scope.PLAN, period_label__in=labels).values(
        "plan__region_id", "period_label", "completion", "completion_count", "attainment", *COUNT_FIELDS
    )
    for row in plan_rows:
        region_id = row["plan__region_id"]
        while region_id is not None:
            acc = accs.get((region_id, row["period_label"]))
            if acc is not None:
                _add_plan_row(acc, row)
            region_id = parent.get(region_id)
    by_label = defaultdict(list)
    for region_id, label in pairs:
        by_label[label].append(region_id)
    with transaction.atomic():
        for label, region_ids in by_label.items():
            Rollup.objects.filter(
                scope=Rollup.Scope.REGION, region__in=region_ids, period_label=label
            ).delete()
        created = Rollup.objects.bulk_create(
            [
                Rollup(scope=Rollup.Scope.REGION, region_id=r, period_label=label, **acc.fields())
                for (r, label), acc in sorted(accs.items())
            ]
        )
        project_rollups.store_regions(pairs, parent)
        region_tallies.store_regions(pairs, parent)
        if region_mark_ids:
            RegionMark.objects.filter(pk__in=list(region_mark_ids)).delete()
        if release:
            marks.release_marks(release)
    return {(row.region_id, row.period_label): row for row in created}


def rollup_region_period(*, region, period_label: str) -> Rollup:
    """The region's figures for the quarter (rollup_regions for one pair)."""
    return rollup_regions({(region.pk, period_label)})[(region.pk, period_label)]


def recompute_periods(periods, *, today: dt.date | None = None) -> int:
    """Bulk mode: each plan's quarters among `periods` from one read of the plan, then
    each region and quarter above them once; returns how many quarters were computed."""
    by_plan = defaultdict(list)
    plans = {}
    for period in periods:
        by_plan[period.plan_id].append(period)
        plans[period.plan_id] = period.plan
    pairs = set()
    # The marks go with the region pass: a failure before it leaves them for a retry.
    token = marks.new_claim()
    for plan_id, plan_periods in by_plan.items():
        store_plan_periods(plan=plans[plan_id], periods=plan_periods, today=today, claim=token)
        pairs |= region_pairs(plans[plan_id], {p.label for p in plan_periods})
    rollup_regions(pairs, release=token)
    return sum(len(p) for p in by_plan.values())


def recompute_marked(*, plan_ids=None, today: dt.date | None = None) -> list:
    """Work through the stale marks (of these plans): every quarter they cover that has
    started or has stored figures, each plan from one read, and each region and quarter
    above them; returns [[plan id, period id]] computed, in order. A quarter not yet
    started and never computed is left for when it starts (its marks go). Without
    `plan_ids`, also the regions a plan has left (reports.region_marks). The marks read
    here are deleted with the last write, so a failure leaves them for a retry. Two
    queries when nothing is marked; one write transaction for one plan."""
    today = today or timezone.localdate()
    work, mark_ids = marks.marked_work(plan_ids)
    pairs, region_mark_ids = region_marks.marked_regions() if plan_ids is None else (set(), [])
    if not mark_ids and not region_mark_ids:
        return []
    stored = set(
        Rollup.objects.filter(
            scope=Rollup.Scope.PLAN, period__in=[p.pk for periods in work.values() for p in periods]
        ).values_list("period_id", flat=True)
    )
    due = {}
    for plan_id, periods in work.items():
        chosen = [p for p in periods if p.starts_on <= today or p.pk in stored]
        if chosen:
            due[plan_id] = chosen
    for periods in due.values():
        pairs |= region_pairs(periods[0].plan, {p.label for p in periods})
    last = list(due)[-1] if due else None
    regions = partial(rollup_regions, pairs, release=mark_ids, region_mark_ids=region_mark_ids)
    for plan_id, periods in due.items():
        then = regions if plan_id == last else None
        store_plan_periods(plan=periods[0].plan, periods=periods, today=today, claim=False, then=then)
    if last is None:
        if pairs:
            regions()
        else:
            marks.release_marks(mark_ids)
    return [[p.plan_id, p.pk] for periods in due.values() for p in periods]


def opened_periods(today: dt.date):
    from tasks.models import ReportingPeriod

    return ReportingPeriod.objects.filter(opens_on__lte=today).select_related("plan", "plan__region")


def recompute_all(*, today: dt.date | None = None, changed_only: bool = False) -> int:
    """Every plan and quarter whose reporting has opened (only those that can still
    change with `changed_only`), in bulk mode; returns how many were computed."""
    today = today or timezone.localdate()
    periods = changed_periods(today) if changed_only else list(opened_periods(today))
    return recompute_periods(periods, today=today)


def changed_periods(today: dt.date, *, by_date: bool = True) -> list:
    """The opened quarters whose stored figures may differ from a computation now: a
    stale mark covers them (reports.marks: a change to what they read was committed
    after they were computed); or, by_date, never computed, or computed on a day when
    the date still mattered (before the deadline, the quarter's end or a reopening's end
    had passed) and not yet today. Two queries."""
    from django.db.models import Subquery

    computed_at = Rollup.objects.filter(
        scope=Rollup.Scope.PLAN, plan_id=OuterRef("plan_id"), period_id=OuterRef("pk")
    ).values("computed_at")[:1]
    last_reopening = (
        PeriodReopening.objects.filter(period_id=OuterRef("pk")).order_by("-until").values("until")[:1]
    )
    periods = list(
        opened_periods(today)
        .annotate(computed_at=Subquery(computed_at), reopened_until=Subquery(last_reopening))
        .order_by("plan_id", "year", "quarter")
    )
    marked = marks.marked_periods(periods)
    chosen = []
    for period in periods:
        if period.pk in marked:
            chosen.append(period)
        elif by_date and period.computed_at is None:
            chosen.append(period)
        elif by_date:
            computed_on = timezone.localdate(period.computed_at)
            settles = max(period.deadline, period.ends_on, period.reopened_until or period.deadline)
            if computed_on < today and computed_on <= settles:
                chosen.append(period)
    return chosen
