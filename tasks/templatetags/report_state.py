"""{{ report|state_badge }}: a report's state as the lists show it (未填报, 已提交, 逾期…),
and {% review_rows %}, the review queue's rows. The queue and the agency's task list
print them row after row, so they are written here in one pass rather than node by node
(and an included template per row); every text is escaped as the template would."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def state_badge(report) -> str:
    if not report or not report.state:
        html = f'<span class="state state-none">{escape(_("未填报"))}</span>'
    else:
        state = report.state
        # An input a supporter hands its lead is worded for that, not for the office.
        input_words = {
            "submitted": _("已报送牵头单位"),
            "approved": _("已汇总"),
            "returned": _("退回补充"),
        }
        word = input_words.get(state) if getattr(report, "is_input", False) else None
        html = (
            f'<span class="state state-{escape(state)}">{escape(word or report.get_state_display())}</span>'
        )
    if report and getattr(report, "is_late", False):
        html += f' <span class="state state-late">{escape(_("逾期"))}</span>'
    # Safe: fixed tags around escaped text.
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def review_rows(context, reports, is_office):
    """The <tr>s of the review queue (a page of reports, each with .days_waiting), with
    the office's tick box and 通过 / 退回 where a report waits for it."""
    request = context["request"]
    here = escape(request.get_full_path())
    token = escape(get_token(request)) if is_office else ""
    choose, lead, support = _("选择"), escape(_("牵头")), escape(_("配合"))
    approve, give_back = escape(_("通过")), escape(_("退回…"))
    labels = {name: escape(_(name)) for name in ("单位", "牵头/配合", "状态", "进度", "提交时间", "等待天数")}
    parts = []
    for r in reports:
        waiting = r.state == "submitted"
        number, agency = r.task.number, r.agency.name
        detail = escape(reverse("tasks:report_detail", args=[r.pk]))
        check = ""
        if is_office:
            box = (
                f'<label class="check"><input type="checkbox" name="report" value="{r.pk}" form="batch-form" '
                f'aria-label="{escape(choose)} {escape(number)} {escape(agency)}"></label>'
                if waiting
                else ""
            )
            check = f'<td class="card-check">{box}</td>'
        role = lead if r.role == "lead" else support if r.role == "support" else "—"
        # As the template printed Decimal.normalize(): 60, never 6E+1.
        percent = "—" if r.percent is None else f"{r.percent.normalize():f}%"
        submitted = dateformat.format(localtime(r.submitted_at), "m-d H:i") if r.submitted_at else "—"
        days = "—"
        if r.days_waiting is not None:
            days = escape(ngettext("%(days)s 天", "%(days)s 天", r.days_waiting) % {"days": r.days_waiting})
        actions = ""
        if is_office and waiting:
            approve_url = escape(reverse("tasks:report_approve", args=[r.pk]))
            actions = (
                f'<form method="post" action="{approve_url}" class="inline">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<input type="hidden" name="next" value="{here}"><button type="submit" class="primary">{approve}</button>'
                f'</form> <a class="button" href="{detail}#return-comment">{give_back}</a>'
            )
        parts.append(
            f"<tr>{check}"
            f'<td class="card-no">{escape(number)}</td>'
            f'<td class="card-title"><a href="{detail}">{escape(r.task.title)}</a>'
            f'<div class="muted clip">{escape(Truncator(r.progress_text).chars(80))}</div></td>'
            f'<td data-label="{labels["单位"]}">{escape(agency)}</td>'
            f'<td class="role" data-label="{labels["牵头/配合"]}">{role}</td>'
            f'<td data-label="{labels["状态"]}">{state_badge(r)}</td>'
            f'<td class="num" data-label="{labels["进度"]}">{percent}</td>'
            f'<td data-label="{labels["提交时间"]}">{submitted}</td>'
            f'<td class="num waiting" data-label="{labels["等待天数"]}">{days}</td>'
            f'<td class="nowrap card-actions">{actions}</td></tr>'
        )
    # Safe: fixed tags around escaped text.
    return mark_safe("\n".join(parts))


@register.simple_tag
def agency_task_rows(rows, agency_count):
    """The <tr>s of the agency's task list (tasks.selectors.agency_task_rows), naming the
    agency on each row where the user answers for several."""
    several_agencies = agency_count > 1
    labels = {name: escape(_(name)) for name in ("职责", "季度", "状态", "截止", "剩余天数")}
    view, fill, missing_word = escape(_("查看")), escape(_("填报")), escape(_("，未报："))
    parts = []
    for row in rows:
        task, period, report = row.task, row.period, row.report
        form = escape(reverse("tasks:report_form", args=[task.pk, period.pk]))
        agency = f'<div class="muted">{escape(row.assignment.agency.name)}</div>' if several_agencies else ""
        inputs = ""
        if row.supporters:
            got = _("配合单位材料 %(got)s/%(all)s") % {"got": row.inputs_received, "all": len(row.supporters)}
            names = "、".join(escape(a.name) for a in row.inputs_missing)
            inputs = (
                f'<div class="muted small inputs-count">{escape(got)}'
                f"{missing_word + names if row.inputs_missing else ''}</div>"
            )
        if row.days_left is not None:
            days = escape(ngettext("%(days)s 天", "%(days)s 天", row.days_left) % {"days": row.days_left})
        elif row.days_late is not None:
            days = f'<span class="overdue">{escape(_("已过 %(days)s 天") % {"days": row.days_late})}</span>'
        else:
            days = "—"
        seen = report is not None and report.state in ("submitted", "approved")
        parts.append(
            f'<tr class="row-{escape(row.state_key)}"><td class="card-no">{escape(task.number)}</td>'
            f'<td class="card-title"><a href="{form}">{escape(task.title)}</a>{agency}</td>'
            f'<td data-label="{labels["职责"]}">{escape(row.assignment.get_role_display())}</td>'
            f'<td data-label="{labels["季度"]}">{escape(period.display_name)}</td>'
            f'<td data-label="{labels["状态"]}">{state_badge(report)}{inputs}</td>'
            f'<td data-label="{labels["截止"]}">{period.deadline:%Y-%m-%d}</td>'
            f'<td class="num" data-label="{labels["剩余天数"]}">{days}</td>'
            f'<td class="card-actions"><a class="button" href="{form}">{view if seen else fill}</a></td></tr>'
        )
    return mark_safe("\n".join(parts))
