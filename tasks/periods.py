"""Which quarter a page shows: the one asked for (`?period=2026Q1`), else the page's
default quarter. Every page chooses the same way, and a quarter that does not exist is
answered the same way everywhere: the default quarter with a visible notice naming
what was asked for (a download, which cannot carry a notice, refuses it instead).

Two defaults, for the two sides of the work:
* latest_due — what the office supervises and leaders read: the latest quarter whose
  reporting deadline has passed, else the latest that has started, else the first.
* latest_open — what agencies fill in and the office reviews: the latest quarter whose
  entry window has opened and is not closed, else the latest opened, else the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PeriodReopening, ReportingPeriod


def _in_order(periods) -> list:
    return sorted(periods, key=lambda p: (p.year, p.quarter))


def latest_due(periods, today: dt.date):
    periods = _in_order(periods)
    past = [p for p in periods if p.deadline < today]
    started = [p for p in periods if p.starts_on <= today]
    if past or started:
        return (past or started)[-1]
    return periods[0] if periods else None


def latest_open(periods, today: dt.date):
    periods = _in_order(periods)
    opened = [p for p in periods if p.opens_on <= today]
    still_open = [p for p in opened if not p.is_closed]
    if still_open or opened:
        return (still_open or opened)[-1]
    return periods[0] if periods else None


@dataclass
class PeriodChoice:
    period: ReportingPeriod | None
    periods: list  # every quarter offered, oldest first
    notice: str = ""  # set when the quarter asked for does not exist

    @property
    def label(self) -> str:
        return self.period.label if self.period else ""


def unknown_period_notice(label: str) -> str:
    return _("没有找到季度“%(label)s”，已显示默认季度。季度应写作 YYYYQn，如 2026Q1。") % {
        "label": label[:20]
    }


def choose_period(
    periods,
    requested: str | None,
    *,
    default: Callable = latest_due,
    today: dt.date | None = None,
) -> PeriodChoice:
    """The quarter a page shows among `periods` (a plan's, or several plans' of the same
    labels): the one asked for, else default(periods, today), with a notice when the
    one asked for is not there."""
    periods = _in_order(periods)
    wanted = (requested or "").strip().upper()
    if wanted:
        for period in periods:
            if period.label == wanted:
                return PeriodChoice(period, periods)
    chosen = default(periods, today or timezone.localdate())
    return PeriodChoice(chosen, periods, unknown_period_notice(requested.strip()) if wanted else "")


def choose_plan_period(plan, requested: str | None, **kwargs) -> PeriodChoice:
    """choose_period among the plan's quarters: one query."""
    return choose_period(ReportingPeriod.objects.filter(plan=plan), requested, **kwargs)


# --- one agency's deadline --------------------------------------------------------------
def reopened_until(period) -> dict:
    """{agency id: date} the office reopened the quarter until, for each agency: one query."""
    return dict(PeriodReopening.objects.filter(period=period).values_list("agency_id", "until"))


def agency_deadline(period, reopened: dict, agency_id) -> dt.date:
    """An agency's deadline in a quarter: the quarter's, or the later day the office
    reopened the quarter until for that agency (reopened: as reopened_until returns)."""
    return max(period.deadline, reopened.get(agency_id, period.deadline))
