"""Server-side SVG charts the briefing needs beyond reports.charts."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from .charts import GREEN, GREY, RED, YELLOW, _render, percent_bars

LEVEL_COLORS = {"green": GREEN, "yellow": YELLOW, "red": RED}


def indicator_attainment_bars(cards, *, title: str | None = None, width: int = 700, limit: int = 14) -> str:
    """Horizontal bars of each indicator's 完成率 (%), the very figure of the table beside
    it (one decimal, never clipped: the axis reaches the largest), coloured as the lights
    colour it; indicators without a completion are left out."""
    rows = [c for c in cards if c.attainment is not None][:limit]
    upper = max([100, *(math.ceil(float(c.attainment) / 10) * 10 for c in rows)])
    ordered = list(reversed(rows))
    labels = [str(c.indicator.name) for c in ordered]
    chart = percent_bars(
        color=GREEN, rows=len(rows), row_height=30, upper=upper, decimals=1, title=title, width=width,
        min_height=140,
        x_labels_major_count=7, show_minor_x_labels=False, labels=labels,
    )  # fmt: skip
    chart.x_labels = labels
    chart.add(
        _("完成率"),
        [{"value": float(round(c.attainment, 1)), "color": LEVEL_COLORS.get(c.level, GREY)} for c in ordered],
    )
    return _render(chart)
