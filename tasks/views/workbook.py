"""The offline workbook: an agency's quarter as Excel, and its upload."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from carbonplan.downloads import file_response

from ..forms import UploadForm
from ..workbook import AgencyQuarterWorkbook, WorkbookInvalid, workbook_apply
from .access import agency_period


@login_required
def workbook_download(request, period_id):
    period, agency = agency_period(request.user, period_id)
    return file_response(AgencyQuarterWorkbook(agency=agency, period=period).export())


@login_required
def workbook_upload(request, period_id):
    period, agency = agency_period(request.user, period_id)
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
