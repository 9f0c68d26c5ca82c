import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency, Notification
from carbonplan.access import (
    Viewer,
    get_plan_for_user,
    get_report_for_user,
    supervised_plans,
    visible_plans,
    visible_tasks,
)
from carbonplan.downloads import Export, file_response

from . import selectors
from .forms import ApproveForm, PeriodDatesForm, ReopenForm, ReportForm, ReturnForm, UploadForm
from .models import Evidence, ProgressReport, ReportingPeriod, TaskAssignment
from .periods import choose_period, latest_open
from .services import (
    ReportConflict,
    evidence_add,
    evidence_remove,
    period_check_writable,
    period_close,
    period_open,
    period_reopen_for_agency,
    period_set_dates,
    report_approve,
    report_get_or_create,
    report_return,
    report_save_draft,
    report_snapshot,
    report_submit,
    today_local,
)
from .workbook import AgencyQuarterWorkbook, WorkbookInvalid, workbook_apply

PAGE_SIZE = 20


# --- access helpers -------------------------------------------------------------------


def _task_and_agency_for_writer(user, task_id, period_id):
    """(task, period, agency) for the user's agency on this task; 404 for outsiders,
    403 for those who may read the task but do not carry it."""
    viewer = Viewer.of(user)
    task = get_object_or_404(
        visible_tasks(user).active().select_related("action", "action__plan"), pk=task_id
    )
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"), pk=period_id, plan_id=task.action.plan_id
    )
    assignment = (
        TaskAssignment.objects.filter(task=task, agency_id__in=viewer.agency_ids)
        .select_related("agency")
        .order_by("role", "agency_id")
        .first()
    )
    if assignment is None:
        raise PermissionDenied
    return task, period, assignment


def _agency_period(user, period_id):
    """A quarter of a plan in which the user's agency carries tasks."""
    viewer = Viewer.of(user)
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"),
        pk=period_id,
        plan__in=get_plan_queryset(user),
    )
    agency = (
        Agency.objects.filter(pk__in=viewer.agency_ids, assignments__task__action__plan_id=period.plan_id)
        .distinct()
        .first()
    )
    if agency is None:
        raise PermissionDenied
    return period, agency


def get_plan_queryset(user):
    return visible_plans(user)


def _errors_of(exc: ValidationError) -> list[str]:
    return exc.messages


# --- agency home ----------------------------------------------------------------------


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
    assignments = selectors.agency_task_assignments(viewer.agency_ids, chosen)
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
        },
    )


# --- the report form ------------------------------------------------------------------


def _form_context(request, task, period, assignment, report, form, indicators, **extra):
    reported, missing = ([], [])
    if assignment.role == TaskAssignment.Role.LEAD:
        reported, missing = selectors.supporter_reports(task, period)
    return {
        "task": task,
        "period": period,
        "assignment": assignment,
        "agency": assignment.agency,
        "report": report,
        "form": form,
        "indicators": indicators,
        "evidence": selectors.report_evidence(report) if report else [],
        "editable": report is None or report.state in ("draft", "returned"),
        "writable": _period_writable(period, assignment.agency_id),
        "supporters_reported": reported,
        "supporters_missing": missing,
        "days_left": (period.deadline - today_local()).days,
        "upload_form": UploadForm(),
        "max_evidence": settings.EVIDENCE_MAX_BYTES,
        **extra,
    }


def _period_writable(period, agency_id) -> bool:
    try:
        period_check_writable(period=period, agency_id=agency_id)
    except ValidationError:
        return False
    return True


def _initial(report, indicators):
    initial = {"version": report.version if report else 0}
    if report:
        snap = report_snapshot(report)
        initial.update({k: v or "" for k, v in snap.items()})
    for ind in indicators:
        if ind.current is not None:
            initial[f"ind_{ind.pk}"] = format(ind.current.value.normalize(), "f")
    return initial


@login_required
def report_form(request, task_id, period_id):
    task, period, assignment = _task_and_agency_for_writer(request.user, task_id, period_id)
    agency = assignment.agency
    report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    indicators = selectors.task_indicators_with_values(task, period, agency)
    if request.method != "POST":
        form = ReportForm(initial=_initial(report, indicators), indicators=indicators)
        return render(
            request,
            "tasks/report_form.html",
            _form_context(request, task, period, assignment, report, form, indicators),
        )
    form = ReportForm(request.POST, indicators=indicators)
    submit = request.POST.get("action") == "submit"
    if submit and report is not None and report.state in ("submitted", "approved"):
        # A second click on 提交 (or a resent form) after the first went through.
        report_submit(report=report, by=request.user)
        messages.info(request, _("该填报已提交，无需重复提交。"))
        return redirect("tasks:report_form", task.pk, period.pk)
    conflict = None
    if form.is_valid():
        try:
            # Creating the report and saving its first draft stand or fall together: a
            # refused first save leaves no empty report behind.
            with transaction.atomic():
                if report is None:
                    report = report_get_or_create(task=task, agency=agency, period=period, by=request.user)
                    base_version = form.cleaned_data.get("version") or report.version
                else:
                    base_version = form.cleaned_data.get("version")
                report, warnings = report_save_draft(
                    report=report,
                    data=form.report_data(),
                    by=request.user,
                    base_version=base_version,
                    indicator_values=form.indicator_data() if indicators else None,
                )
            for note in warnings:
                messages.warning(request, note)
            if submit:
                report = report_submit(report=report, by=request.user)
                messages.success(request, _("已提交，等待专班办公室审核。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("tasks:report_form", task.pk, period.pk)
        except ReportConflict as exc:
            conflict = exc.report
            # The form keeps the user's text; its version moves on so that saving
            # again (after merging) is a deliberate overwrite of the current version.
            data = request.POST.copy()
            data["version"] = conflict.version
            form = ReportForm(data, indicators=indicators)
            form.is_valid()
            form.add_error(None, exc.messages[0])
            report = conflict
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            if report is not None:
                # Reload what the database holds: a refused first save took its new
                # report with it, so there may be none.
                report = ProgressReport.objects.filter(pk=report.pk).first()
    mine = None
    if conflict is not None:
        statuses = dict(ProgressReport.Status.choices)
        mine = {k: request.POST.get(k, "") for k in ("percent", "progress_text", "problems", "next_steps")}
        mine["status"] = statuses.get(request.POST.get("status", ""), "")
    context = _form_context(
        request, task, period, assignment, report, form, indicators, conflict=conflict, mine=mine
    )
    return render(request, "tasks/report_form.html", context, status=409 if conflict else 400)


@login_required
@require_POST
def report_autosave(request, task_id, period_id):
    """JSON draft save from the form's script: {version, fields…} → {version, saved_at}."""
    task, period, assignment = _task_and_agency_for_writer(request.user, task_id, period_id)
    try:
        payload = json.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"error": _("数据格式有误。")}, status=400)
    fields = {
        k: payload[k]
        for k in ("status", "percent", "progress_text", "problems", "next_steps")
        if k in payload
    }
    for value in fields.values():
        if value is not None and not isinstance(value, (str, int, float)):
            return JsonResponse({"error": _("数据格式有误。")}, status=400)
    values = payload.get("indicators")
    if values is not None and not isinstance(values, dict):
        return JsonResponse({"error": _("数据格式有误。")}, status=400)
    report = ProgressReport.objects.filter(task=task, agency=assignment.agency, period=period).first()
    try:
        with transaction.atomic():
            if report is None:
                report = report_get_or_create(
                    task=task, agency=assignment.agency, period=period, by=request.user
                )
                base_version = report.version
            else:
                base_version = payload.get("version")
            report, warnings = report_save_draft(
                report=report,
                data=fields,
                by=request.user,
                base_version=base_version,
                indicator_values=values or None,
            )
    except ReportConflict as exc:
        current = exc.report
        return JsonResponse(
            {
                "error": exc.messages[0],
                "conflict": True,
                "version": current.version,
                "current": report_snapshot(current),
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse(
            {
                "error": "；".join(exc.messages),
                "fields": getattr(exc, "error_dict", None) and exc.message_dict,
            },
            status=400,
        )
    return JsonResponse(
        {
            "version": report.version,
            "state": report.state,
            "saved_at": timezone.localtime(report.updated_at).strftime("%H:%M"),
            "warnings": warnings,
        }
    )


@login_required
@require_POST
def evidence_upload(request, task_id, period_id):
    task, period, assignment = _task_and_agency_for_writer(request.user, task_id, period_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("tasks:report_form", task.pk, period.pk)
    try:
        with transaction.atomic():
            report = report_get_or_create(task=task, agency=assignment.agency, period=period, by=request.user)
            evidence = evidence_add(report=report, upload=form.cleaned_data["file"], by=request.user)
        messages.success(request, _("已上传佐证材料“%(name)s”。") % {"name": evidence.original_name})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("tasks:report_form", task.pk, period.pk)


def _evidence_for_user(user, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    report = get_report_for_user(user, evidence.report_id)
    return evidence, report


@login_required
def evidence_download(request, pk):
    evidence, _report = _evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404
    return file_response(Export(evidence.original_name, evidence.content_type, handle))


@login_required
@require_POST
def evidence_delete(request, pk):
    evidence, report = _evidence_for_user(request.user, pk)
    if not Viewer.of(request.user).may_edit_report(report):
        raise PermissionDenied
    try:
        evidence_remove(evidence=evidence, by=request.user)
        messages.success(request, _("已删除佐证材料。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("tasks:report_form", report.task_id, report.period_id)


# --- reading and reviewing ------------------------------------------------------------


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
    labels = {f.name: str(f.verbose_name) for f in ProgressReport._meta.fields}
    for version in versions:
        version.changed_labels = [
            labels.get(name, name.removeprefix("indicator:")) for name in (version.changed_fields or [])
        ]
    return render(request, "tasks/report_history.html", {"report": report, "versions": versions})


def _review_redirect(request, report):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("tasks:report_detail", report.pk)


@login_required
@require_POST
def report_approve_view(request, pk):
    report = get_report_for_user(request.user, pk, review=True)
    form = ApproveForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        report_approve(report=report, by=request.user, comment=comment)
        messages.success(
            request,
            _("已通过：%(task)s · %(agency)s") % {"task": report.task.number, "agency": report.agency.name},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return _review_redirect(request, report)


@login_required
@require_POST
def report_return_view(request, pk):
    report = get_report_for_user(request.user, pk, review=True)
    try:
        report_return(report=report, by=request.user, comment=request.POST.get("comment", ""))
        messages.success(
            request,
            _("已退回：%(task)s · %(agency)s") % {"task": report.task.number, "agency": report.agency.name},
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return _review_redirect(request, report)


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


@login_required
def period_settings(request, pk):
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"), pk=pk, plan__in=get_plan_queryset(request.user)
    )
    plan = get_plan_for_user(request.user, period.plan_id, office=True)
    agencies = Agency.objects.filter(assignments__task__action__plan=plan).distinct().order_by("name")
    dates_form = PeriodDatesForm(initial={"opens_on": period.opens_on, "deadline": period.deadline})
    reopen_form = ReopenForm(agencies=agencies)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "dates":
                dates_form = PeriodDatesForm(request.POST)
                if dates_form.is_valid():
                    period_set_dates(period=period, by=request.user, **dates_form.cleaned_data)
                    messages.success(request, _("已更新填报时间。"))
                    return redirect("tasks:period_settings", period.pk)
            elif action == "close":
                period_close(period=period, by=request.user)
                messages.success(request, _("%(label)s 已关闭填报。") % {"label": period.label})
                return redirect("tasks:period_settings", period.pk)
            elif action == "open":
                period_open(period=period, by=request.user)
                messages.success(request, _("%(label)s 已重新开放填报。") % {"label": period.label})
                return redirect("tasks:period_settings", period.pk)
            elif action == "reopen":
                reopen_form = ReopenForm(request.POST, agencies=agencies)
                if reopen_form.is_valid():
                    period_reopen_for_agency(period=period, by=request.user, **reopen_form.cleaned_data)
                    messages.success(request, _("已为该单位开放补报。"))
                    return redirect("tasks:period_settings", period.pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    reopenings = period.reopenings.select_related("agency").order_by("agency__name")
    return render(
        request,
        "tasks/period_settings.html",
        {
            "period": period,
            "plan": plan,
            "dates_form": dates_form,
            "reopen_form": reopen_form,
            "reopenings": reopenings,
        },
    )


# --- offline workbook -----------------------------------------------------------------


@login_required
def workbook_download(request, period_id):
    period, agency = _agency_period(request.user, period_id)
    return file_response(AgencyQuarterWorkbook(agency=agency, period=period).export())


@login_required
def workbook_upload(request, period_id):
    period, agency = _agency_period(request.user, period_id)
    errors = []
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            errors = [_("文件超过10MB，请确认上传的是下载的模板。")]
        else:
            try:
                count = workbook_apply(content=upload.read(), agency=agency, period=period, by=request.user)
                messages.success(
                    request, _("已导入，更新了 %(n)d 项任务的草稿。请检查后在网上提交。") % {"n": count}
                )
                return redirect(f"{_home_url()}?period={period.label}")
            except WorkbookInvalid as exc:
                errors = exc.messages
    return render(
        request,
        "tasks/workbook_upload.html",
        {"period": period, "agency": agency, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


def _home_url():
    from django.urls import reverse

    return reverse("tasks:agency_home")


# --- notifications --------------------------------------------------------------------


@login_required
def notifications(request):
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("tasks:notifications")
    page = Paginator(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "tasks/notifications.html", {"page": page})
