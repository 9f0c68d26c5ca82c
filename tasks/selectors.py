"""Reads for the reporting pages: each returns what a page needs in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, IndicatorValue

from .consolidation import ReviewPolicy
from .models import Evidence, ProgressReport, ReportingPeriod, Task, TaskAssignment
from .periods import today_local


@dataclass
class AgencyTaskRow:
    assignment: TaskAssignment
    period: ReportingPeriod
    report: ProgressReport | None
    # For a task the agency leads where leads consolidate: its supporting agencies, and
    # those whose input is still to come.
    supporters: list = field(default_factory=list)
    inputs_missing: list = field(default_factory=list)

    @property
    def inputs_received(self) -> int:
        return len(self.supporters) - len(self.inputs_missing)

    @property
    def task(self):
        return self.assignment.task

    @property
    def state_key(self):
        return self.report.state if self.report and self.report.state else "none"

    @property
    def state_label(self):
        return self.report.get_state_display() if self.report else None

    @property
    def awaits_submission(self):
        return self.state_key in AWAITING_SUBMISSION

    @property
    def days_left(self):
        """Days to the deadline, only for a report still to be submitted before it."""
        days = (self.period.deadline - today_local()).days
        return days if self.awaits_submission and days >= 0 else None

    @property
    def days_late(self):
        """Days past the deadline, only for a report still not submitted after it."""
        days = (today_local() - self.period.deadline).days
        return days if self.awaits_submission and days > 0 else None


# 待报送: what an agency still has to send — no report, a draft, or one returned for
# changes. Not the 未报 of the counts (reports.counts: no report or a draft; a returned
# report was reported) nor the review page's 未填报 (review_counts: no report at all).
AWAITING_SUBMISSION = ("none", "draft", "returned")

# The agency home's filters by where a task's report stands.
HOME_FILTERS = {
    "due": _("待报送"),
    "overdue": _("已逾期"),
    "returned": _("被退回"),
    "submitted": _("待审核"),
    "approved": _("已通过"),
}


def with_report_state(assignments, periods):
    """Assignments annotated with `report_state`: their report's state in these quarters,
    or "none"."""
    state = ProgressReport.objects.filter(
        task=OuterRef("task_id"), agency=OuterRef("agency_id"), period__in=[p.pk for p in periods]
    ).values("state")[:1]
    return assignments.annotate(report_state=Coalesce(Subquery(state), Value("none")))


def _overdue_q(periods):
    late_plans = [p.plan_id for p in periods if p.deadline < today_local()]
    return Q(report_state__in=AWAITING_SUBMISSION, task__action__plan_id__in=late_plans)


def agency_home_filter(assignments, periods, status):
    """Assignments (annotated by with_report_state) whose report stands as `status` says."""
    if status == "due":
        return assignments.filter(report_state__in=AWAITING_SUBMISSION)
    if status == "overdue":
        return assignments.filter(_overdue_q(periods))
    if status in ("returned", "submitted", "approved"):
        return assignments.filter(report_state=status)
    return assignments


def agency_home_counts(assignments, periods) -> dict:
    """One query: how many tasks are still due, returned for changes, and overdue."""
    counts = {
        "total": Count("pk"),
        "due": Count("pk", filter=Q(report_state__in=AWAITING_SUBMISSION)),
        "returned": Count("pk", filter=Q(report_state="returned")),
    }
    # Before every deadline nothing is overdue (and an empty IN would void the whole count).
    if any(p.deadline < today_local() for p in periods):
        counts["overdue"] = Count("pk", filter=_overdue_q(periods))
    return {"overdue": 0, **assignments.order_by().aggregate(**counts)}


def due_first(assignments):
    """Assignments (annotated by with_report_state) with what still needs the agency on
    top: returned for changes, then not yet submitted, then awaiting review, then approved;
    in plan order within each."""
    rank = Case(
        When(report_state="returned", then=Value(0)),
        When(report_state__in=AWAITING_SUBMISSION, then=Value(1)),
        When(report_state="submitted", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return assignments.order_by(rank, *assignments.query.order_by)


def agency_periods(agency_ids):
    """Quarters of the plans in which these agencies carry tasks."""
    plan_ids = TaskAssignment.objects.filter(agency_id__in=agency_ids).values("task__action__plan_id")
    return ReportingPeriod.objects.filter(plan_id__in=plan_ids).select_related("plan")


def agency_task_assignments(agency_ids, periods):
    plan_ids = [p.plan_id for p in periods]
    return (
        TaskAssignment.objects.filter(
            agency_id__in=agency_ids, task__action__plan_id__in=plan_ids, task__archived_at__isnull=True
        )
        .select_related("task", "task__action", "task__action__plan", "agency")
        .order_by("task__action__plan_id", "task__action__seq", "task__seq", "agency_id")
    )


def agency_task_rows(assignments, periods) -> list[AgencyTaskRow]:
    """Rows for one page of assignments: one query for their reports, and for the tasks
    the agency leads where leads consolidate, one for their supporters and one for the
    states of the supporters' inputs."""
    by_plan = {p.plan_id: p for p in periods}
    assignments = list(assignments)
    reports = ProgressReport.objects.filter(
        period__in=list(by_plan.values()),
        task_id__in=[a.task_id for a in assignments],
        agency_id__in={a.agency_id for a in assignments},
    )
    index = {(r.task_id, r.agency_id): r for r in reports}
    policies = {p.plan_id: ReviewPolicy.of(p.plan) for p in periods}
    gathering = [a for a in assignments if policies[a.task.action.plan_id].gathers_inputs(role=a.role)]
    supporters, handed_in = {}, set()
    if gathering:
        for s in TaskAssignment.objects.filter(
            task_id__in=[a.task_id for a in gathering], role=TaskAssignment.Role.SUPPORT
        ).select_related("agency"):
            supporters.setdefault(s.task_id, []).append(s.agency)
        handed_in = set(
            ProgressReport.objects.filter(
                period__in=list(by_plan.values()),
                task_id__in=list(supporters),
                state__in=ReviewPolicy.handed_in,
            ).values_list("task_id", "agency_id")
        )
    rows = []
    for a in assignments:
        report = index.get((a.task_id, a.agency_id))
        plan = a.task.action.plan
        if report is not None:
            report.is_input = policies[plan.pk].is_input(role=a.role)
        row = AgencyTaskRow(assignment=a, period=by_plan[plan.pk], report=report)
        if a in gathering:
            row.supporters = supporters.get(a.task_id, [])
            row.inputs_missing = [s for s in row.supporters if (a.task_id, s.pk) not in handed_in]
        rows.append(row)
    return rows


def task_indicators_with_values(task, period, agency):
    """The task's indicators, each with .current (this quarter's value) and .previous."""
    from indicators.services import indicator_previous_values

    indicators = list(Indicator.objects.filter(task=task).order_by("seq", "id"))
    if not indicators:
        return []
    current = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(indicator__in=indicators, period=period, agency=agency)
    }
    previous = indicator_previous_values(indicators, period, agency)
    for indicator in indicators:
        indicator.current = current.get(indicator.pk)
        indicator.previous = previous.get(indicator.pk)
    return indicators


def writer_assignment(task, agency_ids):
    """The assignment under which one of these agencies writes its report on the task:
    its lead role before a supporting one, or None when none of them carries it."""
    return (
        TaskAssignment.objects.filter(task=task, agency_id__in=agency_ids)
        .select_related("agency")
        .order_by("role", "agency_id")
        .first()
    )


def supporter_reports(task, period, lead_report=None):
    """For a task's lead: (reported, missing). reported: (agency, report) of each
    supporting agency that handed in its report this quarter, the report with its
    evidence, `is_input` (it goes to the lead, not the office) and `consolidated` (the
    lead's report gathers it); missing: the supporting agencies yet to hand one in.
    Three queries."""
    supporters = list(
        TaskAssignment.objects.filter(task=task, role=TaskAssignment.Role.SUPPORT).select_related("agency")
    )
    reports = {
        r.agency_id: r
        for r in ProgressReport.objects.filter(
            task=task, period=period, agency_id__in=[s.agency_id for s in supporters]
        )
        .select_related("agency")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")))
    }
    gathered = set()
    if lead_report is not None and lead_report.pk:
        gathered = {r.pk for r in lead_report.consolidated_inputs.all()}
    policy = ReviewPolicy.of(task.action.plan)
    rows = [(s.agency, reports.get(s.agency_id)) for s in supporters]
    reported = [(a, r) for a, r in rows if r and r.state in policy.handed_in]
    for _agency, r in reported:
        r.is_input = policy.is_input(role=TaskAssignment.Role.SUPPORT)
        r.consolidated = r.pk in gathered
    missing = [a for a, r in rows if not (r and r.state in policy.handed_in)]
    return reported, missing


def report_evidence(report):
    return list(Evidence.objects.filter(report=report).select_related("uploaded_by").order_by("uploaded_at"))


def review_queryset(plan, period, *, state=None, agency_id=None):
    """A quarter's reports (every quarter's with period None) in queue order, each with
    `role` (lead or support) of its agency: the reports the office reviews by the plan's
    ReviewPolicy (only the leads' where they gather their supporters' inputs)."""
    qs = ProgressReport.objects.of_plan(plan)
    if period is not None:
        qs = qs.in_period(period)
    qs = (
        ReviewPolicy.of(plan)
        .office_queue(qs.select_related("task", "task__action", "agency", "period", "submitted_by"))
        .order_by("task__action__seq", "task__seq", "agency__name", "pk")
    )
    if state:
        qs = qs.filter(state=state)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs


def days_waiting(report, today=None):
    """Whole days a submitted report has waited for the office; None for any other."""
    if report.state != ProgressReport.State.SUBMITTED or report.submitted_at is None:
        return None
    today = today or today_local()
    return (today - timezone.localdate(report.submitted_at)).days


def with_waiting(reports):
    """The reports, each with .days_waiting set (no query)."""
    today = today_local()
    reports = list(reports)
    for report in reports:
        report.days_waiting = days_waiting(report, today)
    return reports


def review_neighbours(report):
    """(previous id, next id, queue length) around a report in its quarter's queue of
    submitted reports, in one query however long the queue. A report just reviewed keeps
    its place, so the office moves on from it to the next one."""
    ids = list(
        review_queryset(report.task.action.plan, report.period)
        .filter(Q(state=ProgressReport.State.SUBMITTED) | Q(pk=report.pk))
        .values_list("pk", flat=True)
    )
    at = ids.index(report.pk)
    queued = len(ids) - (report.state != ProgressReport.State.SUBMITTED)
    return (ids[at - 1] if at else None), (ids[at + 1] if at + 1 < len(ids) else None), queued


def review_counts(plan, period) -> dict:
    """The review page's counts of a quarter: the reports of its queue by state, and
    `no_report` (未填报): the assignments of the plan's tasks whose agency has no report
    at all, not even a draft — neither the 未报 of reports.counts (no report or a draft)
    nor the 待报送 of AWAITING_SUBMISSION. Both follow the plan's ReviewPolicy (only the
    lead agencies' where they gather their supporters' inputs). Two queries."""
    policy = ReviewPolicy.of(plan)
    reports = policy.office_queue(ProgressReport.objects.of_plan(plan).in_period(period))
    counts = reports.aggregate(
        draft=Count("pk", filter=Q(state="draft")),
        submitted=Count("pk", filter=Q(state="submitted")),
        returned=Count("pk", filter=Q(state="returned")),
        approved=Count("pk", filter=Q(state="approved")),
        total=Count("pk"),
    )
    reported = ProgressReport.objects.filter(
        task=OuterRef("task_id"), agency=OuterRef("agency_id"), period=period
    )
    counts["no_report"] = (
        policy.office_assignments(
            TaskAssignment.objects.filter(task__action__plan=plan, task__archived_at__isnull=True)
        )
        .exclude(Exists(reported))
        .count()
    )
    # The page's earlier name for no_report, kept for its readers.
    counts["missing"] = counts["no_report"]
    return counts


def task_with_plan(pk):
    return Task.objects.select_related("action", "action__plan", "action__plan__region").prefetch_related(
        Prefetch("assignments", queryset=TaskAssignment.objects.select_related("agency"))
    )
