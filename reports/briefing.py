"""领导简报: the PDF a leader carries into a meeting — two to four A4 pages with the big
numbers, the red list, the indicators and the charts, in the plan's quarter."""

from __future__ import annotations

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from carbonplan.downloads import PDF_MIME, Export

from . import charts
from .briefing_charts import indicator_attainment_bars
from .dashboards import leader_summary, plan_dashboard
from .pdf import render_pdf
from .project_rollups import stored_panel

# Beyond these the PDF would outgrow four pages; the rest stays on the dashboard.
RED_LIST_LIMIT = 8
REASONS_PER_TASK = 3
INDICATOR_LIMIT = 10
AGENCY_LIMIT = 10
PROJECT_LIMIT = 8


def _svg_img(svg: str) -> str:
    """The chart as an <img> of an SVG data URI: WeasyPrint still draws it as vectors,
    and pygal's stylesheet stays inside the picture instead of being cascaded over
    the whole document (which made the layout several times slower)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return mark_safe(f'<img class="chart" alt="" src="data:image/svg+xml;base64,{data}">')


class BriefingExporter:
    """Renders the briefing of a plan and quarter; export() → Export."""

    mimetype = PDF_MIME

    def __init__(self, *, plan, period):
        self.plan = plan
        self.period = period

    def filename(self) -> str:
        return f"{self.plan.region.name}-{_('领导简报')}-{self.period.label}.pdf"

    def context(self) -> dict:
        board = plan_dashboard(self.plan, self.period, series=False)
        summary = leader_summary(self.plan, self.period, board=board)
        overall = board.overall
        # Worst first: the agencies the meeting should talk about.
        agencies = sorted(
            (r for r in board.agencies if r.expected),
            key=lambda r: (r.on_time_rate if r.on_time_rate is not None else -1, -r.lagging),
        )[:AGENCY_LIMIT]
        indicators = sorted(
            summary.indicators,
            key=lambda c: ({"red": 0, "yellow": 1, "": 2, "green": 3}[c.level], str(c.indicator.name)),
        )
        svg = {}
        if overall is not None:
            svg["lights"] = charts.lights_donut(overall.red, overall.yellow, overall.green, size=300)
            svg["actions"] = charts.completion_bars(
                [(f"{a.label}{a.title}", r.completion if r else None) for a, r in board.actions],
                width=680,
            )
            if agencies:
                svg["agencies"] = charts.timeliness_bars(
                    [(r.agency.name if r.agency else "", r.on_time_rate) for r in agencies],
                    width=700,
                )
        projects = stored_panel(self.plan, self.period)
        if any(c.attainment is not None for c in indicators):
            svg["indicators"] = indicator_attainment_bars(indicators, limit=INDICATOR_LIMIT)
        return {
            "plan": self.plan,
            "period": self.period,
            "overall": overall,
            "summary": summary,
            "red_list": [
                {
                    "row": row,
                    "reasons": row.reasons[:REASONS_PER_TASK],
                    "reasons_more": max(0, len(row.reasons) - REASONS_PER_TASK),
                }
                for row in summary.red_list[:RED_LIST_LIMIT]
            ],
            "red_more": max(0, len(summary.red_list) - RED_LIST_LIMIT),
            "indicators": indicators[:INDICATOR_LIMIT],
            "indicators_more": max(0, len(indicators) - INDICATOR_LIMIT),
            "agencies": agencies,
            "svg": {name: _svg_img(value) for name, value in svg.items()},
            "font_family": settings.PDF_FONT_FAMILY,
            "generated_at": timezone.localtime(),
            "task_count": board.task_count,
            # 重点项目, from the stored figures: only when the plan has projects.
            "projects": projects,
            "projects_behind": projects.behind[:PROJECT_LIMIT] if projects else [],
            "projects_more": max(0, len(projects.behind) - PROJECT_LIMIT) if projects else 0,
        }

    def html(self) -> str:
        return render_to_string("reports/briefing.html", self.context())

    def export(self) -> Export:
        return Export(self.filename(), self.mimetype, render_pdf(self.html()))
