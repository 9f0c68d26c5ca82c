"""Reading a report, its history, and the office's review: approve, return, the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.audit import change_label, project_names
from agencies.models import Agency
from carbonplan.access import Viewer, get_plan_for_user, get_report_for_user, supervised_plans

from .. import selectors
from ..consolidation import ReviewPolicy, report_role
from ..forms import ApproveForm, ReturnForm, return_comment
from ..models import ProgressReport, ReportingPeriod, TaskAssignment
from ..periods import choose_period, latest_open
from ..services import report_approve, report_return, report_return_input
from . import PAGE_SIZE


@login_required
def report_detail(request, pk):
    report = get_report_for_user(request.user, pk)
    viewer = Viewer.of(request.user)
    reported, missing = [], []
    plan = report.task.action.plan
    policy = ReviewPolicy.of(plan)
    role = report_role(report)
    is_lead = role == TaskAssignment.Role.LEAD
    report.is_input = policy.is_input(role=role)
    if is_lead:
        reported, missing = selectors.supporter_reports(report.task, report.period, lead_report=report)
    previous_id = next_id = queued = None
    if viewer.supervises(plan) and not report.is_input:
        previous_id, next_id, queued = selectors.review_neighbours(report)
    return render(
        request,
        "tasks/report_detail.html",
        {
            "report": report,
            "task": report.task,
            "period": report.period,
            "indicators": selectors.task_indicators_with_values(report.task, report.period, report.agency),
            "evidence": selectors.report_evidence(report),
            "project_updates": report.project_updates.select_related("project").order_by("project__seq"),
            "may_review": viewer.may_review_report(report)
            and report.state == "submitted"
            and not report.is_input,
            "may_return_input": report.is_input
            and report.state == "submitted"
            and viewer.may_return_input(report),
            "may_chase": viewer.is_office_of(plan),
            "lead_mode": policy.lead_consolidates,
            "may_edit": viewer.may_edit_report(report),
            "is_lead": is_lead,
            "supporters_reported": reported,
            "supporters_missing": missing,
            "return_form": ReturnForm(),
            "approve_form": ApproveForm(),
            "previous_id": previous_id,
            "next_id": next_id,
            "queued": queued,
            "days_waiting": selectors.days_waiting(report),
        },
    )


@login_required
def report_history(request, pk):
    report = get_report_for_user(request.user, pk)
    versions = list(report.versions.select_related("by").order_by("-number"))
    projects = project_names([v.changed_fields for v in versions])
    for version in versions:
        version.changed_labels = [
            change_label(ProgressReport, name, projects) for name in version.changed_fields or []
        ]
    return render(request, "tasks/report_history.html", {"report": report, "versions": versions})


def _review_redirect(request, report):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("tasks:report_detail", report.pk)


def _review_view(request, pk, review, done, comment):
    report = get_report_for_user(request.user, pk, review=True)
    try:
        review(report=report, by=request.user, comment=comment)
        messages.success(request, done % {"task": report.task.number, "agency": report.agency.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return _review_redirect(request, report)


@login_required
@require_POST
def report_approve_view(request, pk):
    return _review_view(
        request, pk, report_approve, _("已通过：%(task)s · %(agency)s"), request.POST.get("comment", "")
    )


@login_required
@require_POST
def report_return_view(request, pk):
    return _review_view(
        request, pk, report_return, _("已退回：%(task)s · %(agency)s"), return_comment(request.POST)
    )


@login_required
@require_POST
def report_return_input_view(request, pk):
    """The lead agency sends a supporter's input back for more (退回补充)."""
    report = get_report_for_user(request.user, pk, lead=True)
    try:
        report_return_input(report=report, by=request.user, comment=return_comment(request.POST))
        messages.success(
            request,
            _("已退回补充：%(task)s · %(agency)s")
            % {"task": report.task.number, "agency": report.agency.name},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("tasks:report_form", report.task_id, report.period_id)


@login_required
@require_POST
def review_batch_approve(request):
    """Approve the selected reports of a plan: first a confirmation listing them, then
    each through the approve service on its own, reporting which went through."""
    try:
        plan = get_plan_for_user(request.user, int(request.POST.get("plan") or 0), office=True)
    except ValueError:
        raise Http404
    ids = {int(v) for v in request.POST.getlist("report") if v.isdigit()}
    reports = list(
        selectors.review_queryset(plan, None, state=None).filter(pk__in=ids)
        if ids
        else ProgressReport.objects.none()
    )
    back = request.POST.get("next") or ""
    if not (back.startswith("/") and not back.startswith("//")):
        back = f"{reverse('tasks:review')}?plan={plan.pk}"
    if not reports:
        messages.warning(request, _("请先勾选要通过的填报。"))
        return redirect(back)
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "tasks/review_batch_confirm.html",
            {"plan": plan, "reports": selectors.with_waiting(reports), "next": back},
        )
    done, failed = [], []
    for report in reports:
        label = f"{report.task.number} · {report.agency.name}"
        try:
            with transaction.atomic():
                report_approve(report=report, by=request.user)
            done.append(label)
        except ValidationError as exc:
            failed.append(f"{label}（{'；'.join(exc.messages)}）")
    if done:
        messages.success(
            request, _("已通过 %(n)d 份填报：%(list)s") % {"n": len(done), "list": "、".join(done)}
        )
    if failed:
        messages.error(
            request, _("%(n)d 份填报未能通过：%(list)s") % {"n": len(failed), "list": "、".join(failed)}
        )
    return redirect(back)


@login_required
def review(request):
    viewer = Viewer.of(request.user)
    # The picker's (id, region, title) only: a province office supervises every plan of the
    # province, a thousand options at national size.
    plans = list(
        supervised_plans(request.user)
        .order_by("region__name", "title")
        .values_list("pk", "region__name", "title")
    )
    if request.GET.get("plan"):
        try:
            plan = get_plan_for_user(request.user, int(request.GET["plan"]))
        except ValueError:
            raise Http404
        if not viewer.supervises(plan):
            raise Http404  # agency staff may see the plan, not the office's queue
    elif plans:
        plan = get_plan_for_user(request.user, plans[0][0])
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
        page.object_list = selectors.with_waiting(page.object_list)
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
