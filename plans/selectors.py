from django.db.models import Prefetch

from indicators.models import Indicator
from tasks.models import Task, TaskAssignment

from .models import Action


def plan_breakdown(plan):
    """Actions of a plan with their tasks, agencies and indicators: four queries,
    whatever the plan's size."""
    tasks = Task.objects.order_by("seq").prefetch_related(
        Prefetch(
            "assignments", queryset=TaskAssignment.objects.select_related("agency").order_by("role", "seq")
        ),
        Prefetch("indicators", queryset=Indicator.objects.order_by("seq")),
    )
    return (
        Action.objects.filter(plan=plan).order_by("seq").prefetch_related(Prefetch("tasks", queryset=tasks))
    )
