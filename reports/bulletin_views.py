"""Pages of the office's supervision work: bulletins, the 未报清单, warning rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carbonplan.access import (
    Viewer,
    get_bulletin_for_user,
    get_office_plan,
    get_supervised_plan,
    office_plans,
    supervised_plans,
)
from carbonplan.downloads import DOCX_MIME, PDF_MIME, XLSX_MIME, Export, file_response
from tasks.models import ReportingPeriod
from tasks.periods import choose_period

from .bulletin import download_name
from .bulletin_pending import pending_bulletins
from .bulletin_runs import retry_by, stalled_since
from .chases import chase_log
from .counts import period_counts
from .exporters import MissingXlsx
from .lights import rule_for_plan
from .models import Bulletin, WarningRule
from .reminders import MISSING_KINDS, missing_rows
from .services import bulletin_publish, bulletin_request, bulletin_summary_update, warning_rule_update

FORMATS = {"pdf": PDF_MIME, "docx": DOCX_MIME, "xlsx": XLSX_MIME}


def _periods(plan):
    return list(ReportingPeriod.objects.filter(plan=plan).order_by("-year", "-quarter"))


def _chosen_period(request, periods):
    """The quarter asked for (?period=2026Q1), else the latest due, as on every page."""
    choice = choose_period(periods, request.GET.get("period"))
    if choice.notice:
        messages.warning(request, choice.notice)
    return choice.period


def _with_stall(b: Bulletin, now) -> Bulletin:
    """The bulletin with `stalled_since` and `retry_by` set when its run has stopped
    moving (reports/bulletin_runs.py), for the list and its polling."""
    b.stalled_since = stalled_since(b, now)
    b.retry_by = retry_by(b) if b.stalled_since else None
    return b


def stall_message(b: Bulletin) -> str:
    return _("自 %(since)s 起没有进展（后台任务中断），将于 %(retry)s 前自动重新生成。") % {
        "since": timezone.localtime(b.stalled_since).strftime("%H:%M:%S"),
        "retry": timezone.localtime(b.retry_by).strftime("%H:%M"),
    }


def _bulletin_row(b: Bulletin) -> dict:
    _with_stall(b, timezone.now())
    return {
        "id": b.pk,
        "state": b.state,
        "state_label": _("已停滞") if b.stalled_since else b.get_state_display(),
        "progress": b.progress,
        "message": stall_message(b) if b.stalled_since else b.message,
        "error": b.error,
        "files": {f: reverse("reports:bulletin-download", args=[b.pk, f]) for f in FORMATS if getattr(b, f)},
    }


@login_required
@require_GET
def bulletin_index(request):
    """督查通报: the plans the user supervises, with their latest bulletins."""
    plans = list(supervised_plans(request.user).order_by("region__name", "title"))
    latest = {}
    rows = (
        Bulletin.objects.filter(plan__in=[p.pk for p in plans])
        .values("plan_id")
        .annotate(last=Max("created_at"))
    )
    for row in rows:
        latest[row["plan_id"]] = row["last"]
    counts = {}
    for plan_id in Bulletin.objects.filter(plan__in=[p.pk for p in plans]).values_list("plan_id", flat=True):
        counts[plan_id] = counts.get(plan_id, 0) + 1
    items = [{"plan": p, "last": latest.get(p.pk), "count": counts.get(p.pk, 0)} for p in plans]
    return render(request, "reports/bulletin_index.html", {"items": items})


@login_required
@require_GET
def plan_bulletins(request, plan_id):
    plan = get_supervised_plan(request.user, plan_id)
    viewer = Viewer.of(request.user)
    now = timezone.now()
    bulletins = [
        _with_stall(b, now)
        for b in Bulletin.objects.filter(plan=plan)
        .select_related("period", "requested_by")
        .order_by("-period__year", "-period__quarter", "-version")
    ]
    periods = _periods(plan)
    default_period = _chosen_period(request, periods)
    # ?pending=1: only what waits to be issued, as the office's home counts it.
    pending = pending_bulletins({plan.pk: periods}, timezone.localdate()).get(plan.pk, [])
    only_pending = request.GET.get("pending") == "1"
    if only_pending:
        waiting = {(item.period.pk, item.version) for item in pending}
        bulletins = [b for b in bulletins if (b.period_id, b.version) in waiting]
    return render(
        request,
        "reports/plan_bulletins.html",
        {
            "plan": plan,
            "bulletins": bulletins,
            "periods": periods,
            "default_period": default_period,
            "is_office": viewer.is_office_of(plan),
            "only_pending": only_pending,
            "to_make": [item.period for item in pending if item.to_make],
            "pending": [
                b.pk for b in bulletins if b.state in (Bulletin.State.QUEUED, Bulletin.State.RUNNING)
            ],
        },
    )


@login_required
@require_POST
def bulletin_generate(request, plan_id):
    plan = get_office_plan(request.user, plan_id)
    periods = _periods(plan)
    label = (request.POST.get("period") or "").strip().upper()
    period = next((p for p in periods if p.label == label), None)
    if period is None:
        messages.error(request, _("请选择要生成通报的季度。"))
        return redirect("reports:plan-bulletins", plan.pk)
    try:
        bulletin = bulletin_request(plan=plan, period=period, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("reports:plan-bulletins", plan.pk)
    messages.success(
        request,
        _("已开始生成 %(period)s 督查通报第 %(version)s 版。")
        % {"period": period.display_name, "version": bulletin.version},
    )
    return redirect("reports:plan-bulletins", plan.pk)


class BulletinSummaryForm(forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request, bulletin_id):
    """The office reads a version, rewrites its 总体情况 paragraph and issues it."""
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    plan = get_office_plan(request.user, bulletin.plan_id)
    form = BulletinSummaryForm(request.POST or None, instance=Bulletin(summary=bulletin.summary))
    if request.method == "POST" and form.is_valid():
        try:
            if "publish" in request.POST:
                summary = form.cleaned_data["summary"]
                bulletin = bulletin_publish(bulletin=bulletin, by=request.user, summary=summary)
                messages.success(
                    request,
                    _("通报已印发：%(year)s年第%(no)s期，正在生成正式文件。")
                    % {"year": bulletin.issue_year, "no": bulletin.issue_no},
                )
            else:
                bulletin_summary_update(
                    bulletin=bulletin, summary=form.cleaned_data["summary"], by=request.user
                )
                messages.success(request, _("总体情况已保存，正在重新生成文件。"))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect("reports:plan-bulletins", plan.pk)
    return render(request, "reports/bulletin_edit.html", {"plan": plan, "bulletin": bulletin, "form": form})


@login_required
@require_GET
def bulletin_status(request, bulletin_id):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    return JsonResponse(_bulletin_row(bulletin))


@login_required
@require_GET
def bulletin_download(request, bulletin_id, fmt):
    if fmt not in FORMATS:
        raise Http404
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    field = getattr(bulletin, fmt)
    if not field:
        raise Http404(_("该格式的文件尚未生成。"))
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在。"))
    return file_response(Export(download_name(bulletin, fmt), FORMATS[fmt], handle))


@login_required
@require_GET
def missing_index(request):
    plans = list(office_plans(request.user).order_by("region__name", "title"))
    if not plans:
        raise Http404
    if len(plans) == 1:
        return redirect("reports:missing", plans[0].pk)
    return render(request, "reports/missing_index.html", {"plans": plans})


@login_required
@require_GET
def missing_list(request, plan_id):
    """未报清单 of a plan and quarter, for the office; ?format=xlsx for Excel."""
    plan = get_office_plan(request.user, plan_id)
    periods = _periods(plan)
    period = _chosen_period(request, periods)
    rows = missing_rows(plan=plan, period=period) if period else []
    kind = request.GET.get("kind", "")
    if kind in MISSING_KINDS:
        rows = [row for row in rows if row["kind"] == kind]
    else:
        kind = ""
    if request.GET.get("format") == "xlsx" and period:
        return file_response(MissingXlsx().export({"plan": plan, "period": period, "rows": rows}))
    agencies = {}
    for row in rows:
        agencies.setdefault(row["agency"], []).append(row)
    logs = chase_log(period) if period else []
    return render(
        request,
        "reports/missing.html",
        {
            "plan": plan,
            "periods": periods,
            "period": period,
            "rows": rows,
            "counts": period_counts(plan, period) if period else None,
            "agencies": agencies,
            "missing_reports": sum(1 for row in rows if not row["is_input"]),
            "missing_inputs": sum(1 for row in rows if row["is_input"]),
            "logs": logs,
            "kind": kind,
            "kinds": MISSING_KINDS.items(),
        },
    )


class WarningRuleForm(forms.ModelForm):
    class Meta:
        model = WarningRule
        fields = [
            "red_behind_pct",
            "yellow_behind_pct",
            "yellow_returns",
            "red_when_missing_after_deadline",
            "red_when_lagging",
            "yellow_when_late",
        ]

    def clean(self):
        data = super().clean()
        red, yellow = data.get("red_behind_pct"), data.get("yellow_behind_pct")
        if red is not None and yellow is not None and yellow > red:
            self.add_error("yellow_behind_pct", _("黄灯阈值不能高于红灯阈值。"))
        for name in ("red_behind_pct", "yellow_behind_pct"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 100:
                self.add_error(name, _("阈值应在 0–100 之间。"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def warning_rule_edit(request, plan_id):
    plan = get_office_plan(request.user, plan_id)
    rule = rule_for_plan(plan.pk)
    form = WarningRuleForm(
        request.POST or None, instance=WarningRule(plan=plan, pk=rule.pk, **_rule_values(rule))
    )
    if request.method == "POST" and form.is_valid():
        try:
            warning_rule_update(
                rule=rule if rule.pk else WarningRule(plan=plan), data=form.cleaned_data, by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("预警规则已保存，红黄绿灯将按新规则重新计算。"))
            return redirect("reports:warning-rule", plan.pk)
    return render(request, "reports/warning_rule.html", {"plan": plan, "form": form, "rule": rule})


def _rule_values(rule):
    return {name: getattr(rule, name) for name in WarningRuleForm.Meta.fields}
