"""The region page's comparison tables (the regions below a province, the plans below a
region, their key projects), row by row in Python: a province of 140 cities prints
thousands of cells, and the templates included for each row were most of the page's
own time. Names from the data are escaped here as the template would escape them."""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..figures import figure
from .report_tags import escape, signed

register = template.Library()


class _Words:
    """The translated pieces, looked up once a table."""

    def __init__(self):
        self.no_rollup = escape(_("本季度尚未生成汇总（填报审核通过后自动计算）"))
        self.no_change = escape(_("上季度或本季度尚无汇总"))
        self.red = _("红灯 %(n)s")


def _rollup_cells(r, words) -> str:
    if r is None:
        return f'<td colspan="6" class="muted">{words.no_rollup}</td>'
    completion = "—" if r.completion is None else f"{escape(figure(r.completion, 1))}%"
    rate = r.on_time_rate
    on_time = "—" if rate is None else f"{escape(localize(rate))}%"
    return (
        f'<td class="num">{completion}</td>'
        f'<td class="num{" alert" if r.red else ""}">{r.red}</td><td class="num">{r.yellow}</td>'
        f'<td class="num">{r.green}</td><td class="num">{on_time}</td><td class="num">{r.indicators_behind}</td>'
    )


def _change_cell(change, words) -> str:
    completion, red = change.completion_change, change.red_change
    if completion is None and red is None:
        return f'<td class="num change"><span class="muted" title="{words.no_change}">—</span></td>'
    text = f'<span class="{"alert" if change.slipped else ""}">{escape(signed(completion, 1))}</span>'
    if red:
        css = "alert" if red > 0 else "muted"
        text += f'<br><small class="{css}">{words.red % {"n": escape(signed(red))}}</small>'
    return f'<td class="num change">{text}</td>'


def _period_query(label) -> str:
    # As the template's `?period={{ label|urlencode }}`.
    return "?period=" + escape(quote(label, safe="/"))


@register.simple_tag
def region_child_rows(child_rows, label):
    """The <tr>s of the table of regions below a province: [(ChildRegion, Change)]."""
    words, query = _Words(), _period_query(label)
    parts = []
    for child, change in child_rows:
        url = escape(reverse("reports:region", args=[child.pk]))
        parts.append(
            f'<tr><td><a href="{url}{query}">{escape(child.name)}</a></td>'
            f'<td class="num">{child.plan_count}</td>'
            f"{_rollup_cells(child.rollup, words)}{_change_cell(change, words)}</tr>"
        )
    # Safe: fixed tags around escaped text.
    return mark_safe("\n".join(parts))


@register.simple_tag
def region_plan_rows(rows, label):
    """The <tr>s of a table of plans: [RankedPlan] (a plan, its rollup and its change)."""
    words, query = _Words(), _period_query(label)
    parts = []
    for row in rows:
        plan = row.plan
        url = escape(reverse("reports:dashboard", args=[plan.pk]))
        parts.append(
            f"<tr><td>{escape(plan.region.name)}</td>"
            f'<td><a href="{url}{query}">{escape(plan.title)}</a></td>'
            f"{_rollup_cells(row.rollup, words)}{_change_cell(row, words)}</tr>"
        )
    return mark_safe("\n".join(parts))


@register.simple_tag
def region_project_rows(projects):
    """The <tr>s of the key-project table: each row of `projects` (RegionProjects), then
    the region's total."""
    stages = _("前期工作 %(a)s，开工建设 %(b)s，建成投产 %(c)s")
    rows = [(row, False) for row in projects.rows]
    if projects.total:
        rows.append((projects.total, True))
    parts = []
    for row, total in rows:
        f = row.figures
        plan = escape(_("合计")) if total else escape(row.plan or "—")
        rate = row.investment_rate
        share = "" if rate is None else f' <span class="muted">（{escape(localize(rate))}%）</span>'
        capacity = "；".join(
            f"{_number(c['operating'])} / {_number(c['planned'])} {escape(c['unit'])}" for c in row.capacity
        )
        parts.append(
            ('<tr class="total">' if total else "<tr>")
            + f'<td>{escape(row.region)}</td><td>{plan}</td><td class="num">{f.projects}</td>'
            f"<td>{stages % {'a': f.preparing, 'b': f.building, 'c': f.operating}}</td>"
            f'<td class="num">{f.red}</td><td class="num">{f.yellow}</td>'
            f'<td class="num">{_number(f.investment_done)} / {_number(f.investment_planned)}{share}</td>'
            f"<td>{capacity or '—'}</td></tr>"
        )
    return mark_safe("\n".join(parts))


def _number(value) -> str:
    """A Decimal as the template printed `value.normalize`: no trailing zeros, no exponent."""
    return escape(localize(value.normalize()))
