"""A plan's reporting schedule (填报安排): which quarters it reports and by which rule.

The office of a newly imported plan sets the schedule once (first and last quarter,
季后N日 deadline, entry window, quarters with indicator values) and the quarters are
created. Setting it again creates only the missing quarters, moves the dates of
quarters still ahead, and removes only quarters outside the range that hold nothing.
This module stores the schedule; the quarters, their labels and dates are written by
tasks.periods, with the rule stored here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields
from tasks.periods import (
    DEADLINE_DAYS,
    WINDOW_DAYS,
    PeriodRule,
    label_parse,
    period_label,
    periods_align,
    quarter_of,
    quarters_between,
)

from .models import PlanSchedule

# One schedule covers at most a five-year plan and a little more.
MAX_QUARTERS = 48


def schedule_of(plan) -> PlanSchedule | None:
    return PlanSchedule.objects.filter(plan=plan).first()


def unscheduled_quarters(plan, labels, today) -> list[str]:
    """填报安排缺失的季度: the quarters of the plan's years (起始–截止年份, or its 年度) that
    have begun by `today` and that no reporting quarter of the plan (`labels`) covers.
    Quarters still ahead are left out: the office schedules them when it likes, while a
    quarter under way with no schedule is one nobody can report on."""
    first = plan.start_year or plan.plan_year
    last = plan.end_year or plan.plan_year or first
    if first is None:
        return []
    last = min((last, 4), quarter_of(today))
    taken = set(labels)
    return [period_label(*q) for q in quarters_between((first, 1), last) if period_label(*q) not in taken]


def _facts(schedule) -> dict:
    if schedule is None:
        return {}
    return {
        "first_period": schedule.first_period,
        "last_period": schedule.last_period,
        "deadline_days": schedule.deadline_days,
        "window_days": schedule.window_days,
        "indicator_quarters": schedule.indicator_quarters,
    }


@transaction.atomic
def plan_schedule_set(
    *,
    plan,
    first_period: str,
    last_period: str,
    deadline_days: int = DEADLINE_DAYS,
    window_days: int = WINDOW_DAYS,
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
    rule = PeriodRule(deadline_days=deadline_days, window_days=window_days)
    rule.check()
    quarters = sorted({int(q) for q in indicator_quarters or []})
    if any(q not in (1, 2, 3, 4) for q in quarters):
        raise ValidationError({"indicator_quarters": _("需报指标值的季度应为 1–4。")})

    schedule = PlanSchedule.objects.select_for_update().filter(plan=plan).first()
    before = _facts(schedule)
    schedule = schedule or PlanSchedule(plan=plan)
    schedule.first_period = period_label(*start)
    schedule.last_period = period_label(*end)
    schedule.deadline_days = deadline_days
    schedule.window_days = window_days
    schedule.indicator_quarters = quarters
    schedule.full_clean()
    schedule.save()
    # The plan object may hold the schedule it had before (or its absence) in its cache.
    plan.schedule = schedule

    result = {"schedule": schedule, **periods_align(plan=plan, wanted=wanted, rule=rule, by=by)}
    changes = diff_fields(before, _facts(schedule))
    changes["periods_created"] = [None, len(result["created"])]
    audit_log(actor=by, action="plan.schedule", target=schedule, plan=plan, changes=changes)
    return result
