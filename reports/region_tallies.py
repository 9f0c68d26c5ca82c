"""Stored indicator tallies (RegionIndicatorTally): for each region right below a top
region (a province's cities) and quarter, how the plans of that region and of the
regions below it stand on each indicator name, tallied from their stored indicator
rollups.

A province's board compares its cities on every indicator they share. Aggregating the
indicator rollups of every plan below the province on each view grew with the province
(61,000 rows sorted at 1,360 plans); the region pass (reports.rollups.rollup_regions)
writes the tallies instead, in the same transaction as the region rows, whenever a plan
below such a region is computed, so the board reads one row per city and name. Only those
regions are tallied: a city's board compares its counties plan by plan.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Min, Q, Sum, Value, When
from django.db.models.functions import Trim

from indicators.assessment import BEHIND_STATUSES, ON_TRACK_STATUSES

from .bulk_rows import insert_rows
from .models import IndicatorRollup, RegionIndicatorTally

HUNDRED = Decimal(100)


def tallied_regions(pairs, parent: dict) -> dict[str, set]:
    """{label: region ids} of the (region id, label) `pairs` whose region is right below
    a top region, the ones a board tallies."""
    out = defaultdict(set)
    for region_id, label in pairs:
        up = parent.get(region_id)
        if up is not None and parent.get(up) is None:
            out[label].add(region_id)
    return out


def store_regions(pairs, parent: dict) -> None:
    """Inside the region pass's write transaction: the tallies of the pairs' regions that
    have them, from one grouped read of their plans' indicator rollups for all the
    quarters (the full pass reads the table once, not once a quarter)."""
    wanted = tallied_regions(pairs, parent)
    if not wanted:
        return
    tallied = set().union(*wanted.values())
    children = defaultdict(list)
    for region_id, up in parent.items():
        if up is not None:
            children[up].append(region_id)
    # The regions tallied and those below them (regions are at most three levels deep).
    below = set(tallied)
    for region_id in tallied:
        for child in children[region_id]:
            below.add(child)
            below.update(children[child])
    rows = [
        {**row, "unit": row["unit"] or "", "attainment_sum": row["attainment_sum"] or 0}
        for row in _tallies(list(wanted), below)
        if row["region_id"] in wanted[row["period_label"]]
    ]
    for label, region_ids in wanted.items():
        RegionIndicatorTally.objects.filter(region__in=region_ids, period_label=label).delete()
    insert_rows(RegionIndicatorTally, rows)


def _tallies(labels, region_ids):
    """Per quarter of `labels`, region right below a top region, and trimmed indicator
    name, the tally of the plans of `region_ids` (those regions and the ones below them).
    Archived tasks' indicators are left out, as the boards leave them out."""
    on_track = Q(status__in=ON_TRACK_STATUSES)
    behind = Q(status__in=BEHIND_STATUSES)
    # Not LEAST(): PostgreSQL's ignores a NULL, which would count a plan without a
    # completion as 100 %; this CASE keeps NULL out of the sum and the count.
    capped = Case(
        When(attainment__gt=HUNDRED, then=Value(HUNDRED)),
        default=F("attainment"),
        output_field=DecimalField(max_digits=12, decimal_places=4),
    )
    # The plan's region right below the top: its own when its parent is the top, else the
    # parent's when the grandparent is, else the grandparent.
    tallied = Case(
        When(plan__region__parent__parent_id__isnull=True, then=F("plan__region_id")),
        When(plan__region__parent__parent__parent_id__isnull=True, then=F("plan__region__parent_id")),
        default=F("plan__region__parent__parent_id"),
    )
    return (
        IndicatorRollup.objects.filter(period_label__in=labels, plan__region_id__in=region_ids)
        .exclude(indicator__task__archived_at__isnull=False)
        .annotate(name=Trim("indicator__name"), region_id=tallied)
        .values("period_label", "region_id", "name")
        .annotate(
            plans=Count("plan_id", distinct=True),
            on_track=Count("plan_id", filter=on_track, distinct=True),
            behind=Count("plan_id", filter=behind, distinct=True),
            no_data=Count("plan_id", filter=~(on_track | behind), distinct=True),
            attainment_sum=Sum(capped),
            attainment_count=Count(capped),
            unit=Min("indicator__unit"),
        )
        .order_by()
    )
