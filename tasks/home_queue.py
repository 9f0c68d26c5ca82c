"""Agency staff's first page as a work queue: the quarter open now, what is still due and
by when, reports returned with the office's comment, supporters' inputs waiting for the
lead to gather them, and unread notices. Six queries whatever the number of tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from agencies.models import Notification

from . import selectors
from .consolidation import ReviewPolicy
from .models import ProgressReport, TaskAssignment
from .periods import choose_period, latest_open

RETURNED_SHOWN = 10


@dataclass
class AgencyQueue:
    label: str = ""
    periods: list = field(default_factory=list)  # the quarter in each plan, with its deadline
    counts: dict = field(default_factory=dict)  # total, due, returned, overdue
    returned: list = field(default_factory=list)  # [ProgressReport] with review_comment
    inputs_waiting: int = 0
    unread: int = 0


def agency_queue(user, agency_ids) -> AgencyQueue:
    queue = AgencyQueue(
        unread=Notification.objects.filter(user=user, read_at__isnull=True).count(),
    )
    periods = list(selectors.agency_periods(agency_ids))
    label = choose_period(periods, None, default=latest_open).label
    if not label:
        return queue
    chosen = sorted((p for p in periods if p.label == label), key=lambda p: (p.deadline, p.plan_id))
    queue.label, queue.periods = label, chosen
    assignments = selectors.with_report_state(selectors.agency_task_assignments(agency_ids, chosen), chosen)
    queue.counts = selectors.agency_home_counts(assignments, chosen)
    queue.returned = list(
        ProgressReport.objects.filter(
            agency_id__in=agency_ids, period__in=chosen, state=ProgressReport.State.RETURNED
        )
        .select_related("task__action", "period")
        .order_by("-reviewed_at", "pk")[:RETURNED_SHOWN]
    )
    gathering = [p for p in chosen if ReviewPolicy.of(p.plan).lead_consolidates]
    if gathering:
        led = TaskAssignment.objects.filter(agency_id__in=agency_ids, role=TaskAssignment.Role.LEAD).values(
            "task_id"
        )
        queue.inputs_waiting = (
            ProgressReport.objects.filter(
                period__in=gathering, task_id__in=led, state=ProgressReport.State.SUBMITTED
            )
            .exclude(agency_id__in=agency_ids)
            .count()
        )
    return queue
