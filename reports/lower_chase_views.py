"""上级催办 page of a plan below: its history for both sides (the upper offices that chase
and the plan's own office and leaders), and for an upper office the form to chase the
plan's office about a task handed down and not yet answered, or about a quarter's late
reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carbonplan.access_chain import get_plan_for_lower_chase, may_chase_lower
from tasks.handdown_answer import waiting_hand_downs
from tasks.models import HandDown, ReportingPeriod
from tasks.periods import latest_due

from .chases import MESSAGE_MAX_LENGTH, late_rows_by_agency
from .lower_chases import lower_chase_default_message, lower_chase_history, lower_chase_send


def _back(request, plan) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("reports:lower-chases", args=[plan.pk])


def _subject(request, plan):
    """The hand-down or quarter the POST names, of this plan: (hand_down, period)."""
    kind, ident = request.POST.get("kind", ""), request.POST.get("subject", "")
    if not ident.isdigit() or len(ident) > 18:
        raise ValidationError(_("请选择催办事项。"))
    if kind == "hand_down":
        hand_down = HandDown.objects.select_related("task__action").filter(pk=ident, plan=plan).first()
        if hand_down is not None:
            return hand_down, None
    elif kind == "reports":
        period = ReportingPeriod.objects.filter(pk=ident, plan=plan).first()
        if period is not None:
            return None, period
    raise ValidationError(_("请选择催办事项。"))


@login_required
@require_http_methods(["GET", "POST"])
def lower_chases(request, plan_id):
    plan = get_plan_for_lower_chase(request.user, plan_id, write=request.method == "POST")
    if request.method == "POST":
        try:
            hand_down, period = _subject(request, plan)
            message = request.POST.get("message", "")
            if not message.strip():
                message = lower_chase_default_message(plan=plan, hand_down=hand_down, period=period)
            lower_chase_send(plan=plan, by=request.user, message=message, hand_down=hand_down, period=period)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已向%(plan)s专班办公室发送催办。") % {"plan": plan.title})
        return redirect(_back(request, plan))
    may_chase = may_chase_lower(request.user, plan)
    waiting = waiting_hand_downs([plan.pk])
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter"))
    current = latest_due(periods, timezone.localdate())
    late = late_rows_by_agency(plan=plan, period=current) if current is not None and may_chase else {}
    return render(
        request,
        "reports/lower_chases.html",
        {
            "plan": plan,
            "may_chase": may_chase,
            "waiting": [(hd, lower_chase_default_message(plan=plan, hand_down=hd)) for hd in waiting],
            "period": current,
            "late": late,
            "late_message": lower_chase_default_message(plan=plan, period=current) if late else "",
            "history": lower_chase_history(plan),
            "max_length": MESSAGE_MAX_LENGTH,
        },
    )
