"""The agency home page: the agency's tasks in a quarter and their reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from agencies.models import Agency
from carbonplan.access import Viewer

from .. import selectors
from ..periods import choose_period, latest_open
from . import PAGE_SIZE


@login_required
def agency_home(request):
    viewer = Viewer.of(request.user)
    if not viewer.agency_ids:
        if viewer.is_office or viewer.is_leader:
            return redirect("tasks:review")
        raise Http404
    periods = list(selectors.agency_periods(viewer.agency_ids))
    labels = sorted({p.label for p in periods}, reverse=True)
    choice = choose_period(periods, request.GET.get("period"), default=latest_open)
    if choice.notice:
        messages.warning(request, choice.notice)
    label = choice.label or None
    chosen = [p for p in periods if p.label == label]
    assignments = selectors.with_report_state(
        selectors.agency_task_assignments(viewer.agency_ids, chosen), chosen
    )
    counts = selectors.agency_home_counts(assignments, chosen)
    status = request.GET.get("status", "")
    if status not in selectors.HOME_FILTERS:
        status = ""
    assignments = selectors.due_first(selectors.agency_home_filter(assignments, chosen, status))
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.agency_task_rows(page.object_list, chosen)
    agencies = Agency.objects.filter(pk__in=viewer.agency_ids).order_by("name")
    return render(
        request,
        "tasks/agency_home.html",
        {
            "rows": rows,
            "page": page,
            "labels": labels,
            "label": label,
            "periods": chosen,
            "agencies": agencies,
            "counts": counts,
            "status": status,
            "statuses": selectors.HOME_FILTERS.items(),
        },
    )
