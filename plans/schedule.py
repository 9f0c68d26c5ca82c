"""A plan's reporting schedule: the quarters it reports and when each is due.

The office of a newly imported plan sets the schedule once (first and last quarter,
季后N日 deadline, entry window, quarters with indicator values) and the quarters are
created. Setting it again creates only the missing quarters, moves the dates of
quarters still ahead, and removes only quarters outside the range that hold nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields
from tasks.models import ReportingPeriod
from tasks.services import period_build, today_local

from .models import PlanSchedule

LABEL_RE = re.compile(r"^\d{4}Q[1-4]$")
YEAR_MIN, YEAR_MAX = 2000, 2100
# One schedule covers at most a five-year plan and a little more.
MAX_QUARTERS = 48
DEFAULT_DEADLINE_DAYS = 10
DEFAULT_WINDOW_DAYS = 25


def label_parse(label, *, field: str = "label") -> tuple[int, int]:
    """'2027Q1' → (2027, 1); a ValidationError on `field` with a message for the user."""
    text = str(label or "").strip().upper()
    if not LABEL_RE.match(text):
        raise ValidationError({field: _("季度应写作“年份Q季度”，如 2027Q1。")})
    year, quarter = int(text[:4]), int(text[5])
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            {field: _("年份应在 %(min)d–%(max)d 之间。") % {"min": YEAR_MIN, "max": YEAR_MAX}}
        )
    return year, quarter


def quarters_between(first: tuple[int, int], last: tuple[int, int]):
    year, quarter = first
    while (year, quarter) <= last:
        yield year, quarter
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def schedule_of(plan) -> PlanSchedule | None:
    return PlanSchedule.objects.filter(plan=plan).first()


def period_with_dates(*, plan, year: int, quarter: int, deadline_days: int, window_days: int):
    """An unsaved quarter: the default builder's bounds, then the schedule's 季后N日
    deadline and an entry window of `window_days` days before it."""
    period = period_build(plan=plan, year=year, quarter=quarter)
    period.deadline = period.ends_on + dt.timedelta(days=deadline_days)
    period.opens_on = period.deadline - dt.timedelta(days=window_days)
    return period


def _check_rules(deadline_days, window_days):
    errors = {}
    if deadline_days is None or not 0 <= deadline_days <= 90:
        errors["deadline_days"] = _("季后报送天数应在 0–90 之间。")
    if window_days is None or not 1 <= window_days <= 120:
        errors["window_days"] = _("填报窗口天数应在 1–120 之间。")
    if errors:
        raise ValidationError(errors)


def _has_content(period) -> bool:
    from indicators.models import IndicatorValue
    from tasks.models import ProgressReport

    return (
        ProgressReport.objects.filter(period=period).exists()
        or IndicatorValue.objects.filter(period=period).exists()
    )


@transaction.atomic
def plan_schedule_set(
    *,
    plan,
    first_period: str,
    last_period: str,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    indicator_quarters=(2, 4),
    by,
) -> dict:
    """Save the plan's schedule and bring its quarters in line, idempotently.

    Returns {"schedule", "created", "updated", "removed", "kept"} (lists of labels).
    Quarters with progress reports or indicator values are never removed, and the
    dates of a quarter already closed or past its deadline are left as they are."""
    start = label_parse(first_period, field="first_period")
    end = label_parse(last_period, field="last_period")
    if end < start:
        raise ValidationError({"last_period": _("最后一个季度不能早于第一个季度。")})
    wanted = list(quarters_between(start, end))
    if len(wanted) > MAX_QUARTERS:
        raise ValidationError({"last_period": _("一次最多安排 %(n)d 个季度。") % {"n": MAX_QUARTERS}})
    _check_rules(deadline_days, window_days)
    quarters = sorted({int(q) for q in indicator_quarters or []})
    if any(q not in (1, 2, 3, 4) for q in quarters):
        raise ValidationError({"indicator_quarters": _("需报指标值的季度应为 1–4。")})

    schedule = PlanSchedule.objects.select_for_update().filter(plan=plan).first()
    before = (
        {
            "first_period": schedule.first_period,
            "last_period": schedule.last_period,
            "deadline_days": schedule.deadline_days,
            "window_days": schedule.window_days,
            "indicator_quarters": schedule.indicator_quarters,
        }
        if schedule
        else {}
    )
    schedule = schedule or PlanSchedule(plan=plan)
    schedule.first_period = f"{start[0]}Q{start[1]}"
    schedule.last_period = f"{end[0]}Q{end[1]}"
    schedule.deadline_days = deadline_days
    schedule.window_days = window_days
    schedule.indicator_quarters = quarters
    schedule.full_clean()
    schedule.save()

    existing = {(p.year, p.quarter): p for p in ReportingPeriod.objects.select_for_update().filter(plan=plan)}
    today = today_local()
    result = {"schedule": schedule, "created": [], "updated": [], "removed": [], "kept": []}
    for year, quarter in wanted:
        fresh = period_with_dates(
            plan=plan, year=year, quarter=quarter, deadline_days=deadline_days, window_days=window_days
        )
        period = existing.get((year, quarter))
        if period is None:
            fresh.full_clean()
            fresh.save()
            audit_log(actor=by, action="period.create", target=fresh, plan=plan)
            result["created"].append(fresh.label)
        elif (
            not period.is_closed
            and period.deadline >= today
            and ((period.opens_on, period.deadline) != (fresh.opens_on, fresh.deadline))
        ):
            old = {"opens_on": period.opens_on, "deadline": period.deadline}
            period.opens_on, period.deadline = fresh.opens_on, fresh.deadline
            period.full_clean()
            period.save(update_fields=["opens_on", "deadline"])
            new = {"opens_on": period.opens_on, "deadline": period.deadline}
            audit_log(
                actor=by, action="period.dates", target=period, plan=plan, changes=diff_fields(old, new)
            )
            result["updated"].append(period.label)
    for key, period in sorted(existing.items()):
        if key in wanted:
            continue
        if _has_content(period):
            result["kept"].append(period.label)
            continue
        audit_log(actor=by, action="period.delete", target=period, plan=plan)
        period.delete()
        result["removed"].append(period.label)
    after = {
        "first_period": schedule.first_period,
        "last_period": schedule.last_period,
        "deadline_days": schedule.deadline_days,
        "window_days": schedule.window_days,
        "indicator_quarters": schedule.indicator_quarters,
    }
    changes = diff_fields(before, after)
    changes["periods_created"] = [None, len(result["created"])]
    audit_log(actor=by, action="plan.schedule", target=schedule, plan=plan, changes=changes)
    return result


@transaction.atomic
def plan_period_add(*, plan, label, by, opens_on=None, deadline=None) -> ReportingPeriod:
    """One quarter added by the office (POST /api/periods/). Dates left out follow the
    plan's schedule, or the default rule when it has none."""
    year, quarter = label_parse(label)
    canonical = f"{year}Q{quarter}"
    if ReportingPeriod.objects.filter(plan=plan, year=year, quarter=quarter).exists():
        raise ValidationError({"label": _("该方案已有季度 %(label)s。") % {"label": canonical}})
    schedule = schedule_of(plan)
    period = period_with_dates(
        plan=plan,
        year=year,
        quarter=quarter,
        deadline_days=schedule.deadline_days if schedule else DEFAULT_DEADLINE_DAYS,
        window_days=schedule.window_days if schedule else DEFAULT_WINDOW_DAYS,
    )
    if deadline is not None:
        period.deadline = deadline
    if opens_on is not None:
        period.opens_on = opens_on
    elif deadline is not None and period.opens_on > deadline:
        period.opens_on = period.starts_on
    period.full_clean()
    period.save()
    audit_log(actor=by, action="period.create", target=period, plan=plan)
    return period
