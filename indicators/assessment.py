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

from django.utils.translation import gettext, gettext_lazy

from . import trajectory
from .models import Indicator, IndicatorValue

STATUS_LABELS = {
    trajectory.ON_TRACK: gettext_lazy("达到序时进度"),
    trajectory.BEHIND: gettext_lazy("落后序时进度"),
    trajectory.ACHIEVED: gettext_lazy("已达到目标"),
    trajectory.NO_DATA: gettext_lazy("暂无数据"),
    trajectory.NO_BASELINE: gettext_lazy("无基期值"),
    trajectory.NO_TARGET_YEAR: gettext_lazy("未设目标年份"),
    trajectory.MISSED: gettext_lazy("到期未完成"),
    trajectory.DONE: gettext_lazy("已完成"),
    trajectory.NOT_DONE: gettext_lazy("未完成"),
}
# Statuses that are not behind: the rollups count them as on track.
ON_TRACK_STATUSES = (trajectory.ON_TRACK, trajectory.ACHIEVED, trajectory.DONE, trajectory.NOT_DONE)
# Statuses the lights and the counts treat as behind.
BEHIND_STATUSES = (trajectory.BEHIND, trajectory.MISSED)


def _figure(value) -> str:
    return "—" if value is None else f"{value.normalize():f}"


def _read_through(name):
    return property(lambda self: getattr(self.assessment, name))


@dataclass
class IndicatorAssessment:
    """One indicator at one quarter, with the values of every quarter so far."""

    indicator: Indicator
    assessment: trajectory.Assessment
    value_period: str = ""  # the quarter the value comes from, when older than the one assessed
    baseline_period: str = ""  # the quarter of the first value, when it stands in for the baseline
    # What `series` is drawn from, (spec, [((year, quarter), value)], first value): the
    # path's points are computed only when a page asks for them, never in the rollups.
    series_source: tuple | None = field(default=None, repr=False)
    _series: list | None = field(default=None, init=False, repr=False)

    # The verdict and its figures, read through from the trajectory's assessment.
    status = _read_through("status")
    value = _read_through("value")
    expected = _read_through("expected")
    attainment = _read_through("attainment")  # 完成率, the one figure every page shows
    behind_pct = _read_through("behind_pct")  # percentage points short of 序时进度
    expected_pct = _read_through("expected_pct")  # 序时进度 %
    baseline = _read_through("baseline")  # what the completion is measured from

    @property
    def series(self) -> list:
        """[{"period", "value", "expected"}] of every quarter with a value so far."""
        if self._series is None:
            spec, values, first = self.series_source or (None, [], None)
            self._series = [
                {
                    "period": f"{y}Q{q}",
                    "value": value,
                    "expected": trajectory.expected_at(spec, y, q, first_value=first),
                }
                for (y, q), value in values
            ]
        return self._series

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_on_track(self):
        return self.status in ON_TRACK_STATUSES

    @property
    def is_descriptive(self) -> bool:
        return self.indicator.descriptive

    @property
    def target_text(self) -> str:
        """The target as an office reads it: words for a descriptive one, else ≥ 5 万千瓦."""
        ind = self.indicator
        if ind.descriptive:
            return ind.source_text or ind.name
        change = {"decrease": gettext("（下降%）"), "increase": gettext("（提高%）")}.get(ind.change, "")
        return f"{ind.get_comparator_display()}{_figure(ind.target)}{ind.unit}{change}"

    @property
    def value_text(self) -> str:
        """The value as shown: 已完成 / 未完成 for a descriptive target, never its number."""
        if self.value is None:
            return "—"
        if self.is_descriptive:
            return str(STATUS_LABELS[trajectory.DONE if self.value else trajectory.NOT_DONE])
        return _figure(self.value)

    @property
    def baseline_text(self) -> str:
        """The baseline the completion is measured from, with its year (or quarter), or ""."""
        if self.baseline is None:
            return ""
        ind = self.indicator
        when = self.baseline_period or (self.series[0]["period"] if self.series else "")
        if self.assessment.baseline_source == "first_value" and when:
            return gettext("%(value)s%(unit)s（%(when)s首次报送）") % {
                "value": _figure(self.baseline), "unit": ind.unit, "when": when,
            }  # fmt: skip
        return gettext("%(value)s%(unit)s（%(year)s年）") % {
            "value": _figure(self.baseline), "unit": ind.unit, "year": ind.baseline_year,
        }  # fmt: skip

    @property
    def progress_text(self) -> str:
        """序时进度 as one line: 应达 x%，实际 y%，落后 z 个百分点 (or 不落后)."""
        if self.expected_pct is None or self.attainment is None:
            return ""
        params = {
            "expected": _figure(self.expected_pct), "actual": _figure(self.attainment),
            "behind": _figure(self.behind_pct or Decimal(0)),
        }  # fmt: skip
        if self.behind_pct:
            return gettext("应达 %(expected)s%%，实际 %(actual)s%%，落后 %(behind)s 个百分点") % params
        return gettext("应达 %(expected)s%%，实际 %(actual)s%%，不落后") % params


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


def series_source(indicator, by_quarter: dict, *, leads=(), default_target_year) -> tuple:
    """(spec, [((year, quarter), value)], first value) of an indicator's value rows grouped
    by quarter: what its assessment and its sparkline are drawn from."""
    leads = set(leads)
    spec = trajectory.Spec.of(indicator, default_target_year=default_target_year)
    values = [(q, pick_value(by_quarter[q], leads)) for q in sorted(by_quarter)]
    first = (values[0][1], *values[0][0]) if values else None
    return spec, values, first


def assess(
    indicator,
    by_quarter: dict,
    year: int,
    quarter: int,
    *,
    leads=(),
    tolerance,
    default_target_year,
    source: tuple | None = None,
) -> IndicatorAssessment:
    """The indicator against its trajectory at the end of the quarter, from its value
    rows grouped by quarter (as values_by_quarter returns them), or from `source`, what
    series_source made of those rows already."""
    spec, values, first = source or series_source(
        indicator, by_quarter, leads=leads, default_target_year=default_target_year
    )
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
    if result.assessment.baseline_source == "first_value":
        result.baseline_period = f"{first[1]}Q{first[2]}"
    result.series_source = (spec, values, first)
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
