from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agencies.access import Viewer, get_plan_for_user
from indicators.models import Indicator

from .selectors import plan_breakdown


@login_required
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "actions": plan_breakdown(plan),
            "goals": Indicator.objects.of_plan(plan).goals().order_by("seq"),
            "is_office": Viewer.of(request.user).is_office_of(plan),
        },
    )
