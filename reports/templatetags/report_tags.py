from django import template

register = template.Library()


@register.filter
def pct(value):
    """55.5 → “55.5%”; None → “—” (zero stays a zero, unlike |default)."""
    if value is None or value == "":
        return "—"
    return f"{value:g}%" if isinstance(value, float) else f"{value}%"


@register.filter
def dash(value):
    return "—" if value is None or value == "" else value
