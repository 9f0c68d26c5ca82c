"""Reporting quarters (季度), written once: labels, bounds, the deadline and entry-window
rule, the writes that create and change quarters, when an agency may still write, and
which quarter a page shows.

The rule: a quarter is due 季后N日, N days after it ends (DEADLINE_DAYS), and its entry
window opens M days before that deadline (WINDOW_DAYS). A plan's schedule (填报安排,
plans.schedule) stores its own N and M; a plan without one follows the defaults here.

Which quarter a page shows: the one asked for (`?period=2026Q1`), else the page's
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
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields

from .models import PeriodReopening, ProgressReport, ReportingPeriod

# --- labels and bounds ---------------------------------------------------------------------
LABEL_RE = re.compile(r"^\d{4}Q[1-4]$")
YEAR_MIN, YEAR_MAX = 2000, 2100


def label_parse(label, *, field: str = "label") -> tuple[int, int]:
    """'2027Q1' (any case, spaces around) → (2027, 1); a ValidationError on `field` with a
    message for the user otherwise."""
    text = str(label or "").strip().upper()
    if not LABEL_RE.match(text):
        raise ValidationError({field: _("季度应写作“年份Q季度”，如 2027Q1。")})
    year, quarter = int(text[:4]), int(text[5])
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            {field: _("年份应在 %(min)d–%(max)d 之间。") % {"min": YEAR_MIN, "max": YEAR_MAX}}
        )
    return year, quarter


def period_label(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def previous_label(label: str) -> str | None:
    """The label of the quarter before ('2027Q1' → '2026Q4'); None for a malformed label."""
    m = re.fullmatch(r"(\d{4})Q([1-4])", label or "")
    if not m:
        return None
    year, quarter = int(m.group(1)), int(m.group(2))
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(year, quarter) of the quarter `day` falls in."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter."""
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    next_start = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def quarters_between(first: tuple[int, int], last: tuple[int, int]):
    """(year, quarter) from `first` to `last`, both included."""
    year, quarter = first
    while (year, quarter) <= last:
        yield year, quarter
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def today_local() -> dt.date:
    return timezone.localdate()


# --- the deadline and entry-window rule ----------------------------------------------------
# The office collects a quarter's progress in the days after it ends: 季后10日, with entry
# open from 25 days before that deadline (15 days before the quarter ends).
DEADLINE_DAYS = 10
WINDOW_DAYS = 25


@dataclass(frozen=True)
class PeriodRule:
    """季后N日 (deadline_days after the quarter ends) and an entry window of window_days
    days before the deadline."""

    deadline_days: int = DEADLINE_DAYS
    window_days: int = WINDOW_DAYS

    @classmethod
    def of_plan(cls, plan) -> PeriodRule:
        """The rule of the plan's schedule (填报安排), else the default rule."""
        schedule = getattr(plan, "schedule", None)  # no schedule: the reverse accessor fails
        if schedule is None:
            return cls()
        return cls(deadline_days=schedule.deadline_days, window_days=schedule.window_days)

    def check(self):
        """ValidationError naming the field of a rule out of bounds."""
        errors = {}
        if self.deadline_days is None or not 0 <= self.deadline_days <= 90:
            errors["deadline_days"] = _("季后报送天数应在 0–90 之间。")
        if self.window_days is None or not 1 <= self.window_days <= 120:
            errors["window_days"] = _("填报窗口天数应在 1–120 之间。")
        if errors:
            raise ValidationError(errors)

    def build(self, *, plan, year: int, quarter: int) -> ReportingPeriod:
        """An unsaved quarter of `plan` with this rule's deadline and entry window."""
        starts_on, ends_on = quarter_bounds(year, quarter)
        deadline = ends_on + dt.timedelta(days=self.deadline_days)
        return ReportingPeriod(
            plan=plan,
            year=year,
            quarter=quarter,
            label=period_label(year, quarter),
            starts_on=starts_on,
            ends_on=ends_on,
            opens_on=deadline - dt.timedelta(days=self.window_days),
            deadline=deadline,
        )


def period_build(*, plan, year: int, quarter: int) -> ReportingPeriod:
    """An unsaved quarter with the default deadline and entry window."""
    return PeriodRule().build(plan=plan, year=year, quarter=quarter)


# --- when an agency may still write --------------------------------------------------------
def _active_reopening(period, agency_id, day):
    for reopening in period.reopenings.all():
        if reopening.agency_id == agency_id and reopening.until >= day:
            return reopening
    return None


def period_check_writable(*, period: ReportingPeriod, agency_id, day: dt.date | None = None):
    """ValidationError unless the agency may still write in this quarter today."""
    day = day or today_local()
    if period.is_closed and _active_reopening(period, agency_id, day) is None:
        raise ValidationError(
            _("%(label)s 填报已关闭，不能再修改。如需补报，请联系专班办公室开放补报。")
            % {"label": period.display_name}
        )


def period_is_late(*, period: ReportingPeriod, agency_id, day: dt.date | None = None) -> bool:
    day = day or today_local()
    if day <= period.deadline:
        return False
    return _active_reopening(period, agency_id, day) is None


# --- one agency's deadline ----------------------------------------------------------------
def reopened_until(period) -> dict:
    """{agency id: date} the office reopened the quarter until, for each agency: one query."""
    return dict(PeriodReopening.objects.filter(period=period).values_list("agency_id", "until"))


def agency_deadline(period, reopened: dict, agency_id) -> dt.date:
    """An agency's deadline in a quarter: the quarter's, or the later day the office
    reopened the quarter until for that agency (reopened: as reopened_until returns)."""
    return max(period.deadline, reopened.get(agency_id, period.deadline))


# --- writes: creating quarters ---------------------------------------------------------------
@transaction.atomic
def period_get_or_create(*, plan, year: int, quarter: int, by=None) -> ReportingPeriod:
    """The plan's quarter, created with the plan's rule if missing."""
    period = ReportingPeriod.objects.filter(plan=plan, year=year, quarter=quarter).first()
    if period is not None:
        return period
    period = PeriodRule.of_plan(plan).build(plan=plan, year=year, quarter=quarter)
    period.full_clean()
    period.save()
    audit_log(actor=by, action="period.create", target=period, plan=plan)
    return period


@transaction.atomic
def period_add(*, plan, label, by, opens_on=None, deadline=None) -> ReportingPeriod:
    """One quarter added by the office (POST /api/periods/). Dates left out follow the
    plan's schedule, or the default rule when it has none."""
    year, quarter = label_parse(label)
    if ReportingPeriod.objects.filter(plan=plan, year=year, quarter=quarter).exists():
        raise ValidationError(
            {"label": _("该方案已有季度 %(label)s。") % {"label": period_label(year, quarter)}}
        )
    period = PeriodRule.of_plan(plan).build(plan=plan, year=year, quarter=quarter)
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


def _has_content(period) -> bool:
    from indicators.models import IndicatorValue

    return (
        ProgressReport.objects.filter(period=period).exists()
        or IndicatorValue.objects.filter(period=period).exists()
    )


@transaction.atomic
def periods_align(*, plan, wanted: list[tuple[int, int]], rule: PeriodRule, by) -> dict:
    """Bring the plan's quarters in line with a schedule, idempotently: create the wanted
    quarters that are missing, move the dates of those still ahead to `rule`, and delete
    the quarters outside `wanted` that hold nothing. Returns {"created", "updated",
    "removed", "kept"} (lists of labels); quarters with progress reports or indicator
    values are never removed, and the dates of a quarter already closed or past its
    deadline are left as they are."""
    existing = {(p.year, p.quarter): p for p in ReportingPeriod.objects.select_for_update().filter(plan=plan)}
    today = today_local()
    result = {"created": [], "updated": [], "removed": [], "kept": []}
    for year, quarter in wanted:
        fresh = rule.build(plan=plan, year=year, quarter=quarter)
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
    return result


# --- writes: deadline, entry window, closing, reopening ----------------------------------
@transaction.atomic
def period_set_dates(*, period: ReportingPeriod, deadline: dt.date, opens_on: dt.date | None = None, by=None):
    before = {"deadline": period.deadline, "opens_on": period.opens_on}
    period.deadline = deadline
    if opens_on is not None:
        period.opens_on = opens_on
    period.full_clean()
    period.save(update_fields=["deadline", "opens_on"])
    after = {"deadline": period.deadline, "opens_on": period.opens_on}
    audit_log(
        actor=by, action="period.dates", target=period, changes=diff_fields(before, after), plan=period.plan
    )
    return period


@transaction.atomic
def period_close(*, period: ReportingPeriod, by=None):
    if not period.is_closed:
        period.is_closed = True
        period.save(update_fields=["is_closed"])
        audit_log(actor=by, action="period.close", target=period, plan=period.plan)
    return period


@transaction.atomic
def period_open(*, period: ReportingPeriod, by=None):
    if period.is_closed:
        period.is_closed = False
        period.save(update_fields=["is_closed"])
        audit_log(actor=by, action="period.open", target=period, plan=period.plan)
    return period


@transaction.atomic
def period_reopen_for_agency(*, period: ReportingPeriod, agency, until: dt.date, reason: str = "", by=None):
    """Lets one agency write (and submit on time) until `until`, even in a closed quarter."""
    if until < today_local():
        raise ValidationError({"until": _("补报截止日期不能早于今天。")})
    reopening = PeriodReopening.objects.filter(period=period, agency=agency).first() or PeriodReopening(
        period=period, agency=agency, created_by=by if getattr(by, "is_authenticated", False) else None
    )
    reopening.until = until
    reopening.reason = reason
    reopening.full_clean()
    reopening.save()
    audit_log(
        actor=by,
        action="period.reopen_agency",
        target=period,
        changes={"agency": agency.name, "until": str(until), "reason": reason},
        plan=period.plan,
    )
    return reopening


# --- which quarter a page shows -------------------------------------------------------------
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
