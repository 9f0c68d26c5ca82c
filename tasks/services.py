"""Writes for tasks, reporting periods and progress reports."""

import datetime as dt

from django.db import transaction

from agencies.audit import audit_log

from .models import ReportingPeriod

# The office collects a quarter's progress in the days after it ends.
DEADLINE_DAYS_AFTER_QUARTER = 10
ENTRY_WINDOW_DAYS_BEFORE_END = 15


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    next_start = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def parse_period_label(label: str) -> tuple[int, int]:
    """'2026Q1' → (2026, 1); ValueError for anything else."""
    label = (label or "").strip().upper()
    if len(label) != 6 or label[4] != "Q" or not label[:4].isdigit() or label[5] not in "1234":
        raise ValueError(f"季度应写作 YYYYQn，如 2026Q1：{label!r}")
    return int(label[:4]), int(label[5])


@transaction.atomic
def period_get_or_create(*, plan, year: int, quarter: int, by=None) -> ReportingPeriod:
    period = ReportingPeriod.objects.filter(plan=plan, year=year, quarter=quarter).first()
    if period is not None:
        return period
    starts_on, ends_on = quarter_bounds(year, quarter)
    period = ReportingPeriod(
        plan=plan,
        year=year,
        quarter=quarter,
        label=f"{year}Q{quarter}",
        starts_on=starts_on,
        ends_on=ends_on,
        opens_on=ends_on - dt.timedelta(days=ENTRY_WINDOW_DAYS_BEFORE_END),
        deadline=ends_on + dt.timedelta(days=DEADLINE_DAYS_AFTER_QUARTER),
    )
    period.full_clean()
    period.save()
    audit_log(actor=by, action="period.create", target=period, plan=plan)
    return period


def periods_ensure(*, plan, first: str, last: str, by=None) -> list[ReportingPeriod]:
    """Every quarter from `first` to `last` (labels), created where missing."""
    year, quarter = parse_period_label(first)
    end = parse_period_label(last)
    periods = []
    while (year, quarter) <= end:
        periods.append(period_get_or_create(plan=plan, year=year, quarter=quarter, by=by))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return periods
