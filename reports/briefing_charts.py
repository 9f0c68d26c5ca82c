"""Server-side SVG charts the briefing needs beyond reports.charts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .charts import GREEN, GREY, RED, YELLOW, _render, percent_bars

LEVEL_COLORS = {"green": GREEN, "yellow": YELLOW, "red": RED}


def indicator_attainment_bars(cards, *, title: str | None = None, width: int = 700, limit: int = 14) -> str:
    """Horizontal bars of each indicator's attainment against its trajectory (%),
    coloured as the lights colour it; indicators without an assessment are left out."""
    rows = [c for c in cards if c.attainment is not None][:limit]
    ordered = list(reversed(rows))
    labels = [str(c.indicator.name) for c in ordered]
    chart = percent_bars(
        color=GREEN, rows=len(rows), row_height=30, upper=120, title=title, width=width, min_height=140,
        x_labels_major_count=7, show_minor_x_labels=False, labels=labels,
    )  # fmt: skip
    chart.x_labels = labels
    chart.add(
        _("完成率"),
        [
            {"value": min(120.0, float(c.attainment)), "color": LEVEL_COLORS.get(c.level, GREY)}
            for c in ordered
        ],
    )
    return _render(chart)
