"""The office dashboard's large tables (tasks, agencies, indicator cards), row by row in
Python: a plan prints hundreds of cells, and a template node per cell was most of the
page's own time. Every text from the data (task titles, agency and indicator names,
reasons) is escaped here as the template would escape it."""

import html

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..figures import figure

register = template.Library()


def _e(text) -> str:
    """Django's escape() without its lazy-string wrapper (hundreds of calls a page)."""
    return html.escape(str(text))


@register.simple_tag
def task_rows(board, plan, period):
    """The <tr>s of the task table (board.tasks, after the filters)."""
    label = _e(period.label)
    parts = []
    for row in board.tasks:
        task = row.task
        url = _e(reverse("reports:dashboard-task", args=[plan.pk, task.pk]))
        leads = "、".join(_e(a.agency.name) for a in row.leads) or "—"
        completion = row.rollup.completion if row.rollup is not None else None
        done = "—" if completion is None else f"{_e(figure(completion, 0))}%"
        level = row.level
        badge = (
            f'<span class="badge {_e(level)}">{_e(row.light.get_level_display())}</span>' if level else "—"
        )
        reasons = _e("；".join(row.reasons_head))
        rest = row.reasons_rest
        if rest:
            more = ngettext("另 %(n)s 条", "另 %(n)s 条", len(rest)) % {"n": len(rest)}
            reasons += f"<details><summary>{_e(more)}</summary>{_e('；'.join(rest))}</details>"
        parts.append(
            f'<tr data-level="{_e(level)}"><td>{_e(task.number)}</td>'
            f'<td><a href="{url}?period={label}">{_e(task.title)}</a></td>'
            f"<td>{leads}</td><td>{_e(row.status_label)}</td>"
            f'<td class="num">{done}</td><td>{badge}</td><td class="reasons">{reasons}</td></tr>'
        )
    # Safe: fixed tags around escaped text.
    return mark_safe("\n".join(parts))


@register.simple_tag
def agency_rows(board, period):
    """The <tr>s of the agencies' table (one per agency of the plan)."""
    label = _e(period.label)
    parts = []
    for r in board.agencies:
        name = _e(r.agency.name) if r.agency else ""
        rate = r.on_time_rate
        if rate is None:
            rate_html = "—"
        else:
            kind = " low" if rate < 60 else " mid" if rate < 90 else ""
            rate_html = f'<span class="rate{kind}">{_e(rate)}%</span>'
        missing = r.counts.missing
        completion = r.completion
        done = _e(figure("—" if completion is None else completion, 1)) + ("" if completion is None else "%")
        parts.append(
            f'<tr><td><a href="?period={label}&agency={_e(r.agency_id)}#tasks">{name}</a></td>'
            f'<td class="num">{_e(r.expected)}</td><td class="num">{rate_html}</td>'
            f'<td class="num">{_e(r.late)}</td>'
            f'<td class="num{" alert" if missing else ""}">{_e(missing)}</td>'
            f'<td class="num{" warn" if r.returned else ""}">{_e(r.returned)}</td>'
            f'<td class="num{" alert" if r.lagging else ""}">{_e(r.lagging)}</td>'
            f'<td class="num">{done}</td></tr>'
        )
    return mark_safe("\n".join(parts))


@register.simple_tag
def indicator_card_list(board):
    """The indicator cards (board.indicators), each with its sparkline's place."""
    target_word, baseline_word = _e(_("目标")), _e(_("基期"))
    trend_word, attainment_word, progress_word = _e(_("走势")), _e(_("完成率")), _e(_("序时进度"))
    parts = []
    for index, card in enumerate(board.indicators):
        indicator = card.indicator
        name, level = _e(indicator.name), _e(card.level)
        year = f"（{_e(indicator.target_year)}）" if indicator.target_year else ""
        baseline = (
            f'<br><span class="muted">{baseline_word} {_e(card.baseline_text)}</span>'
            if card.baseline_text
            else ""
        )
        foot = f'<span class="badge {level}">{_e(card.status_label)}</span>'
        if card.attainment is not None:
            foot += f' <span class="muted">{attainment_word} {_e(figure(card.attainment, 1))}%</span>'
        if card.progress_text:
            foot += f' <span class="muted">{progress_word} {_e(card.progress_text)}</span>'
        parts.append(
            f'<article class="indicator-card {level}"><h3 title="{name}">{name}</h3>'
            f'<div class="ic-figures"><span class="ic-value">{_e(card.value_text)}</span>'
            f'<span class="ic-target">{target_word} {_e(card.target_text)}{year}{baseline}</span></div>'
            f'<div class="sparkline" data-chart="sparkline" data-index="{index}" aria-label="{trend_word}"></div>'
            f'<div class="ic-foot">{foot}</div></article>'
        )
    return mark_safe("\n".join(parts))


@register.simple_tag
def missing_table_rows(rows, plan, period):
    """The <tr>s of the 未报清单 (reports.reminders.missing_rows), with a 催办 button on
    the first row of each agency."""
    chase = f"{_e(reverse('reports:chase', args=[plan.pk]))}?period={_e(period.label)}&amp;agency="
    button = _e(_("催办"))
    parts, last_agency = [], object()
    for row in rows:
        cell = ""
        if row["agency_id"] != last_agency:
            last_agency = row["agency_id"]
            cell = f'<a class="button" href="{chase}{_e(row["agency_id"])}">{button}</a>'
        item = "input" if row["is_input"] else "report"
        parts.append(
            f"<tr><td>{_e(row['agency'])}</td><td>{_e(row['role'])}</td>"
            f'<td class="kind-{_e(row["kind"])}">{_e(row["kind_label"])}</td>'
            f"<td>{_e(row['number'])}</td><td>{_e(row['task'])}</td>"
            f'<td class="item-{item}">{_e(row["item"])}</td><td>{_e(row["state"])}</td>'
            f"<td>{_e(row['reminded'] or '—')}</td><td>{cell}</td></tr>"
        )
    return mark_safe("\n".join(parts))
