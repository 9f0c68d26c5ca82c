"""Change since last quarter (较上季度变化) of the plans or regions below a region, from the
stored plan and region rollups: the one computation behind the region page and its Excel
export, the region briefing and the upper office's home."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, FilteredRelation, Q

from plans.models import Plan, Region
from tasks.periods import previous_label

from ..models import Rollup

# A plan whose completion fell, or whose red lights rose, by this much since the last
# quarter is one the meeting should hear about.
SLIP_POINTS = 5


@dataclass
class Change:
    """A rollup of the quarter shown beside the same subject's rollup of the quarter before."""

    rollup: Rollup | None
    before: Rollup | None

    @property
    def completion_change(self):
        if self.rollup is None or self.before is None:
            return None
        if self.rollup.completion is None or self.before.completion is None:
            return None
        return self.rollup.completion - self.before.completion

    @property
    def red_change(self):
        if self.rollup is None or self.before is None:
            return None
        return self.rollup.red - self.before.red

    @property
    def slipped(self) -> bool:
        fall = self.completion_change
        return (fall is not None and fall <= -SLIP_POINTS) or (self.red_change or 0) > 0


@dataclass
class RankedPlan(Change):
    plan: object = None


def plan_changes(rows, label: str) -> list[RankedPlan]:
    """[(Plan, Rollup|None)] in their order, each with its plan rollup of the quarter
    before `label`: one query (none for no rows)."""
    before_label = previous_label(label)
    ids = [plan.pk for plan, _r in rows]
    before = {}
    if before_label and ids:
        before = {
            r.plan_id: r
            for r in Rollup.objects.filter(scope=Rollup.Scope.PLAN, plan__in=ids, period_label=before_label)
        }
    return [RankedPlan(rollup=rollup, before=before.get(plan.pk), plan=plan) for plan, rollup in rows]


def region_changes(children, label: str) -> dict[int, Change]:
    """{child region id: Change} of the ChildRegions below a province, from their stored
    region rollups of the quarter before `label`: one query (none for no children)."""
    before_label = previous_label(label)
    ids = [child.pk for child in children]
    before = {}
    if before_label and ids:
        before = {
            r.region_id: r
            for r in Rollup.objects.filter(
                scope=Rollup.Scope.REGION, region__in=ids, period_label=before_label
            )
        }
    return {child.pk: Change(child.rollup, before.get(child.pk)) for child in children}


def ranked_plans(board) -> list[RankedPlan]:
    """The plans below, best completion first (those with no figures last), each with its
    rollup of the quarter before: one query."""
    return sorted(
        plan_changes(board.plans, board.period_label),
        key=lambda r: (
            r.rollup is None or r.rollup.completion is None,
            -(r.rollup.completion or 0) if r.rollup else 0,
            r.rollup.red if r.rollup else 0,
            r.plan.region.name,
        ),
    )


@dataclass
class RegionRanking:
    ranked: list  # [RankedPlan], best completion first, at most `shown`
    slipped: list  # [RankedPlan] slipped since the quarter before, by region, at most `shown`
    slipped_more: bool  # more plans slipped than listed


def region_ranking(region, label: str, *, shown: int = 10) -> RegionRanking:
    """The plans below `region` ranked by their stored completion at the quarter, and those
    that slipped since the quarter before (the same rule as `Change.slipped`), sorted and
    cut in SQL: two queries whatever the number of plans below, so a province's home reads
    no more than a city's."""
    before_label = previous_label(label) or ""
    plans = (
        Plan.objects.filter(Region.subtree_q([region.pk]))
        .exclude(region=region)
        .select_related("region")
        .only("pk", "title", "region__name")
        .annotate(
            now=FilteredRelation(
                "rollups", condition=Q(rollups__scope=Rollup.Scope.PLAN, rollups__period_label=label)
            ),
            then=FilteredRelation(
                "rollups", condition=Q(rollups__scope=Rollup.Scope.PLAN, rollups__period_label=before_label)
            ),
        )
        .annotate(
            now_completion=F("now__completion"),
            now_red=F("now__red"),
            now_pk=F("now__pk"),
            then_completion=F("then__completion"),
            then_red=F("then__red"),
            then_pk=F("then__pk"),
        )
    )
    ranked = plans.order_by(
        F("now_completion").desc(nulls_last=True), F("now_red").asc(nulls_last=True), "region__name", "pk"
    )[:shown]
    slipped = plans.filter(
        Q(now_completion__lte=F("then_completion") - SLIP_POINTS) | Q(now_red__gt=F("then_red"))
    ).order_by("region__name", "title", "pk")[: shown + 1]
    slipped = [_ranked(plan) for plan in slipped]
    return RegionRanking(
        ranked=[_ranked(plan) for plan in ranked],
        slipped=slipped[:shown],
        slipped_more=len(slipped) > shown,
    )


@dataclass
class StoredFigures:
    """The two figures of a stored plan rollup the ranking reads (a Rollup instance costs
    ten times as much to make)."""

    completion: object
    red: int


def _ranked(plan) -> RankedPlan:
    def figures(prefix):
        if getattr(plan, f"{prefix}_pk") is None:
            return None
        return StoredFigures(getattr(plan, f"{prefix}_completion"), getattr(plan, f"{prefix}_red"))

    return RankedPlan(rollup=figures("now"), before=figures("then"), plan=plan)
