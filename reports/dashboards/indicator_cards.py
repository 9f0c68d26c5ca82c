"""Indicator cards: each indicator's assessment (indicators.assessment) with the colour
of its light, as the dashboards, the drill-down and the briefing show it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indicators import trajectory
from indicators.assessment import IndicatorAssessment, assess_plan
from indicators.models import IndicatorComparator

from ..figures import figure
from ..lights import rule_for_plan

# The comparators' signs, as get_comparator_display() gives them (they are not translated).
COMPARATOR_SIGNS = dict(IndicatorComparator.choices)


@dataclass
class IndicatorCard(IndicatorAssessment):
    """An indicator's assessment as the dashboards show it, with the colour of its light."""

    red_behind_pct: Decimal = Decimal(20)

    @classmethod
    def of(cls, result: IndicatorAssessment, rule) -> IndicatorCard:
        return cls(**vars(result), red_behind_pct=Decimal(rule.red_behind_pct))

    @property
    def level(self):
        """The colour the lights give it: far behind red, a little behind yellow."""
        if self.is_on_track:
            return "green"
        if self.status == trajectory.MISSED:
            return "red"
        if self.status == trajectory.BEHIND:
            behind = self.behind_pct or Decimal(0)
            return "red" if behind > self.red_behind_pct else "yellow"
        return ""

    @property
    def short_target(self) -> str:
        """The target as a region board's cell prints it, without its unit: "≥12.5"."""
        indicator = self.indicator
        sign = COMPARATOR_SIGNS.get(indicator.comparator, indicator.comparator)
        return f"{sign}{figure(indicator.target, -2)}"


def indicator_cards(plan, period, *, task=None, leads_by_task=None) -> list[IndicatorCard]:
    """Indicators of a plan (or of one task) against their trajectory at the quarter, with
    the values of every quarter so far for the sparkline: three queries (the plan's
    warning rule, the indicators, their values)."""
    rule = rule_for_plan(plan.pk)
    results = assess_plan(
        plan, period, tolerance=rule.yellow_behind_pct, leads_by_task=leads_by_task, task=task
    )
    return [IndicatorCard.of(result, rule) for result in results]
