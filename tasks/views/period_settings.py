"""The office's settings of a quarter: dates, closing, reopening for one agency."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from agencies.models import Agency
from carbonplan.access import get_plan_for_user

from ..forms import PeriodDatesForm, ReopenForm
from ..models import ReportingPeriod
from ..periods import period_close, period_open, period_reopen_for_agency, period_set_dates
from .access import get_plan_queryset


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
                messages.success(request, _("%(label)s 已关闭填报。") % {"label": period.display_name})
                return redirect("tasks:period_settings", period.pk)
            elif action == "open":
                period_open(period=period, by=request.user)
                messages.success(request, _("%(label)s 已重新开放填报。") % {"label": period.display_name})
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
