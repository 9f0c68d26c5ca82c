"""One count for one question: the report counts and rates of a plan (or an agency,
action or task) in a quarter, as the dashboard, the 未报清单, the bulletin and the
briefing all show them.

Definitions (one report is expected per task assignment, lead or supporting, and quarter):
* expected (应报): the assignments of the quarter.
* submitted (已报): reports in any state but draft — 待审核, 被退回 or 已通过.
* approved (已通过), returned (被退回): reports in that state now.
* missing (未报): expected − submitted, i.e. no report at all or only a draft; the
  未报清单 lists exactly these. Not what an agency still has to send (待报送,
  tasks.selectors.AWAITING_SUBMISSION: a returned report too), nor the review page's
  未填报 (tasks.selectors.review_counts' no_report: no report at all, not even a draft).
* missing_lead (牵头单位未报) / missing_support (配合单位未报送材料): the missing of
  lead and of supporting agencies; they add up to missing.
* to_review (待审核): submitted reports awaiting the office — only the lead agencies'
  where the plan's leads consolidate their supporters' inputs, every one otherwise.
* on_time (按时报送) / late (逾期报送): submitted by / after the agency's deadline
  (tasks.services flags is_late against the deadline or a reopening).
* reported_rate (报送率) = submitted ÷ expected, on_time_rate (按时报送率) = on_time ÷
  expected, in %, rounded half up to one decimal (76.25 → 76.3) — the one rounding rule.

The figures are read from the stored rollup (reports.rollups computes them), so every
page and document shows the numbers of the same computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")


def percent(part, whole) -> Decimal | None:
    """part ÷ whole in %, rounded half up to one decimal; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PeriodCounts:
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    returned: int = 0
    missing: int = 0
    missing_lead: int = 0
    missing_support: int = 0
    to_review: int = 0
    on_time: int = 0
    late: int = 0

    @classmethod
    def of(cls, rollup) -> PeriodCounts:
        """The counts of a stored Rollup row (or zeros for None)."""
        if rollup is None:
            return cls()
        submitted = rollup.submitted + rollup.returned + rollup.approved
        missing = rollup.expected - submitted
        return cls(
            expected=rollup.expected,
            submitted=submitted,
            approved=rollup.approved,
            returned=rollup.returned,
            missing=missing,
            missing_lead=rollup.missing_lead,
            missing_support=missing - rollup.missing_lead,
            to_review=rollup.to_review,
            on_time=rollup.on_time,
            late=rollup.late,
        )

    @property
    def reported_rate(self) -> Decimal | None:
        return percent(self.submitted, self.expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.expected)


def period_counts(plan, period) -> PeriodCounts:
    """The plan's counts for the quarter, from its stored plan rollup: one query."""
    return PeriodCounts.of(plan.rollups.filter(period=period, scope="plan").first())
