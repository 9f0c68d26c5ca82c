"""Indicator cards: each indicator's assessment at a quarter as the rollup stored it
(IndicatorRollup), with the colour of its light, as the dashboards, the drill-down, the
leader page, the briefing and the bulletin show it. Nothing is assessed while a page is
served; only a card's sparkline (the values of every quarter so far) is read live."""

from __future__ import annotations

from dataclasses import dataclass

from indicators import trajectory
from indicators.assessment import IndicatorAssessment, series_source, values_by_quarter
from indicators.models import IndicatorComparator

from ..figures import figure
from ..lights import indicator_level, rule_for_plan
from ..models import IndicatorRollup

# The comparators' signs, as get_comparator_display() gives them (they are not translated).
COMPARATOR_SIGNS = dict(IndicatorComparator.choices)


@dataclass
class IndicatorCard(IndicatorAssessment):
    """An indicator's assessment as the dashboards show it, with the colour of its light."""

    rule: object = None  # the plan's WarningRule

    @classmethod
    def of(cls, result: IndicatorAssessment, rule) -> IndicatorCard:
        return cls(**vars(result), rule=rule)

    @property
    def level(self):
        """The colour the lights give it (reports.lights.indicator_level)."""
        return indicator_level(self.status, self.behind_pct, self.rule)

    @property
    def short_target(self) -> str:
        """The target as a region board's cell prints it, without its unit: "≥12.5"."""
        indicator = self.indicator
        sign = COMPARATOR_SIGNS.get(indicator.comparator, indicator.comparator)
        return f"{sign}{figure(indicator.target, -2)}"


def stored_assessment(row: IndicatorRollup) -> IndicatorAssessment:
    """An indicator's assessment as the rollup stored it (without the series of values)."""
    fields = IndicatorRollup.ASSESSMENT_FIELDS
    return IndicatorAssessment(
        indicator=row.indicator,
        assessment=trajectory.Assessment(**{name: getattr(row, name) for name in fields}),
        value_period=row.value_period,
        baseline_period=row.baseline_period,
    )


def indicator_cards(plan, period, *, task=None, leads_by_task=None, series=False) -> list[IndicatorCard]:
    """The stored assessments of a plan's indicators (or of one task's) at the quarter, in
    the order of the breakdown, with the plan's rule for their colour: two queries (the
    rule; the stored rows with their indicators), and with `series` one more for the
    values of every quarter so far that a card's sparkline draws. No rows before the
    quarter was first computed."""
    rule = rule_for_plan(plan.pk)
    rows = (
        IndicatorRollup.objects.filter(plan=plan, period=period)
        .exclude(indicator__task__archived_at__isnull=False)
        .select_related("indicator", "indicator__task", "indicator__task__action")
        .order_by("indicator__task__action__seq", "indicator__task__seq", "indicator__seq", "indicator_id")
    )
    if task is not None:
        rows = rows.filter(indicator__task=task)
    cards = [IndicatorCard.of(stored_assessment(row), rule) for row in rows]
    if series and cards:
        value_filter = {"indicator__task": task} if task is not None else {"indicator__plan": plan}
        values = values_by_quarter(value_filter, period.year, period.quarter)
        leads_by_task = leads_by_task or {}
        for card in cards:
            card.series_source = series_source(
                card.indicator,
                values.get(card.indicator.pk, {}),
                leads=leads_by_task.get(card.indicator.task_id, ()),
                default_target_year=plan.end_year or plan.plan_year,
            )
    return cards
