"""What a plan's scores for a year are computed from, read once: the quarters due, the
tasks and their agencies, the reports of those quarters as stored (state, late flag,
returns, percent), the reopenings, the inputs each lead report gathered, the indicators
as the stored rollup assessed them at the last quarter due, and the items entered by
hand. Nine queries whatever the plan's size."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from indicators.models import Indicator
from tasks.consolidation import ReviewPolicy
from tasks.models import PeriodReopening, ProgressReport, ReportingPeriod, TaskAssignment

from ..models import IndicatorRollup
from .scoring import AdjustmentFact, Facts, IndicatorFact, QuarterFact, ReportFact, TaskFact


def counted_quarters(plan, year: int, as_of: dt.date) -> list:
    """The plan's quarters of the year whose deadline has passed on `as_of`, in order."""
    return list(ReportingPeriod.objects.filter(plan=plan, year=year, deadline__lt=as_of).order_by("quarter"))


def plan_span(plan, year: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the plan's time: a task without a deadline runs to the end."""
    first = plan.start_year or plan.plan_year or year
    last = plan.end_year or plan.plan_year or max(first, year)
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def _local_day(moment):
    return timezone.localdate(moment) if moment else None


def read_facts(*, plan, year: int, as_of: dt.date, adjustments=(), quarters=None) -> Facts:
    quarters = counted_quarters(plan, year, as_of) if quarters is None else list(quarters)
    ids = [q.pk for q in quarters]
    tasks, assignments, agencies = {}, [], {}
    for row in (
        TaskAssignment.objects.filter(task__action__plan=plan, task__archived_at__isnull=True)
        .order_by("task__action__seq", "task__seq", "role", "seq", "id")
        .values_list(
            "task_id",
            "agency_id",
            "role",
            "agency__name",
            "task__action__seq",
            "task__seq",
            "task__title",
            "task__deadline",
        )
    ):
        task_id, agency_id, role, name, action_seq, seq, title, deadline = row
        tasks.setdefault(task_id, TaskFact(task_id, f"{action_seq}.{seq}", title, deadline))
        assignments.append((task_id, agency_id, role))
        agencies[agency_id] = name
    reports = {}
    if ids:
        for row in ProgressReport.objects.filter(period_id__in=ids, task__archived_at__isnull=True).values_list(
            "id", "task_id", "agency_id", "period_id", "state", "status", "percent", "is_late", "return_count",
            "submitted_at",
        ):  # fmt: skip
            report_id, task_id, agency_id, period_id, state, status, percent, late, returns, submitted = row
            reports[(task_id, agency_id, period_id)] = ReportFact(
                report_id, state, status or "", percent, late, returns, _local_day(submitted)
            )
    reopened = {
        (period_id, agency_id): until
        for period_id, agency_id, until in PeriodReopening.objects.filter(period_id__in=ids).values_list(
            "period_id", "agency_id", "until"
        )
    }
    lead_consolidates = ReviewPolicy.of(plan).lead_consolidates
    gathered = {}
    if ids and lead_consolidates:
        through = ProgressReport.consolidated_inputs.through
        for lead_id, input_id in through.objects.filter(from_progressreport__period_id__in=ids).values_list(
            "from_progressreport_id", "to_progressreport_id"
        ):
            gathered.setdefault(lead_id, set()).add(input_id)
    indicators = []
    if quarters:
        rows = IndicatorRollup.objects.filter(
            period_id=quarters[-1].pk,
            indicator__task__isnull=False,
            indicator__task__archived_at__isnull=True,
        ).values_list("indicator_id", "indicator__task_id", "indicator__name", "status")
        indicators = [IndicatorFact(*row) for row in rows if row[1] in tasks]
        indicators.sort(key=lambda i: (tasks[i.task_id].number, i.id))
    first_day, last_day = plan_span(plan, year)
    return Facts(
        as_of=as_of,
        lead_consolidates=lead_consolidates,
        first_day=first_day,
        last_day=last_day,
        quarters=[QuarterFact(q.pk, q.label, q.year, q.quarter, q.ends_on, q.deadline) for q in quarters],
        tasks=tasks,
        assignments=assignments,
        agencies=agencies | _names_of(adjustments, agencies),
        reports=reports,
        reopened=reopened,
        gathered=gathered,
        indicators=indicators,
        adjustments=[
            AdjustmentFact(a.pk, a.agency_id, a.kind, a.component, a.points, a.reason) for a in adjustments
        ],
    )


def _names_of(adjustments, known) -> dict:
    missing = {a.agency_id for a in adjustments} - set(known)
    if not missing:
        return {}
    from agencies.models import Agency

    return dict(Agency.objects.filter(pk__in=missing).values_list("pk", "name"))


def indicators_of_plan(plan):
    """The plan's indicators (for a page that names them)."""
    return Indicator.objects.filter(plan=plan)
