"""{{ report|state_badge }}: a report's state as the lists show it (未填报, 已提交, 逾期…).
The review queue and the agency's task list print one per row, so it is written here
in one go rather than as an included template of its own per row."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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
