"""The pages that get a newly imported plan running without an administrator: its
reporting schedule, its agencies' accounts, and the choice offered when an upload
repeats a plan already imported."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.accounts import (
    account_password_reset,
    account_set_active,
    accounts_sheet,
    agency_accounts,
    agency_accounts_create,
    plan_agencies,
    plan_staff_account,
)
from carbonplan.access import get_import_for_user, get_plan_for_user
from carbonplan.downloads import file_response
from tasks.consolidation import ReviewPolicy
from tasks.models import ReportingPeriod
from tasks.periods import period_label, quarter_of, today_local

from .duplicates import duplicate_message, import_duplicates, plan_import_as_revision
from .import_services import plan_import_discard
from .schedule import plan_schedule_set, schedule_of, unscheduled_quarters
from .services import plan_set_review_mode
from .setup_forms import AccountsForm, ReviewModeForm, ScheduleForm


def _schedule_initial(plan):
    schedule = schedule_of(plan)
    if schedule is not None:
        return {
            "first_period": schedule.first_period,
            "last_period": schedule.last_period,
            "deadline_days": schedule.deadline_days,
            "window_days": schedule.window_days,
            "indicator_quarters": schedule.indicator_quarters,
        }
    today = today_local()
    return {
        "first_period": period_label(*quarter_of(today)),
        "last_period": f"{max(plan.end_year or today.year, today.year)}Q4",
    }


@login_required
def plan_schedule(request, pk):
    """填报安排: the office sets which quarters the plan reports and when they are due."""
    plan = get_plan_for_user(request.user, pk, office=True)
    if request.method == "POST" and request.POST.get("form") == "review_mode":
        return _review_mode(request, plan)
    form = ScheduleForm(request.POST or None, initial=_schedule_initial(plan))
    if request.method == "POST" and form.is_valid():
        try:
            result = plan_schedule_set(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("填报安排已保存：新建 %(created)d 个季度，调整 %(updated)d 个，删除 %(removed)d 个。")
                % {k: len(result[k]) for k in ("created", "updated", "removed")},
            )
            if result["kept"]:
                messages.warning(
                    request,
                    _("以下季度已有填报，未删除：%(labels)s") % {"labels": "、".join(result["kept"])},
                )
            return redirect("plans:schedule", pk=plan.pk)
    schedule = schedule_of(plan)
    periods = list(ReportingPeriod.objects.of_plan(plan).order_by("year", "quarter"))
    rows = [(p, schedule.needs_indicator_values(p.quarter) if schedule else False) for p in periods]
    unscheduled = unscheduled_quarters(plan, [p.label for p in periods], today_local())
    return render(
        request,
        "plans/schedule.html",
        {
            "plan": plan,
            "form": form,
            "rows": rows,
            "unscheduled": unscheduled,
            "schedule": schedule,
            "mode_form": ReviewModeForm(initial={"review_mode": ReviewPolicy.of(plan).mode}),
        },
        status=400 if form.errors else 200,
    )


def _review_mode(request, plan):
    form = ReviewModeForm(request.POST)
    if form.is_valid():
        try:
            plan_set_review_mode(plan=plan, review_mode=form.cleaned_data["review_mode"], by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("审核方式已改为：%(mode)s") % {"mode": ReviewPolicy.of(plan).label})
    else:
        messages.error(request, _("请选择审核方式。"))
    return redirect("plans:schedule", pk=plan.pk)


@login_required
def plan_accounts(request, pk):
    """单位账号: one step creates the accounts of the plan's agencies (and of invited
    staff); the answer is the sheet of usernames and one-time passwords."""
    plan = get_plan_for_user(request.user, pk, office=True)
    form = AccountsForm(request.POST or None, agencies=plan_agencies(plan))
    if request.method == "POST" and form.is_valid():
        try:
            rows = agency_accounts_create(
                plan=plan, by=request.user, invitations=form.cleaned_data["invitations"]
            )
        except ValidationError as exc:
            form.add_error("invitations", exc)
        else:
            if rows:
                return file_response(accounts_sheet(plan=plan, rows=rows))
            messages.info(request, _("所有单位都已有账号，没有新建账号。"))
            return redirect("plans:accounts", pk=plan.pk)
    agencies = agency_accounts(plan)
    accounts = [account for row in agencies for account in row["accounts"]]
    return render(
        request,
        "plans/accounts.html",
        {
            "plan": plan,
            "form": form,
            "agencies": agencies,
            "never_logged_in": sum(1 for a in accounts if a["never_logged_in"] and a["active"]),
            "active_accounts": sum(1 for a in accounts if a["active"]),
        },
        status=400 if form.errors else 200,
    )


def _staff_account(request, pk, user_id):
    plan = get_plan_for_user(request.user, pk, office=True)
    found = plan_staff_account(plan=plan, user_id=user_id)
    if found is None:
        raise Http404
    return plan, *found


@login_required
@require_POST
def plan_account_reset(request, pk, user_id):
    """A new one-time password for an agency's account, shown once on this answer
    (never stored, never cached) with the accounts sheet holding it."""
    plan, user, agency = _staff_account(request, pk, user_id)
    try:
        row = account_password_reset(plan=plan, user=user, agency=agency, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("plans:accounts", pk=plan.pk)
    sheet = accounts_sheet(plan=plan, rows=[row])
    response = render(
        request,
        "plans/account_reset.html",
        {
            "plan": plan,
            "row": row,
            "sheet_name": sheet.filename,
            "sheet_href": f"data:{sheet.content_type};base64,{base64.b64encode(sheet.content).decode()}",
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def plan_account_active(request, pk, user_id):
    """停用 the account of a person who left (active=0), or 启用 it again (active=1)."""
    plan, user, agency = _staff_account(request, pk, user_id)
    active = request.POST.get("active") == "1"
    if account_set_active(plan=plan, user=user, agency=agency, active=active, by=request.user):
        done = _("已启用账号 %(username)s。") if active else _("已停用账号 %(username)s，该账号不能再登录。")
        messages.success(request, done % {"username": user.username})
    return redirect("plans:accounts", pk=plan.pk)


@login_required
def import_duplicate(request, pk):
    """The upload repeats a plan: import it as that plan's revision, or cancel."""
    plan_import = get_import_for_user(request.user, pk)
    duplicates = import_duplicates(plan_import, request.user)
    if not duplicates:
        return redirect("plans:import_review", pk=plan_import.pk)
    if request.method == "POST":
        choice = request.POST.get("action")
        if choice == "cancel":
            plan_import_discard(plan_import=plan_import, by=request.user)
            messages.info(request, _("已取消导入“%(name)s”。") % {"name": plan_import.original_name})
            return redirect("plans:import_list")
        if choice == "revision":
            chosen = next((p for p in duplicates if str(p.pk) == request.POST.get("plan")), None)
            if chosen is None:
                messages.error(request, _("请选择要修订的方案。"))
                return redirect("plans:import_duplicate", pk=plan_import.pk)
            plan_import_as_revision(plan_import=plan_import, plan=chosen, by=request.user)
            plan = chosen
            messages.success(
                request, _("将作为“%(title)s”的修订版导入，请核对后确认。") % {"title": plan.title}
            )
            return redirect("plans:import_review", pk=plan_import.pk)
    return render(
        request,
        "plans/import_duplicate.html",
        {"imp": plan_import, "duplicates": duplicates, "message": duplicate_message(duplicates)},
    )
