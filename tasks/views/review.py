"""Reading a report, its history, and the office's review: approve, return, the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.audit import change_label
from agencies.models import Agency
from carbonplan.access import Viewer, get_plan_for_user, get_report_for_user, supervised_plans

from .. import selectors
from ..forms import ApproveForm, ReturnForm
from ..models import ProgressReport, ReportingPeriod, TaskAssignment
from ..periods import choose_period, latest_open
from ..services import report_approve, report_return
from . import PAGE_SIZE


@login_required
def report_detail(request, pk):
    report = get_report_for_user(request.user, pk)
    viewer = Viewer.of(request.user)
    reported, missing = [], []
    is_lead = report.task.assignments.filter(agency=report.agency, role=TaskAssignment.Role.LEAD).exists()
    if is_lead:
        reported, missing = selectors.supporter_reports(report.task, report.period)
    return render(
        request,
        "tasks/report_detail.html",
        {
            "report": report,
            "task": report.task,
            "period": report.period,
            "indicators": selectors.task_indicators_with_values(report.task, report.period, report.agency),
            "evidence": selectors.report_evidence(report),
            "may_review": viewer.may_review_report(report) and report.state == "submitted",
            "may_edit": viewer.may_edit_report(report),
            "is_lead": is_lead,
            "supporters_reported": reported,
            "supporters_missing": missing,
            "return_form": ReturnForm(),
            "approve_form": ApproveForm(),
        },
    )


@login_required
def report_history(request, pk):
    report = get_report_for_user(request.user, pk)
    versions = list(report.versions.select_related("by").order_by("-number"))
    for version in versions:
        version.changed_labels = [change_label(ProgressReport, name) for name in version.changed_fields or []]
    return render(request, "tasks/report_history.html", {"report": report, "versions": versions})


def _review_redirect(request, report):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("tasks:report_detail", report.pk)


def _review_view(request, pk, review, done):
    report = get_report_for_user(request.user, pk, review=True)
    try:
        review(report=report, by=request.user, comment=request.POST.get("comment", ""))
        messages.success(request, done % {"task": report.task.number, "agency": report.agency.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return _review_redirect(request, report)


@login_required
@require_POST
def report_approve_view(request, pk):
    return _review_view(request, pk, report_approve, _("已通过：%(task)s · %(agency)s"))


@login_required
@require_POST
def report_return_view(request, pk):
    return _review_view(request, pk, report_return, _("已退回：%(task)s · %(agency)s"))


@login_required
def review(request):
    viewer = Viewer.of(request.user)
    plans = list(supervised_plans(request.user).select_related("region").order_by("region__name", "title"))
    if request.GET.get("plan"):
        try:
            plan = get_plan_for_user(request.user, int(request.GET["plan"]))
        except ValueError:
            raise Http404
        if not viewer.supervises(plan):
            raise PermissionDenied
    elif plans:
        plan = plans[0]
    elif viewer.agency_ids:
        raise PermissionDenied
    else:
        raise Http404
    periods = list(ReportingPeriod.objects.of_plan(plan).order_by("-year", "-quarter"))
    choice = choose_period(periods, request.GET.get("period"), default=latest_open)
    if choice.notice:
        messages.warning(request, choice.notice)
    period = choice.period
    state = request.GET.get("state", "submitted")
    if state not in ProgressReport.State.values:
        state = ""
    try:
        agency_id = int(request.GET.get("agency") or 0) or None
    except ValueError:
        agency_id = None
    page, counts, agencies = None, {}, []
    if period is not None:
        qs = selectors.review_queryset(plan, period, state=state or None, agency_id=agency_id)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        counts = selectors.review_counts(plan, period)
        agencies = Agency.objects.filter(assignments__task__action__plan=plan).distinct().order_by("name")
    return render(
        request,
        "tasks/review.html",
        {
            "plans": plans,
            "plan": plan,
            "periods": periods,
            "period": period,
            "state": state,
            "agency_id": agency_id,
            "agencies": agencies,
            "page": page,
            "counts": counts,
            "states": ProgressReport.State.choices,
            "is_office": viewer.is_office_of(plan),
        },
    )
