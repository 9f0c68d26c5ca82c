"""Choice lists too long for a template loop: a province office picks among every plan of
the province."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def plan_options(plans, selected_pk):
    """<option>s of (id, region name, title) rows, the selected plan marked; every text
    escaped."""
    return format_html_join(
        "",
        '<option value="{}"{}>{} · {}</option>',
        (
            (pk, mark_safe(" selected") if pk == selected_pk else "", region, title)
            for pk, region, title in plans
        ),
    )
