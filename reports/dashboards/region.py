"""The region view: the plans of the regions below side by side, and the indicators they share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from indicators.assessment import assess, values_by_quarter
from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import ReportingPeriod, TaskAssignment

from ..models import Rollup, WarningRule
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
                    "on_time": rollup.on_time_rate if rollup else None,
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


def region_dashboard(region, period_label: str) -> RegionDashboard:
    """The plans of the regions below `region` side by side, and the indicators they
    share compared with the region's own targets. Five queries whatever the number of
    plans, tasks or values."""
    from tasks.services import parse_period_label

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
    indicators = list(
        Indicator.objects.filter(plan__in=plans)
        .exclude(task__archived_at__isnull=False)
        .order_by("plan_id", "seq", "id")
    )
    year, quarter = parse_period_label(period_label)
    values = values_by_quarter({"indicator__plan__in": plans}, year, quarter)
    rules = {r.plan_id: r for r in WarningRule.objects.filter(plan__in=plans)}
    leads = defaultdict(set)
    for task_id, agency_id in TaskAssignment.objects.filter(
        task__indicators__in=indicators, role=TaskAssignment.Role.LEAD
    ).values_list("task_id", "agency_id"):
        leads[task_id].add(agency_id)
    plans_by_id = {p.pk: p for p in plans}
    by_name = defaultdict(list)
    for indicator in indicators:
        by_name[indicator.name.strip()].append(indicator)
    below_ids = {p.pk for p in below}
    own_ids = {p.pk for p in own}
    shared = []
    for name, group in by_name.items():
        in_below = {i.plan_id for i in group if i.plan_id in below_ids}
        # Shared: set by two regions below, or by one and by the region's own plan.
        if len(in_below) < 2 and not (in_below and any(i.plan_id in own_ids for i in group)):
            continue
        city = next((i for i in group if i.plan_id in own_ids), None)
        cells = {}
        for indicator in group:
            if indicator.plan_id not in below_ids or indicator.plan_id in cells:
                continue
            plan = plans_by_id[indicator.plan_id]
            rule = rules.get(plan.pk) or WarningRule(plan=plan)
            result = assess(
                indicator,
                values.get(indicator.pk, {}),
                year,
                quarter,
                leads=leads.get(indicator.task_id, ()),
                tolerance=rule.yellow_behind_pct,
                default_target_year=plan.end_year or plan.plan_year,
            )
            cells[indicator.plan_id] = IndicatorCard.of(result, rule)
        shared.append(
            SharedIndicator(
                name=name,
                unit=(city or group[0]).unit,
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
