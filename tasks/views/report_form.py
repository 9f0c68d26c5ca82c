"""The report form and its autosave: the agency writes its quarter's progress."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbonplan.access import get_report_for_user
from indicators.services import period_collect_refusal

from .. import selectors
from ..consolidation import CONSOLIDATED_INPUTS, ReviewPolicy, missing_inputs
from ..evidence import evidence_add
from ..forms import ReportForm, UploadForm
from ..models import ProgressReport, TaskAssignment
from ..periods import period_check_writable, today_local
from ..projects import projects_owned, updates_for_form
from ..services import ReportConflict, report_save_draft, report_snapshot, report_submit, report_withdraw
from .access import task_for_writer


def _is_input(task, assignment) -> bool:
    return ReviewPolicy.of(task.action.plan).is_input(role=assignment.role)


def _consolidates(task, assignment) -> bool:
    return ReviewPolicy.of(task.action.plan).gathers_inputs(role=assignment.role)


def _form_context(request, task, period, assignment, report, form, indicators, **extra):
    reported, missing = ([], [])
    if assignment.role == TaskAssignment.Role.LEAD:
        reported, missing = selectors.supporter_reports(task, period, lead_report=report)
    is_input = _is_input(task, assignment)
    if report is not None:
        report.is_input = is_input
    return {
        "is_input": is_input,
        "lead_mode": ReviewPolicy.of(task.action.plan).lead_consolidates,
        "form_editable": (report is None or report.state in ("draft", "returned"))
        and _period_writable(period, assignment.agency_id),
        "consolidates": _consolidates(task, assignment),
        "leads": [a.agency for a in task.assignments.all() if a.role == TaskAssignment.Role.LEAD]
        if is_input
        else [],
        "task": task,
        "period": period,
        "assignment": assignment,
        "agency": assignment.agency,
        "report": report,
        "form": form,
        "indicators": indicators,
        "values_refused": period_collect_refusal(period) if indicators else "",
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


def _projects(task, agency, period):
    """The projects whose quarter the agency writes here, each with this quarter's update
    and the one before (for the cumulative investment)."""
    projects = projects_owned(task=task, agency_id=agency.pk)
    updates = updates_for_form(projects=projects, period=period, agency_id=agency.pk)
    for project in projects:
        project.current, project.previous = updates[project.pk]
    return projects


def _initial(report, indicators, projects=()):
    initial = {"version": report.version if report else 0}
    for project in projects:
        if project.current is not None:
            for name in ReportForm.PROJECT_FIELDS:
                value = getattr(project.current, name)
                initial[f"proj_{project.pk}_{name}"] = (
                    format(value.normalize(), "f") if hasattr(value, "normalize") else (value or "")
                )
    if report:
        snap = report_snapshot(report)
        initial.update({k: v or "" for k, v in snap.items()})
    for ind in indicators:
        if ind.current is not None:
            value = ind.current.value
            if ind.descriptive:
                initial[f"ind_{ind.pk}"] = "done" if value else "not_done"
            else:
                initial[f"ind_{ind.pk}"] = format(value.normalize(), "f")
    return initial


@login_required
def report_form(request, task_id, period_id):
    task, period, assignment = task_for_writer(request.user, task_id, period_id)
    agency = assignment.agency
    report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    indicators = selectors.task_indicators_with_values(task, period, agency)
    projects = _projects(task, agency, period)
    if request.method != "POST":
        form = ReportForm(
            initial=_initial(report, indicators, projects),
            indicators=indicators,
            is_input=_is_input(task, assignment),
            projects=projects,
        )
        return render(
            request,
            "tasks/report_form.html",
            _form_context(request, task, period, assignment, report, form, indicators, projects=projects),
        )
    is_input = _is_input(task, assignment)
    form = ReportForm(request.POST, indicators=indicators, is_input=is_input, projects=projects)
    submit = request.POST.get("action") == "submit"
    if submit and report is not None and report.state in ReviewPolicy.handed_in:
        # A second click on 提交 (or a resent form) after the first went through.
        report_submit(report=report, by=request.user)
        messages.info(request, _("该填报已提交，无需重复提交。"))
        return redirect("tasks:report_form", task.pk, period.pk)
    conflict = None
    if form.is_valid():
        data = form.report_data()
        if _consolidates(task, assignment):
            # Unticked boxes send nothing: the list is the whole choice.
            data[CONSOLIDATED_INPUTS] = request.POST.getlist(CONSOLIDATED_INPUTS)
        try:
            report, warnings = report_save_draft(
                task=task,
                agency=agency,
                period=period,
                data=data,
                by=request.user,
                base_version=form.cleaned_data.get("version"),
                indicator_values=form.indicator_data() if indicators else None,
                project_updates=form.project_data() if projects else None,
            )
            for note in warnings:
                messages.warning(request, note)
            for upload in request.FILES.getlist("file"):
                # Files chosen but not yet uploaded travel with the form: they are kept
                # before anything is submitted, and a refused file holds the submission.
                evidence = evidence_add(report=report, upload=upload, by=request.user)
                messages.success(request, _("已上传佐证材料“%(name)s”。") % {"name": evidence.original_name})
            if submit:
                report = report_submit(report=report, by=request.user)
                if is_input:
                    messages.success(request, _("已报送牵头单位。"))
                else:
                    messages.success(request, _("已提交，等待专班办公室审核。"))
                    missing = missing_inputs(report) if _consolidates(task, assignment) else []
                    if missing:
                        messages.warning(
                            request,
                            _("提交时以下配合单位尚未报送材料：%(list)s")
                            % {"list": "、".join(a.name for a in missing)},
                        )
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("tasks:report_form", task.pk, period.pk)
        except ReportConflict as exc:
            conflict = exc.report
            # The form keeps the user's text; its version moves on so that saving
            # again (after merging) is a deliberate overwrite of the current version.
            data = request.POST.copy()
            data["version"] = conflict.version
            form = ReportForm(data, indicators=indicators, is_input=is_input, projects=projects)
            form.is_valid()
            form.add_error(None, exc.messages[0])
            report = conflict
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            # Reload what the database holds: a refused first save took its new report
            # with it, so there may be none.
            report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    mine = None
    if conflict is not None:
        statuses = dict(ProgressReport.Status.choices)
        mine = {k: request.POST.get(k, "") for k in ("percent", "progress_text", "problems", "next_steps")}
        mine["status"] = statuses.get(request.POST.get("status", ""), "")
    context = _form_context(
        request,
        task,
        period,
        assignment,
        report,
        form,
        indicators,
        conflict=conflict,
        mine=mine,
        projects=projects,
    )
    return render(request, "tasks/report_form.html", context, status=409 if conflict else 400)


@login_required
@require_POST
def report_withdraw_view(request, pk):
    """The agency takes back its submitted report before the office acts on it."""
    report = get_report_for_user(request.user, pk, write=True)
    try:
        report_withdraw(report=report, by=request.user)
        messages.success(request, _("已撤回，填报回到草稿，可修改后重新提交。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("tasks:report_form", report.task_id, report.period_id)


@login_required
@require_POST
def report_autosave(request, task_id, period_id):
    """JSON draft save from the form's script: {version, fields…} → {version, saved_at}."""
    task, period, assignment = task_for_writer(request.user, task_id, period_id)
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
    inputs = payload.get(CONSOLIDATED_INPUTS)
    if inputs is not None:
        if not isinstance(inputs, list) or not all(isinstance(i, (str, int)) for i in inputs):
            return JsonResponse({"error": _("数据格式有误。")}, status=400)
        fields[CONSOLIDATED_INPUTS] = inputs
    values = payload.get("indicators")
    if values is not None and not isinstance(values, dict):
        return JsonResponse({"error": _("数据格式有误。")}, status=400)
    project_updates = payload.get("projects")
    if project_updates is not None and not isinstance(project_updates, list):
        return JsonResponse({"error": _("数据格式有误。")}, status=400)
    try:
        report, warnings = report_save_draft(
            task=task,
            agency=assignment.agency,
            period=period,
            data=fields,
            by=request.user,
            base_version=payload.get("version"),
            indicator_values=values or None,
            project_updates=project_updates or None,
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
