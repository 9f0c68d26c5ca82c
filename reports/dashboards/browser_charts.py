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
