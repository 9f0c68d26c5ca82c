"""催办 pages of the office: the confirmation with its message, and the plan's agencies."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency
from carbonplan.access import get_office_plan
from tasks.models import ReportingPeriod, TaskAssignment
from tasks.periods import choose_period

from .chases import MESSAGE_MAX_LENGTH, chase_default_message, chase_send, late_rows_by_agency
from .reminders import chase_counts, missing_summary


def _period(request, plan):
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("-year", "-quarter"))
    choice = choose_period(periods, request.GET.get("period") or request.POST.get("period"))
    if choice.notice:
        messages.warning(request, choice.notice)
    return periods, choice.period


class ChaseForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("催办单位"),
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个单位。")},
    )
    message = forms.CharField(
        label=gettext_lazy("催办内容"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": gettext_lazy("请填写催办内容。")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, late: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = Agency.objects.filter(pk__in=list(late)).order_by("name")
        self.fields["agencies"].label_from_instance = lambda a: (
            _("%(name)s（%(what)s未报送）") % {"name": a.name, "what": missing_summary(late[a.pk])}
        )


def _back(request, plan, period) -> str:
    """Where the office came from (the task page, the agency list), else the 未报清单."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return f"{reverse('reports:missing', args=[plan.pk])}?period={period.label}"


@login_required
@require_http_methods(["GET", "POST"])
def chase(request, plan_id):
    """Chase one late agency (?agency=) or every late one, with a message to confirm."""
    plan = get_office_plan(request.user, plan_id)
    periods, period = _period(request, plan)
    if period is None:
        messages.info(request, _("该方案还没有设置填报季度。"))
        return redirect("reports:missing", plan.pk)
    late = late_rows_by_agency(plan=plan, period=period)
    back = _back(request, plan, period)
    if request.method == "POST":
        form = ChaseForm(request.POST, late=late)
        if form.is_valid():
            try:
                outcome = chase_send(
                    plan=plan,
                    period=period,
                    agencies=list(form.cleaned_data["agencies"]),
                    message=form.cleaned_data["message"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _tell(request, outcome)
                return redirect(back)
    else:
        asked = {a for a in request.GET.getlist("agency") if a.isdigit()}
        initial_agencies = [pk for pk in late if str(pk) in asked] if asked else list(late)
        form = ChaseForm(
            initial={
                "agencies": initial_agencies,
                "message": chase_default_message(plan=plan, period=period),
            },
            late=late,
        )
    return render(
        request,
        "reports/chase.html",
        {"plan": plan, "period": period, "periods": periods, "form": form, "late": late, "next": back},
    )


def _tell(request, outcome):
    if outcome.sent:
        messages.success(
            request,
            _("已向 %(names)s 发送催办。") % {"names": "、".join(c.agency.name for c in outcome.sent)},
        )
    if outcome.already_today:
        messages.warning(
            request,
            _("%(names)s 今天已催办过，未重复发送。")
            % {"names": "、".join(a.name for a in outcome.already_today)},
        )
    if outcome.nothing_missing:
        messages.info(
            request,
            _("%(names)s 已全部提交，无需催办。")
            % {"names": "、".join(a.name for a in outcome.nothing_missing)},
        )


@login_required
@require_GET
def plan_agencies(request, plan_id):
    """The plan's agencies: their tasks, what they still owe this quarter, the chases."""
    plan = get_office_plan(request.user, plan_id)
    periods, period = _period(request, plan)
    chased = chase_counts(period) if period else None
    late = late_rows_by_agency(plan=plan, period=period, chased=chased) if period else {}
    agencies = (
        Agency.objects.filter(
            assignments__task__action__plan=plan, assignments__task__archived_at__isnull=True
        )
        .annotate(
            lead_tasks=Count("assignments", filter=Q(assignments__role=TaskAssignment.Role.LEAD)),
            all_tasks=Count("assignments"),
        )
        .order_by("name")
    )
    rows = [
        {
            "agency": a,
            "lead_tasks": a.lead_tasks,
            "all_tasks": a.all_tasks,
            "late": len(late.get(a.pk, [])),
            "chased": chased.text(a.pk) if period else "",
        }
        for a in agencies
    ]
    return render(
        request,
        "reports/plan_agencies.html",
        {"plan": plan, "period": period, "periods": periods, "rows": rows, "late_count": len(late)},
    )
