"""The region view: the regions and plans below side by side, and the indicators they share.

A city compares its counties' plans one by one. A region whose plans below sit at more
than one level (a province: its cities' plans and their counties') compares its child
regions instead, from their stored region rollups and their stored indicator tallies
(reports.region_tallies), so the page reads one row per child and indicator name rather
than one per plan and indicator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import ReportingPeriod

from ..models import IndicatorRollup, RegionIndicatorTally, Rollup, WarningRule
from .browser_charts import chart_labels, number_or_none
from .indicator_cards import IndicatorCard, stored_assessment

PLANS_PER_PAGE = 50
# The fields of an indicator a city's cell shows (its target) or its light reads.
CELL_INDICATOR_FIELDS = ("name", "unit", "target", "comparator", "descriptive")


@dataclass
class IndicatorTally:
    """How the plans of one child region stand on one indicator at the quarter."""

    plans: int
    on_track: int
    behind: int
    no_data: int
    mean: Decimal | None  # mean 完成率, each plan's capped at 100 %

    @property
    def text(self) -> str:
        """e.g. "12 个方案：达到 9，落后 3 · 平均完成率 85%"."""
        return self.text_in(TallyWords())

    def text_in(self, words: TallyWords) -> str:
        text = words.counts(self.plans) % {
            "plans": self.plans,
            "on_track": self.on_track,
            "behind": self.behind,
        }
        if self.no_data:
            text += words.no_data % {"n": self.no_data}
        if self.mean is not None:
            # A whole number of at most 100 (each plan's rate is capped): no separator to localise.
            text += words.mean % {"mean": round(self.mean)}
        return text


class TallyWords:
    """The translated pieces of a tally's text, looked up once for a table of hundreds of
    cells rather than once per cell."""

    def __init__(self):
        self.no_data = _("，无数据 %(n)s")
        self.mean = _(" · 平均完成率 %(mean)s%%")
        self._counts = {}

    def counts(self, plans: int) -> str:
        if plans not in self._counts:
            self._counts[plans] = ngettext(
                "%(plans)s 个方案：达到 %(on_track)s，落后 %(behind)s",
                "%(plans)s 个方案：达到 %(on_track)s，落后 %(behind)s",
                plans,
            )
        return self._counts[plans]


@dataclass
class SharedIndicator:
    name: str
    unit: str
    city_target: Decimal | None
    city_comparator: str
    # plan id → IndicatorCard at a city; child region id → IndicatorTally at a province
    cells: dict
    row: list = field(default_factory=list)  # cells in the order of the columns shown


@dataclass
class ChildRegion:
    """A region right below the one shown, with its stored region rollup."""

    pk: int
    name: str
    plan_count: int  # its own plans and those of the regions below it
    rollup: Rollup | None


@dataclass
class RegionDashboard:
    region: Region
    period_label: str
    period_labels: list
    own_plans: list
    plans: list  # [(Plan, Rollup|None)] of the regions below (one page of them by region)
    region_rollup: Rollup | None
    shared: list  # [SharedIndicator]
    # By region (a province): the child regions compared, and the page of plans listed.
    children: list = field(default_factory=list)  # [ChildRegion]
    plan_page: Page | None = None

    @property
    def by_region(self) -> bool:
        return bool(self.children)

    @property
    def has_below(self) -> bool:
        return bool(self.children or self.plans)

    def chart_data(self):
        """One bar group per child region at a province, per plan below at a city."""
        if self.children:
            rows = [(child.name, child.rollup) for child in self.children]
        else:
            rows = [(plan.region.name, rollup) for plan, rollup in self.plans]
        return {
            "labels": chart_labels(),
            "plans": [
                {
                    "name": name,
                    "completion": number_or_none(rollup.completion) if rollup else None,
                    "red": rollup.red if rollup else 0,
                    "on_time": number_or_none(rollup.on_time_rate) if rollup else None,
                }
                for name, rollup in rows
            ],
        }


def region_periods(region) -> list:
    """One quarter per label among the plans of the region and the regions below it, with
    the earliest dates any plan gives it (so a quarter counts as started or due once any
    plan's is), grouped in SQL: one query, one row per label however many plans.

    The quarters are unsaved: pages choose among them by label and dates only."""
    rows = (
        ReportingPeriod.objects.filter(Region.subtree_q([region.pk], prefix="plan__region"))
        .values("label")
        .annotate(
            first_year=Min("year"),
            first_quarter=Min("quarter"),
            first_start=Min("starts_on"),
            first_end=Min("ends_on"),
            first_opening=Min("opens_on"),
            first_deadline=Min("deadline"),
        )
        .order_by()
    )
    periods = [
        ReportingPeriod(
            label=row["label"],
            year=row["first_year"],
            quarter=row["first_quarter"],
            starts_on=row["first_start"],
            ends_on=row["first_end"],
            opens_on=row["first_opening"],
            deadline=row["first_deadline"],
        )
        for row in rows
    ]
    return sorted(periods, key=lambda p: (p.year, p.quarter))


def region_dashboard(region, period_label: str, *, page=1) -> RegionDashboard:
    """The regions or plans below `region` side by side, and the indicators they share
    compared with the region's own targets, from the stored rollups: six queries at a
    city, five by region, whatever the number of plans, tasks or values below.

    By region, `page` picks the page of plans below listed (None: all of them)."""
    # (id, region id, region name, parent id, parent name) of every plan in the subtree,
    # ordered as listed; full objects only for the plans shown.
    listing = list(
        Plan.objects.filter(Region.subtree_q([region.pk], prefix="region"))
        .order_by("region__name", "title", "pk")
        .values_list("pk", "region_id", "region__name", "region__parent_id", "region__parent__name")
    )
    own_ids = [row[0] for row in listing if row[1] == region.pk]
    below = [row for row in listing if row[1] != region.pk]
    if any(row[3] != region.pk for row in below):
        return _by_region(region, period_label, own_ids, below, page)
    return _by_plan(region, period_label, own_ids, [row[0] for row in below])


def _plans_and_rollups(region, period_label, plan_ids, region_ids):
    """The plans (ordered as listed) and, in one query, their rollups and those of the
    regions for the quarter: ([Plan], {plan id: Rollup}, {region id: Rollup})."""
    plans = list(
        Plan.objects.filter(pk__in=plan_ids).select_related("region").order_by("region__name", "title", "pk")
    )
    by_plan, by_region = {}, {}
    for rollup in Rollup.objects.filter(period_label=period_label).filter(
        Q(scope=Rollup.Scope.PLAN, plan_id__in=plan_ids)
        | Q(scope=Rollup.Scope.REGION, region_id__in=region_ids)
    ):
        if rollup.scope == Rollup.Scope.PLAN:
            by_plan[rollup.plan_id] = rollup
        else:
            by_region[rollup.region_id] = rollup
    return plans, by_plan, by_region


def _own_indicators(own_ids) -> dict:
    """{name: the first of the region's own plans' indicators of that name}."""
    own = {}
    for indicator in (
        Indicator.objects.filter(plan__in=own_ids)
        .exclude(task__archived_at__isnull=False)
        .order_by("plan_id", "seq", "id")
    ):
        own.setdefault(indicator.name.strip(), indicator)
    return own


def _shared(own: dict, by_name: dict, unit_of, columns: list) -> list:
    """The names set in two columns, or in one and by the region's own plan, most
    widely set first; by_name: {name: {column key: cell}}."""
    shared = []
    for name, cells in by_name.items():
        if len(cells) < 2 and not (cells and name in own):
            continue
        city = own.get(name)
        shared.append(
            SharedIndicator(
                name=name,
                unit=city.unit if city else unit_of(name),
                city_target=city.target if city else None,
                city_comparator=city.get_comparator_display() if city else "",
                cells=cells,
            )
        )
    shared.sort(key=lambda s: (-len(s.cells), s.name))
    for item in shared:
        item.row = [item.cells.get(key) for key in columns]
    return shared


def _by_plan(region, period_label, own_ids, below_ids) -> RegionDashboard:
    """A city: its counties' plans one by one, each shared indicator as each plan's
    rollup assessed it."""
    plans, rollups, region_rollups = _plans_and_rollups(
        region, period_label, own_ids + below_ids, [region.pk]
    )
    stored = list(
        IndicatorRollup.objects.filter(plan__in=below_ids, period_label=period_label)
        .exclude(indicator__task__archived_at__isnull=False)
        .select_related("indicator")
        # Only what a cell shows: a third less time than full rows at a city of ten plans.
        .only(
            "plan",
            "indicator",
            "value_period",
            "baseline_period",
            *IndicatorRollup.ASSESSMENT_FIELDS,
            *(f"indicator__{name}" for name in CELL_INDICATOR_FIELDS),
        )
        .order_by("plan_id", "indicator__seq", "indicator_id")
    )
    own = _own_indicators(own_ids)
    rules = {r.plan_id: r for r in WarningRule.objects.filter(plan__in=below_ids)}
    by_name = defaultdict(dict)  # name → {plan id: IndicatorCard}
    units = {}
    for row in stored:
        name = row.indicator.name.strip()
        units.setdefault(name, row.indicator.unit)
        cells = by_name[name]
        if row.plan_id not in cells:
            rule = rules.get(row.plan_id)
            if rule is None:
                # A plan without its own rule has the defaults: one unsaved rule per plan,
                # not one per indicator.
                rule = rules[row.plan_id] = WarningRule(plan_id=row.plan_id)
            cells[row.plan_id] = IndicatorCard.of(stored_assessment(row), rule)
    below = [p for p in plans if p.region_id != region.pk]
    return RegionDashboard(
        region=region,
        period_label=period_label,
        period_labels=[],
        own_plans=[(p, rollups.get(p.pk)) for p in plans if p.region_id == region.pk],
        plans=[(p, rollups.get(p.pk)) for p in below],
        region_rollup=region_rollups.get(region.pk),
        shared=_shared(own, by_name, units.get, [p.pk for p in below]),
    )


def indicator_tallies(child_ids, period_label) -> list[tuple]:
    """Per child region and indicator name, how the plans of that child (its own and its
    children's) stand at the quarter: the tallies the region pass stored
    (reports.region_tallies), one query by the tallies' unique index, read as tuples —
    a province of 140 cities has 8,000 of them."""
    return list(
        RegionIndicatorTally.objects.filter(region_id__in=child_ids, period_label=period_label).values_list(
            "region_id",
            "name",
            "unit",
            "plans",
            "on_track",
            "behind",
            "no_data",
            "attainment_sum",
            "attainment_count",
        )  # fmt: skip
    )


def _by_region(region, period_label, own_ids, below, page) -> RegionDashboard:
    """A province: its child regions from their stored region rollups, each shared
    indicator tallied over each child's plans, and the plans below one page at a time."""
    children, plan_counts = {}, defaultdict(int)
    for _pk, region_id, name, parent_id, parent_name in below:
        key = (region_id, name) if parent_id == region.pk else (parent_id, parent_name)
        children.setdefault(key[0], key[1])
        plan_counts[key[0]] += 1
    below_ids = [row[0] for row in below]
    if page is None:
        plan_page, listed = None, below_ids
    else:
        plan_page = Paginator(below_ids, PLANS_PER_PAGE).get_page(page)
        listed = list(plan_page.object_list)
    plans, rollups, region_rollups = _plans_and_rollups(
        region, period_label, own_ids + listed, [region.pk, *children]
    )
    own = _own_indicators(own_ids)
    by_name = defaultdict(dict)  # name → {child region id: IndicatorTally}
    units = {}
    for child_id, name, unit, *counts, total, counted in indicator_tallies(list(children), period_label):
        units.setdefault(name, unit)
        by_name[name][child_id] = IndicatorTally(*counts, mean=total / counted if counted else None)
    child_rows = sorted(
        (ChildRegion(pk, name, plan_counts[pk], region_rollups.get(pk)) for pk, name in children.items()),
        key=lambda c: (c.name, c.pk),
    )
    return RegionDashboard(
        region=region,
        period_label=period_label,
        period_labels=[],
        own_plans=[(p, rollups.get(p.pk)) for p in plans if p.region_id == region.pk],
        plans=[(p, rollups.get(p.pk)) for p in plans if p.region_id != region.pk],
        region_rollup=region_rollups.get(region.pk),
        shared=_shared(own, by_name, units.get, [c.pk for c in child_rows]),
        children=child_rows,
        plan_page=plan_page,
    )
