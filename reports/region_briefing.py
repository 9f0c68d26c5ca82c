"""区域领导简报: the PDF an upper leader (a city's or province's) carries into a meeting,
one level up from the plan briefing — the region's figures, the plans (or regions) below
ranked, the plans that slipped since last quarter, and the tasks the region handed down
with how the lower levels answer them. Every figure comes from the stored rollups."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from carbonplan.downloads import PDF_MIME, Export

from .dashboards import region_dashboard, region_handed_down
from .models import Rollup
from .pdf import render_pdf

RANK_LIMIT = 30
HANDED_DOWN_LIMIT = 20
# A plan whose completion fell, or whose red lights rose, by this much since the last
# quarter is one the meeting should hear about.
SLIP_POINTS = 5


def previous_label(label: str) -> str | None:
    m = re.fullmatch(r"(\d{4})Q([1-4])", label or "")
    if not m:
        return None
    year, quarter = int(m.group(1)), int(m.group(2))
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


@dataclass
class RankedPlan:
    plan: object
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


def ranked_plans(board) -> list[RankedPlan]:
    """The plans below, best completion first (those with no figures last), each with its
    rollup of the quarter before: one query."""
    before_label = previous_label(board.period_label)
    plans = [plan for plan, _r in board.plans]
    before = {}
    if before_label and plans:
        before = {
            r.plan_id: r
            for r in Rollup.objects.filter(
                scope=Rollup.Scope.PLAN, plan__in=[p.pk for p in plans], period_label=before_label
            )
        }
    rows = [RankedPlan(plan, rollup, before.get(plan.pk)) for plan, rollup in board.plans]
    return sorted(
        rows,
        key=lambda r: (
            r.rollup is None or r.rollup.completion is None,
            -(r.rollup.completion or 0) if r.rollup else 0,
            r.rollup.red if r.rollup else 0,
            r.plan.region.name,
        ),
    )


class RegionBriefingExporter:
    """Renders the briefing of a region and quarter; export() → Export."""

    mimetype = PDF_MIME

    def __init__(self, *, region, label: str):
        self.region = region
        self.label = label

    def filename(self) -> str:
        return f"{self.region.name}-{_('区域简报')}-{self.label}.pdf"

    def context(self) -> dict:
        board = region_dashboard(self.region, self.label, page=None)
        ranked = ranked_plans(board)
        handed = region_handed_down(self.region, self.label)
        return {
            "region": self.region,
            "label": self.label,
            "board": board,
            "overall": board.region_rollup,
            "ranked": ranked[:RANK_LIMIT],
            "ranked_more": max(0, len(ranked) - RANK_LIMIT),
            "slipped": [r for r in ranked if r.slipped],
            "previous_label": previous_label(self.label),
            "handed_down": handed[:HANDED_DOWN_LIMIT],
            "handed_down_more": max(0, len(handed) - HANDED_DOWN_LIMIT),
            "font_family": settings.PDF_FONT_FAMILY,
            "generated_at": timezone.localtime(),
        }

    def html(self) -> str:
        return render_to_string("reports/region_briefing.html", self.context())

    def export(self) -> Export:
        return Export(self.filename(), self.mimetype, render_pdf(self.html()))
