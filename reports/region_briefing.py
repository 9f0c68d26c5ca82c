"""区域领导简报: the PDF an upper leader (a city's or province's) carries into a meeting,
one level up from the plan briefing — the region's figures, the plans (or regions) below
ranked, the plans that slipped since last quarter, and the tasks the region handed down
with how the lower levels answer them. Every figure comes from the stored rollups."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from carbonplan.downloads import PDF_MIME, Export
from tasks.periods import previous_label

from .dashboards import region_dashboard, region_handed_down
from .dashboards.changes import ranked_plans
from .pdf import render_pdf

RANK_LIMIT = 30
HANDED_DOWN_LIMIT = 20


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
