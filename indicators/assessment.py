"""How each indicator stands at a quarter: the one assessment the dashboards, the stored
rollups and the bulletin all read, so they cannot disagree on a status or a figure.

The value used for a quarter is the latest reported up to it (an older one is named
in `value_period`); among several agencies' values of one quarter the lead agency's
counts, else the most recently entered. The path itself is indicators.trajectory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy

from . import trajectory
from .models import Indicator, IndicatorValue

STATUS_LABELS = {
    trajectory.ON_TRACK: gettext_lazy("达到序时进度"),
    trajectory.BEHIND: gettext_lazy("落后序时进度"),
    trajectory.ACHIEVED: gettext_lazy("已达到目标"),
    trajectory.NO_DATA: gettext_lazy("暂无数据"),
    trajectory.NO_BASELINE: gettext_lazy("无基期值"),
    trajectory.NO_TARGET_YEAR: gettext_lazy("未设目标年份"),
}


def _read_through(name):
    return property(lambda self: getattr(self.assessment, name))


@dataclass
class IndicatorAssessment:
    """One indicator at one quarter, with the values of every quarter so far."""

    indicator: Indicator
    assessment: trajectory.Assessment
    value_period: str = ""  # the quarter the value comes from, when older than the one assessed
    series: list = field(default_factory=list)  # [{"period", "value", "expected"}]

    # The verdict and its figures, read through from the trajectory's assessment.
    status = _read_through("status")
    value = _read_through("value")
    expected = _read_through("expected")
    attainment = _read_through("attainment")
    behind_pct = _read_through("behind_pct")

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_on_track(self):
        return self.status in (trajectory.ON_TRACK, trajectory.ACHIEVED)


def pick_value(rows, lead_agency_ids):
    """The figure of one indicator and quarter among several agencies' rows: the lead
    agency's, else the most recently entered."""
    return sorted(rows, key=lambda r: (r["agency_id"] in lead_agency_ids, r["updated_at"]))[-1]["value"]


def values_by_quarter(value_filter: dict, year: int, quarter: int) -> dict:
    """{indicator id: {(year, quarter): [value rows]}} up to the quarter: one query."""
    grouped = defaultdict(lambda: defaultdict(list))
    rows = IndicatorValue.objects.filter(**value_filter, period__year__lte=year).values(
        "indicator_id", "agency_id", "value", "updated_at", "period__year", "period__quarter"
    )
    for row in rows:
        when = (row["period__year"], row["period__quarter"])
        if when <= (year, quarter):
            grouped[row["indicator_id"]][when].append(row)
    return grouped


def assess(
    indicator, by_quarter: dict, year: int, quarter: int, *, leads=(), tolerance, default_target_year
) -> IndicatorAssessment:
    """The indicator against its trajectory at the end of the quarter, from its value
    rows grouped by quarter (as values_by_quarter returns them)."""
    leads = set(leads)
    spec = trajectory.Spec.of(indicator, default_target_year=default_target_year)
    values = [(q, pick_value(by_quarter[q], leads)) for q in sorted(by_quarter)]
    first = (values[0][1], *values[0][0]) if values else None
    latest = values[-1] if values else None
    result = IndicatorAssessment(
        indicator=indicator,
        assessment=trajectory.assess(
            spec,
            latest[1] if latest else None,
            year,
            quarter,
            first_value=first,
            tolerance=Decimal(tolerance),
        ),
    )
    if latest and latest[0] != (year, quarter):
        result.value_period = f"{latest[0][0]}Q{latest[0][1]}"
    result.series = [
        {
            "period": f"{y}Q{q}",
            "value": value,
            "expected": trajectory.expected_at(spec, y, q, first_value=first),
        }
        for (y, q), value in values
    ]
    return result


def assess_plan(plan, period, *, tolerance, leads_by_task=None, task=None) -> list[IndicatorAssessment]:
    """Every indicator of the plan (or of one of its tasks) at the quarter, in the order
    of the breakdown: two queries (the indicators, their values)."""
    indicators = (
        Indicator.objects.filter(plan=plan)
        .exclude(task__archived_at__isnull=False)
        .select_related("task", "task__action")
    )
    if task is not None:
        indicators = indicators.filter(task=task)
    indicators = list(indicators.order_by("task__action__seq", "task__seq", "seq", "id"))
    if not indicators:
        return []
    value_filter = {"indicator__task": task} if task is not None else {"indicator__plan": plan}
    values = values_by_quarter(value_filter, period.year, period.quarter)
    leads_by_task = leads_by_task or {}
    default_year = plan.end_year or plan.plan_year
    return [
        assess(
            indicator,
            values.get(indicator.pk, {}),
            period.year,
            period.quarter,
            leads=leads_by_task.get(indicator.task_id, ()),
            tolerance=tolerance,
            default_target_year=default_year,
        )
        for indicator in indicators
    ]
