"""{{ period|quarter }} and {{ "2026Q3"|quarter }}: a quarter as people write it
(2026年第三季度, Q3 2026 in English). Pages and documents write this; URLs, form values
and the API keep the code."""

from django import template

from tasks.models import ReportingPeriod, label_display

register = template.Library()


@register.filter
def quarter(value) -> str:
    if isinstance(value, ReportingPeriod):
        return value.display_name
    return label_display(value)
