from django.db.models import Count, Prefetch

from indicators.models import Indicator
from tasks.models import ProgressReport, Task, TaskAssignment

from .models import ARCHIVED_SEQ, Action


def plan_breakdown(plan):
    """Actions of a plan with their tasks, agencies and indicators: four queries,
    whatever the plan's size."""
    tasks = (
        Task.objects.active()
        .select_related("parent__action__plan__region")
        .order_by("seq")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=TaskAssignment.objects.select_related("agency").order_by("role", "seq"),
            ),
            Prefetch("indicators", queryset=Indicator.objects.order_by("seq")),
        )
    )
    return breakdown_actions(plan).order_by("seq").prefetch_related(Prefetch("tasks", queryset=tasks))


def breakdown_actions(plan):
    """The plan's actions, leaving out those a revision dropped that only hold archived tasks."""
    return Action.objects.filter(plan=plan, seq__lt=ARCHIVED_SEQ)


def archived_tasks(plan):
    """Tasks a revision archived, newest first, with the history they keep: their
    reports (read-only on the plan page) and the count of their indicator values."""
    reports = ProgressReport.objects.select_related("agency", "period").order_by(
        "period__year", "period__quarter"
    )
    return (
        Task.objects.of_plan(plan)
        .archived()
        .select_related("action", "archived_by")
        .annotate(
            report_count=Count("reports", distinct=True),
            value_count=Count("indicators__values", distinct=True),
        )
        .prefetch_related(Prefetch("reports", queryset=reports), "indicators")
        .order_by("-archived_at", "pk")
    )
