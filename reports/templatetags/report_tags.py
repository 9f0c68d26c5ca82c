import html

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .. import figures
from ..dashboards.region import TallyWords

register = template.Library()

register.filter("figure", figures.figure, is_safe=True)


@register.filter
def pct(value):
    """55.5 → “55.5%”; None → “—” (zero stays a zero, unlike |default)."""
    if value is None or value == "":
        return "—"
    return f"{value:g}%" if isinstance(value, float) else f"{value}%"


@register.filter
def signed(value, places=0):
    """A change with its sign: 2.5 → “+2.5”, -3 → “−3”, 0 → “0”; None → “—”."""
    if value is None or value == "":
        return "—"
    text = figures.figure(abs(value), places)
    if value > 0 and text.strip("0.") != "":
        return f"+{text}"
    if value < 0 and text.strip("0.") != "":
        return f"−{text}"
    return text


@register.filter
def dash(value):
    return "—" if value is None or value == "" else value


@register.simple_tag
def city_indicator_cells(row, not_set, no_data, target_word):
    """The cells of one shared indicator on a city's board, one per county plan
    (IndicatorCard or None). A city prints hundreds of them, so they are joined here in
    one go rather than node by node; every text is escaped as the template would."""
    not_set, no_data, target_word = (conditional_escape(word) for word in (not_set, no_data, target_word))
    parts = []
    for cell in row:
        if not cell:
            parts.append(f'<td class="num"><span class="muted">{not_set}</span></td>')
            continue
        target = f'<br><small class="muted">{target_word} {escape(cell.short_target)}</small>'
        if cell.value is None:
            parts.append(f'<td class="num"><span class="muted">{no_data}</span>{target}</td>')
            continue
        badge = ""
        if cell.attainment is not None:
            badge = (
                f' <span class="badge {escape(cell.level)}" title="{escape(cell.status_label)}">'
                f"{escape(figures.figure(cell.attainment, 0))}%</span>"
            )
        parts.append(f'<td class="num"><b>{escape(figures.figure(cell.value, -2))}</b>{badge}{target}</td>')
    # Safe: every piece above is a fixed tag or escaped text.
    return mark_safe("".join(parts))


@register.simple_tag
def region_indicator_cells(row, not_set):
    """The cells of one shared indicator on a province's board, one per city
    (IndicatorTally or None): fourteen cities by sixty indicators, joined in one go."""
    not_set = f'<td class="num"><span class="muted">{conditional_escape(not_set)}</span></td>'
    words = TallyWords()
    # Safe: fixed tags around escaped text.
    return mark_safe(
        "".join(f'<td class="num">{escape(cell.text_in(words))}</td>' if cell else not_set for cell in row)
    )


def escape(text) -> str:
    """Django's escape() without its lazy-string wrapper, which costs more than the
    escaping itself at hundreds of calls."""
    return html.escape(str(text))
