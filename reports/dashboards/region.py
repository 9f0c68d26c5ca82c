"""The region view: the plans of the regions below side by side, and the indicators they share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import trajectory
from indicators.assessment import IndicatorAssessment
from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import ReportingPeriod

from ..models import IndicatorRollup, Rollup, WarningRule
from .browser_charts import chart_labels, number_or_none
from .indicator_cards import IndicatorCard


@dataclass
class SharedIndicator:
    name: str
    unit: str
    city_target: Decimal | None
    city_comparator: str
    cells: dict  # plan id → {"indicator", "value", "attainment", "status"}
    row: list = field(default_factory=list)  # cells in the order of the plans shown


@dataclass
class RegionDashboard:
    region: Region
    period_label: str
    period_labels: list
    own_plans: list
    plans: list  # [(Plan, Rollup|None)] of the regions below
    region_rollup: Rollup | None
    shared: list  # [SharedIndicator]

    def chart_data(self):
        return {
            "labels": chart_labels(),
            "plans": [
                {
                    "name": plan.region.name,
                    "completion": number_or_none(rollup.completion) if rollup else None,
                    "red": rollup.red if rollup else 0,
                    "on_time": number_or_none(rollup.on_time_rate) if rollup else None,
                }
                for plan, rollup in self.plans
            ],
        }


def region_periods(region) -> list:
    """One quarter per label among the plans of the region and the regions below it (the
    one with the earliest deadline, so a quarter counts as due once any plan's is): one query."""
    periods = {}
    for period in ReportingPeriod.objects.filter(
        Region.subtree_q([region.pk], prefix="plan__region")
    ).order_by("-deadline"):
        periods[period.label] = period
    return sorted(periods.values(), key=lambda p: (p.year, p.quarter))


def stored_assessment(row: IndicatorRollup) -> IndicatorAssessment:
    """An indicator's assessment as the rollup stored it (without the series of values)."""
    fields = IndicatorRollup.ASSESSMENT_FIELDS
    return IndicatorAssessment(
        indicator=row.indicator,
        assessment=trajectory.Assessment(**{name: getattr(row, name) for name in fields}),
        value_period=row.value_period,
    )


def region_dashboard(region, period_label: str) -> RegionDashboard:
    """The plans of the regions below `region` side by side, and the indicators they
    share compared with the region's own targets, from the stored rollups: six queries
    whatever the number of plans, tasks or values below."""
    plans = list(
        Plan.objects.filter(Region.subtree_q([region.pk], prefix="region"))
        .select_related("region")
        .order_by("region__name", "title")
    )
    own = [p for p in plans if p.region_id == region.pk]
    below = [p for p in plans if p.region_id != region.pk]
    rollups = {
        r.plan_id: r
        for r in Rollup.objects.filter(
            scope="plan", plan__in=plans, period_label=period_label
        ).select_related("period")
    }
    region_rollup = Rollup.objects.filter(scope="region", region=region, period_label=period_label).first()
    # The plans below: their indicators as the rollup assessed them at the quarter.
    stored = list(
        IndicatorRollup.objects.filter(plan__in=below, period_label=period_label)
        .exclude(indicator__task__archived_at__isnull=False)
        .select_related("indicator")
        .order_by("plan_id", "indicator__seq", "indicator_id")
    )
    own_indicators = list(
        Indicator.objects.filter(plan__in=own)
        .exclude(task__archived_at__isnull=False)
        .order_by("plan_id", "seq", "id")
    )
    rules = {r.plan_id: r for r in WarningRule.objects.filter(plan__in=below)}
    by_name = defaultdict(lambda: ([], []))  # name → (own indicators, stored rows below)
    for indicator in own_indicators:
        by_name[indicator.name.strip()][0].append(indicator)
    for row in stored:
        by_name[row.indicator.name.strip()][1].append(row)
    shared = []
    for name, (own_group, rows) in by_name.items():
        in_below = {row.plan_id for row in rows}
        # Shared: set by two regions below, or by one and by the region's own plan.
        if len(in_below) < 2 and not (in_below and own_group):
            continue
        city = own_group[0] if own_group else None
        cells = {}
        for row in rows:
            if row.plan_id not in cells:
                rule = rules.get(row.plan_id) or WarningRule(plan_id=row.plan_id)
                cells[row.plan_id] = IndicatorCard.of(stored_assessment(row), rule)
        shared.append(
            SharedIndicator(
                name=name,
                unit=(city or rows[0].indicator).unit,
                city_target=city.target if city else None,
                city_comparator=city.get_comparator_display() if city else "",
                cells=cells,
            )
        )
    shared.sort(key=lambda s: (-len(s.cells), s.name))
    for item in shared:
        item.row = [item.cells.get(p.pk) for p in below]
    return RegionDashboard(
        region=region,
        period_label=period_label,
        period_labels=[],
        own_plans=[(p, rollups.get(p.pk)) for p in own],
        plans=[(p, rollups.get(p.pk)) for p in below],
        region_rollup=region_rollup,
        shared=shared,
    )
