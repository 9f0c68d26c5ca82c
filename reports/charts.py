"""Server-side SVG charts for bulletins, briefings and pages (pygal, no JavaScript).

Every function returns an SVG document as a string. The font family is the CJK one
the PDFs use, so the Chinese labels render the same in WeasyPrint and in a browser.
"""

from __future__ import annotations

import re
import unicodedata
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
        label_font_size=LABEL_FONT_SIZE,
        major_label_font_size=LABEL_FONT_SIZE,
        value_font_size=11,
        value_label_font_size=11,
        title_font_size=15,
        legend_font_size=12,
    )


LABEL_FONT_SIZE = 12


def _wide_label_room(labels, font_size: int = LABEL_FONT_SIZE) -> int:
    """Extra left margin the labels need beyond pygal's estimate.

    pygal reserves 0.6 em per character, which fits Latin text; a Chinese character is
    a full em, so an agency's name would be cut off at the chart's edge without it."""
    wide = [sum(unicodedata.east_asian_width(c) in "WF" for c in str(label)) for label in labels]
    return int(max(wide, default=0) * 0.4 * font_size) + 4


def _common_options() -> dict:
    """What every chart shares: static SVG, full labels, an empty chart worded in the
    reader's language (pygal's own text is English)."""
    return {
        "disable_xml_declaration": True,
        "js": [],
        "truncate_label": -1,
        "truncate_legend": -1,
        "no_data_text": _("无数据"),
    }


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
    min_height=160, labels=(), **options,
):  # fmt: skip
    """A horizontal bar chart of percentages, as tall as its rows need; a missing
    figure is labelled 无数据 rather than drawn as zero. `labels` (the row labels) size
    the left margin so that none is cut off."""
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
        margin_left=8 + _wide_label_room(labels),
        **_common_options(),
        **options,
    )


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value if not isinstance(value, Decimal) else round(value, 1))


def _label(label, value) -> str:
    text = str(label)
    return text if value is not None else f"{text}（{_('无数据')}）"


def completion_bars(rows, *, title: str | None = None, width: int = 760) -> str:
    """Horizontal bars of completion (%) per action (or anything labelled).

    rows: iterable of (label, percent or None). A row without a figure shows an empty
    bar labelled “无数据” rather than a misleading zero.
    """
    # pygal draws the first label at the bottom; keep document order top to bottom.
    ordered = list(reversed(list(rows)))
    labels = [_label(label, v) for label, v in ordered]
    chart = percent_bars(
        color=BRAND, rows=len(labels), row_height=34, decimals=1, title=title, width=width,
        x_labels_major_count=6, show_minor_x_labels=False, labels=labels,
    )  # fmt: skip
    chart.x_labels = labels
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
        **_common_options(),
    )
    chart.add(_("红灯"), [int(red or 0)])
    chart.add(_("黄灯"), [int(yellow or 0)])
    chart.add(_("绿灯"), [int(green or 0)])
    return _render(chart)


def timeliness_bars(rows, *, title: str | None = None, width: int = 760) -> str:
    """Horizontal bars of on-time submission rate (%) per agency."""
    ordered = list(reversed(list(rows)))
    labels = [_label(label, v) for label, v in ordered]
    chart = percent_bars(
        color=GREEN, rows=len(labels), row_height=28, title=title, width=width, labels=labels
    )
    chart.x_labels = labels
    chart.add(_("按时报送率"), [_num(v) for _l, v in ordered])
    return _render(chart)


def bulletin_charts(context: dict) -> dict:
    o = context["overview"]
    return {
        "actions": completion_bars(
            [(f"{a['label']}{a['title']}", a["completion"]) for a in context["actions"]], width=640
        ),
        "lights": lights_donut(o["red"], o["yellow"], o["green"], size=260),
        "agencies": timeliness_bars([(a["name"], a["on_time_rate"]) for a in context["agencies"]], width=640),
    }
