"""What the dashboards hand to the browser charts: their words and plain numbers."""

from __future__ import annotations

from django.utils.translation import gettext as _


def chart_labels() -> dict:
    """Words the browser charts print, translated here like every other UI text."""
    return {
        "no_data": _("无数据"),
        "completion": _("平均完成进度"),
        "on_time": _("按时报送率"),
        "red": _("红灯"),
        "yellow": _("黄灯"),
        "green": _("绿灯"),
        "actual": _("实际值"),
        "expected": _("序时进度"),
    }


def number_or_none(value):
    return None if value is None else float(value)


def action_points(actions, *, with_lights: bool = False) -> list[dict]:
    """[(Action, Rollup|None)] as the bars of the actions chart."""
    points = []
    for action, rollup in actions:
        point = {
            "id": action.pk,
            "name": f"{action.label}{action.title}",
            "completion": number_or_none(rollup.completion) if rollup else None,
        }
        if with_lights:
            point.update(light_totals(rollup))
        points.append(point)
    return points


def light_totals(rollup) -> dict:
    return {level: getattr(rollup, level) if rollup else 0 for level in ("red", "yellow", "green")}
