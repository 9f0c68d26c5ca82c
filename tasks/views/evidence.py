"""Evidence files on the report form: upload, download, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbonplan.access import Viewer, get_report_for_user
from carbonplan.downloads import Export, file_response

from ..evidence import evidence_add, evidence_remove
from ..models import Evidence
from ..services import report_get_or_create
from .access import task_for_writer


@login_required
@require_POST
def evidence_upload(request, task_id, period_id):
    task, period, assignment = task_for_writer(request.user, task_id, period_id)
    chosen = request.FILES.getlist("file")
    # An empty file is no evidence: named when others came with it, else nothing was chosen.
    uploads = [upload for upload in chosen if upload.size]
    if not uploads:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("tasks:report_form", task.pk, period.pk)
    for empty in (upload for upload in chosen if not upload.size):
        messages.error(request, _("“%(name)s”是空文件，未上传。") % {"name": empty.name})
    # Each file (a photo just taken, several picked at once) is kept or refused on its own:
    # a refused one is named, the others are kept.
    for upload in uploads:
        try:
            with transaction.atomic():
                report = report_get_or_create(
                    task=task, agency=assignment.agency, period=period, by=request.user
                )
                evidence = evidence_add(report=report, upload=upload, by=request.user)
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
