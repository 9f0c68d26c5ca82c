"""Pages of the 考核结果通报: generate a version, poll it, edit its opening paragraph and
issue it, download it. As the bulletin's pages do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carbonplan.access import get_assessment_for_user, get_assessment_notice_for_user
from carbonplan.downloads import DOCX_MIME, Export, file_response

from .forms import NoticeSummaryForm
from .models import AssessmentNotice
from .notices import download_name, notice_publish, notice_request, notice_summary_update


@login_required
@require_POST
def notice_generate(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id, office=True)
    try:
        notice = notice_request(assessment=assessment, by=request.user)
        messages.success(request, _("已开始生成考核结果通报第 %(v)s 版。") % {"v": notice.version})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(reverse("reports:assessment", args=[assessment.pk]) + "#notices")


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, notice_id):
    """The office reads a version, rewrites its opening paragraph and issues it."""
    notice = get_assessment_notice_for_user(request.user, notice_id, office=True)
    form = NoticeSummaryForm(request.POST or None, instance=AssessmentNotice(summary=notice.summary))
    if request.method == "POST" and form.is_valid():
        summary = form.cleaned_data["summary"]
        try:
            if "publish" in request.POST:
                notice = notice_publish(notice=notice, by=request.user, summary=summary)
                messages.success(
                    request, _("通报已印发，文号序号 %(no)s，正在生成正式文件。") % {"no": notice.issue_no}
                )
            else:
                notice_summary_update(notice=notice, summary=summary, by=request.user)
                messages.success(request, _("已保存，正在重新生成文件。"))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect(reverse("reports:assessment", args=[notice.assessment_id]) + "#notices")
    return render(request, "reports/assessment/notice_edit.html", {"notice": notice, "form": form})


@login_required
@require_GET
def notice_status(request, notice_id):
    notice = get_assessment_notice_for_user(request.user, notice_id)
    return JsonResponse(
        {
            "id": notice.pk,
            "state": notice.state,
            "state_label": notice.get_state_display(),
            "progress": notice.progress,
            "message": notice.message,
            "error": notice.error,
        }
    )


@login_required
@require_GET
def notice_download(request, notice_id):
    notice = get_assessment_notice_for_user(request.user, notice_id)
    if not notice.docx:
        raise Http404(_("文件尚未生成。"))
    try:
        handle = notice.docx.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在。"))
    return file_response(Export(download_name(notice), DOCX_MIME, handle))
