"""The office's work queue on its home (reports.home.PlanQueue), one block per plan in
Python: a region office's home shows fifteen or twenty plans of eight to ten items each,
and a template node per item was a third of the page's own time. Texts from the data
(region names, plan titles) are escaped here as the template would escape them; the
translated texts are the same catalogue entries the template used."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .report_tags import escape as _e

register = template.Library()


def _item(key, count, label, url, calm, *, css=""):
    """<li> of one item: its label and count linking to the list, or its calm line."""
    if count:
        link_class = f' class="{css}"' if css else ""
        body = f'{_e(label)} <a{link_class} href="{url}">{_e(count)}</a>'
    else:
        body = f'<span class="muted">{_e(calm)}</span>'
    return f'<li data-item="{key}">{body}</li>'


def _rollup_items(item, plan_pk, label) -> list[str]:
    r = item.rollup
    review = f"{_e(reverse('tasks:review'))}?plan={plan_pk}&amp;period={label}"
    waited = ""
    if r.to_review and item.days_waiting:
        days = item.days_waiting
        waited = ' <span class="muted">{}</span>'.format(
            _e(ngettext("最早已等 %(n)s 天", "最早已等 %(n)s 天", days) % {"n": days})
        )
    to_review = (
        f'<li data-item="to_review">{_e(_("待审核"))} <a href="{review}">{_e(r.to_review)}</a>{waited}</li>'
        if r.to_review
        else f'<li data-item="to_review"><span class="muted">{_e(_("没有待审核的报告"))}</span></li>'
    )
    dashboard = _e(reverse("reports:dashboard", args=[plan_pk]))
    missing = _e(reverse("reports:missing", args=[plan_pk]))
    return [
        to_review,
        _item(
            "returned", r.returned, _("退回未重报"), f"{review}&amp;state=returned", _("没有退回未重报的报告")
        ),
        _item(
            "missing_lead",
            r.missing_lead,
            _("牵头单位未报"),
            f"{missing}?period={label}&amp;kind=lead",
            _("牵头单位均已报送"),
        ),
        _item(
            "red",
            r.red,
            _("红灯任务"),
            f"{dashboard}?period={label}&amp;level=red#tasks",
            _("没有红灯任务"),
            css="red",
        ),
    ]


def _office_items(item, plan_pk, label) -> list[str]:
    x, period = item.items, item.period
    lines = []
    if period:
        if x.late_agencies is None:
            ahead = _("报送截止 %(day)s，尚未逾期") % {"day": period.deadline.strftime("%Y-%m-%d")}
            late = f'<li data-item="late_agencies"><span class="muted">{_e(ahead)}</span></li>'
        else:
            late = _item(
                "late_agencies",
                x.late_agencies,
                _("逾期未报单位"),
                f"{_e(reverse('reports:missing', args=[plan_pk]))}?period={label}",
                _("截止后没有逾期未报的单位"),
            )
        dashboard = _e(reverse("reports:dashboard", args=[plan_pk]))
        bulletins = _e(reverse("reports:plan-bulletins", args=[plan_pk]))
        lines += [
            late,
            _item(
                "newly_red",
                x.newly_red,
                _("本季度新转红灯"),
                f"{dashboard}?period={label}&amp;level=red&amp;new=1#tasks",
                _("本季度没有新转红灯的任务"),
                css="red",
            ),
            _item(
                "to_issue",
                len(x.to_issue),
                _("待印发通报"),
                f"{bulletins}?pending=1",
                _("没有待印发的督查通报"),
            ),
        ]
    schedule = _e(reverse("plans:schedule", args=[plan_pk]))
    lines.append(
        _item(
            "unscheduled",
            len(x.unscheduled),
            _("未安排填报的季度"),
            f"{schedule}#unscheduled",
            _("已开始的季度都已安排填报"),
        )
    )
    return lines


@register.simple_tag
def plan_queue(item):
    """The <article> of one plan's work queue (reports.home.PlanQueue)."""
    plan, period = item.plan, item.period
    name = f"{_e(plan.region.name)} · {_e(plan.title)}"
    if period:
        label = _e(period.label)
        url = _e(reverse("reports:dashboard", args=[plan.pk]))
        head = f'<a href="{url}?period={label}">{name}</a> <small class="muted">{_e(period.display_name)}</small>'
    else:
        label = ""
        head = f'<a href="{_e(reverse("plans:detail", args=[plan.pk]))}">{name}</a>'
    quiet = item.is_quiet
    parts = [
        f'<article class="plan-queue{" quiet" if quiet else ""}" id="plan-queue-{plan.pk}">',
        f"<h3>{head}</h3>",
    ]
    if quiet:
        calm = (
            _("%(name)s暂无待办：报告均已处理，没有逾期、新转红灯和待印发的通报。")
            % {"name": period.display_name}
            if period
            else _("暂无待办。")
        )
        parts.append(f'<p class="calm">{_e(calm)}</p>')
    else:
        lines = []
        if not period:
            schedule = _e(reverse("plans:schedule", args=[plan.pk]))
            lines.append(
                f'<li class="item-calm">{_e(_("该方案尚未设置填报季度。"))} '
                f'<a href="{schedule}">{_e(_("设置填报安排"))}</a></li>'
            )
        elif item.rollup:
            lines += _rollup_items(item, plan.pk, label)
        else:
            lines.append(f'<li class="muted">{_e(_("统计数据生成中"))}</li>')
        if item.items:
            lines += _office_items(item, plan.pk, label)
        parts.append('<ul class="queue-items">' + "\n".join(lines) + "</ul>")
    parts.append("</article>")
    # Safe: fixed tags around escaped text.
    return mark_safe("\n".join(parts))
