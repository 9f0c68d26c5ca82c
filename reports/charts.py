"""Server-side SVG charts for bulletins, briefings and pages (pygal, no JavaScript).

Every function returns an SVG document as a string. The font family is the CJK one
the PDFs use, so the Chinese labels render the same in WeasyPrint and in a browser.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from django.conf import settings
from django.utils.translation import gettext as _
from pygal.style import Style

RED = "#c0392b"
YELLOW = "#d4a017"
GREEN = "#2e8b57"
BRAND = "#0b6e4f"
GREY = "#9aa5b1"


def _font_family() -> str:
    family = getattr(settings, "PDF_FONT_FAMILY", "") or "Noto Sans CJK SC"
    return f"'{family}', 'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"


def _style(colors) -> Style:
    family = _font_family()
    return Style(
        background="white",
        plot_background="white",
        foreground="#1f2933",
        foreground_strong="#1f2933",
        foreground_subtle="#d9dee3",
        colors=tuple(colors),
        font_family=family,
        label_font_family=family,
        major_label_font_family=family,
        value_font_family=family,
        value_label_font_family=family,
        title_font_family=family,
        legend_font_family=family,
        tooltip_font_family=family,
        label_font_size=12,
        major_label_font_size=12,
        value_font_size=11,
        value_label_font_size=11,
        title_font_size=15,
        legend_font_size=12,
    )


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _render(chart) -> str:
    svg = chart.render(is_unicode=True)
    # pygal adds an XML declaration; inline SVG inside HTML must not carry one.
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2 :].lstrip()
    # The charts are static pictures: drop pygal's tooltip configuration script and
    # its credits comments so nothing in them ever points outside the intranet.
    svg = _SCRIPT.sub("", svg)
    return _COMMENT.sub("", svg)


def percent_bars(
    *, color, rows: int, row_height: int, upper: int = 100, decimals: int = 0, title=None, width=760,
    min_height=160, **options,
):  # fmt: skip
    """A horizontal bar chart of percentages, as tall as its rows need; a missing
    figure is labelled 无数据 rather than drawn as zero."""
    return pygal.HorizontalBar(
        style=_style([color]),
        width=width,
        height=max(min_height, 46 + row_height * rows),
        range=(0, upper),
        show_legend=False,
        print_values=True,
        value_formatter=lambda v: f"{v:.{decimals}f}%" if v is not None else _("无数据"),
        title=title,
        margin=8,
        truncate_label=-1,
        disable_xml_declaration=True,
        js=[],
        **options,
    )


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value if not isinstance(value, Decimal) else round(value, 1))


def _label(label, value, limit: int) -> str:
    text = str(label)[:limit]
    return text if value is not None else f"{text}（{_('无数据')}）"


def completion_bars(rows, *, title: str | None = None, width: int = 760) -> str:
    """Horizontal bars of completion (%) per action (or anything labelled).

    rows: iterable of (label, percent or None). A row without a figure shows an empty
    bar labelled “无数据” rather than a misleading zero.
    """
    rows = list(rows)
    chart = percent_bars(
        color=BRAND, rows=len(rows), row_height=34, decimals=1, title=title, width=width,
        x_labels_major_count=6, show_minor_x_labels=False,
    )  # fmt: skip
    # pygal draws the first label at the bottom; keep document order top to bottom.
    ordered = list(reversed(rows))
    chart.x_labels = [_label(label, v, 24) for label, v in ordered]
    chart.add(_("完成进度"), [_num(v) for _l, v in ordered])
    return _render(chart)


def lights_donut(red: int, yellow: int, green: int, *, title: str | None = None, size: int = 320) -> str:
    """Red / yellow / green task counts as a donut with the counts printed."""
    chart = pygal.Pie(
        style=_style([RED, YELLOW, GREEN]),
        inner_radius=0.55,
        width=size,
        height=size,
        print_values=True,
        title=title,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        margin=8,
        disable_xml_declaration=True,
        js=[],
    )
    chart.add(_("红灯"), [int(red or 0)])
    chart.add(_("黄灯"), [int(yellow or 0)])
    chart.add(_("绿灯"), [int(green or 0)])
    return _render(chart)


def timeliness_bars(rows, *, title: str | None = None, width: int = 760) -> str:
    """Horizontal bars of on-time submission rate (%) per agency."""
    rows = list(rows)
    chart = percent_bars(color=GREEN, rows=len(rows), row_height=28, title=title, width=width)
    ordered = list(reversed(rows))
    chart.x_labels = [_label(label, v, 16) for label, v in ordered]
    chart.add(_("按时报送率"), [_num(v) for _l, v in ordered])
    return _render(chart)


def bulletin_charts(context: dict) -> dict:
    o = context["overview"]
    return {
        "actions": completion_bars(
            [(f"{a['label']}{a['title']}", a["completion"]) for a in context["actions"]], width=640
        ),
        "lights": lights_donut(o["red"], o["yellow"], o["green"], size=260),
    }
