"""序时进度 and 完成率: where an indicator should stand at the end of each quarter on its
way from the baseline to the target, how far it has come, and what an office reads in it.

Pure functions over plain values, so the arithmetic is tested with worked numbers.

Conventions (the ones offices use when they write “按序时进度”):

* Time runs linearly, in quarters. A baseline of year B is the value at the end of
  B; a target “到 T 年” is due at the end of T; a quarter's value is measured at the
  end of that quarter. So baseline 2020 → target 2025 spans 20 quarters, and 2023Q2
  is 10 of them, half way.
* 完成率 (completion, `attainment`) is the share of the whole way to the target made so
  far, one definition for every page, chart and document:
  - “≥ target” and “≤ target” (and ≈ / = with a baseline): (value − baseline) ÷
    (target − baseline) × 100, which for “≤” is the mirror (baseline − value) ÷
    (baseline − target); without a baseline, value ÷ target for “≥” and target ÷ value
    for “≤”; ≈ / = without a baseline: closeness, 100 − |value − target| ÷ |target| × 100.
  - Change targets (下降 / 提高 X % against the baseline year) are reported as the
    cumulative change reached so far, in %, in the stated direction (“累计下降 6 %” is
    6): completion = value ÷ X × 100.
  - Whether the target is reached is decided by the comparator, never by the ratio: a
    value that has not reached it shows at most 99.9 %.
* 序时进度 (`expected_pct`) is the share of the time from the start to the end of the
  target year that has passed, in %; `behind_pct` is expected_pct − completion in
  percentage points when positive (“应达 x%，实际 y%，落后 z 个百分点”). Percentages are
  rounded half up to one decimal before z is taken, so x − y = z as printed. On track when
  behind ≤ the tolerance. `expected` is the value the path expects by then.
* Without a baseline the first reported value becomes the starting point (and the
  baseline the completion is measured from), at the end of the quarter it was
  reported for, and the assessment says so. With only that one value there is no
  path yet: status “no_baseline” (completion is value ÷ target).
* From the end of the target year on, a target not reached is “missed” (到期未完成),
  not “behind”.
* A descriptive target (“500米全覆盖”) is not a number: its value reads 1 for done and 0
  for not done, and it is done, not done, or missed once its year is over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

ON_TRACK = "on_track"
BEHIND = "behind"
ACHIEVED = "achieved"
NO_DATA = "no_data"
NO_BASELINE = "no_baseline"
NO_TARGET_YEAR = "no_target_year"
MISSED = "missed"  # 到期未完成: the target year is over and the target not reached
DONE = "done"  # a descriptive target done
NOT_DONE = "not_done"  # a descriptive target not done yet, before its year is over


# A target is a state to reach (done / not done) rather than a quantity when nothing in
# it is a figure to compare: what it asks is 全覆盖, 基本建成, 实现…, 建立…机制, and any number
# in it only qualifies the state — a year (“到2025年”), a radius before 覆盖 (“站点500米全覆盖”:
# 500 米 is how near, not a figure the county reports), a travel time of a 生活圈.
_YEARS = re.compile(r"(?:19|20)\d{2}\s*年(?:底|末|前|内|起)?|“?十[一二三四五六七八九]五”?")
_RADIUS = re.compile(
    r"(?:服务)?半径\s*\d+(?:\.\d+)?\s*(?:米|公里|千米)"
    r"|\d+(?:\.\d+)?\s*(?:米|公里|千米)(?=[^\d，,。；;]{0,8}?(?:覆盖(?!率)|范围|服务圈|生活圈))"
    r"|\d+\s*分钟[^\d，,。；;]{0,6}?圈"
)
_QUANTITY = re.compile(r"\d|百分之")
_STATE = re.compile(r"覆盖(?!率)|建成|实现|建立|健全|形成|完成|完善|落实|推行|基本|全面")


def is_descriptive_text(text: str) -> bool:
    """Whether a target as written is a state (done / not done) rather than a number:
    it names a state to reach and, years and qualifiers set aside, has no quantity."""
    text = text or ""
    rest = _RADIUS.sub("", _YEARS.sub("", text))
    return bool(_STATE.search(text)) and not _QUANTITY.search(rest)


def _d(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(value: Decimal) -> Decimal:
    """A percentage as every page prints it: one decimal, half up."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def quarter_end(year: int, quarter: int) -> Decimal:
    """The end of a quarter as a point on a year scale: 2023Q2 → 2023.5, 2025Q4 → 2026."""
    return Decimal(year) + Decimal(quarter) / 4


def year_end(year: int) -> Decimal:
    return Decimal(year + 1)


@dataclass(frozen=True)
class Spec:
    """What the path needs to know about an indicator."""

    comparator: str  # ">=", "<=", "~", "="
    target: Decimal
    target_year: int | None = None
    baseline_value: Decimal | None = None
    baseline_year: int | None = None
    change: str = "level"  # "level", "decrease", "increase"
    target_max: Decimal | None = None
    descriptive: bool = False  # a target in words, tracked as done / not done

    @classmethod
    def of(cls, indicator, *, default_target_year: int | None = None) -> Spec:
        return cls(
            comparator=indicator.comparator,
            target=_d(indicator.target),
            target_year=indicator.target_year or default_target_year,
            baseline_value=_d(indicator.baseline_value),
            baseline_year=indicator.baseline_year,
            change=indicator.change or "level",
            target_max=_d(indicator.target_max),
            descriptive=indicator.descriptive,
        )

    @property
    def is_change(self) -> bool:
        return self.change in ("decrease", "increase")

    def start(self, first_value=None):
        """(value, time, source) the path starts from, or None when there is none.

        first_value: (value, year, quarter) of the earliest reported value, used only
        when the indicator has no baseline of its own.
        """
        if self.is_change:
            if self.baseline_year is not None:
                return Decimal(0), year_end(self.baseline_year), "baseline"
            return None
        if self.baseline_value is not None and self.baseline_year is not None:
            return self.baseline_value, year_end(self.baseline_year), "baseline"
        if first_value is not None:
            value, year, quarter = first_value
            return _d(value), quarter_end(year, quarter), "first_value"
        return None


def elapsed(start_time: Decimal, target_year: int, year: int, quarter: int) -> Decimal:
    """Share of the way from start to target at the end of the quarter, within 0…1."""
    span = year_end(target_year) - start_time
    if span <= 0:
        return Decimal(1)
    share = (quarter_end(year, quarter) - start_time) / span
    return min(Decimal(1), max(Decimal(0), share))


def _expected(spec: Spec, year: int, quarter: int, first_value=None) -> Decimal | None:
    start = spec.start(first_value)
    if start is None or spec.target_year is None:
        return None
    value, time, _source = start
    share = elapsed(time, spec.target_year, year, quarter)
    return value + (spec.target - value) * share


def expected_at(spec: Spec, year: int, quarter: int, *, first_value=None) -> Decimal | None:
    """The value the indicator should have at the end of the quarter, or None without a path."""
    return _q(_expected(spec, year, quarter, first_value))


def path(spec: Spec, quarters, *, first_value=None) -> list[tuple[str, Decimal | None]]:
    """[(“2026Q1”, expected), …] for the given (year, quarter) pairs."""
    return [(f"{y}Q{q}", expected_at(spec, y, q, first_value=first_value)) for y, q in quarters]


@dataclass(frozen=True)
class Assessment:
    status: str
    value: Decimal | None = None
    expected: Decimal | None = None  # the value the path expects at the quarter
    attainment: Decimal | None = None  # 完成率 %, of the whole way from baseline to target
    behind_pct: Decimal | None = None  # percentage points short of 序时进度, 0 when on or ahead
    expected_pct: Decimal | None = None  # 序时进度 %: the share of the time passed
    baseline: Decimal | None = None  # the value the completion is measured from, if any
    baseline_source: str = "baseline"  # "baseline", "first_value" or "none"
    note: str = ""

    @property
    def completion(self) -> Decimal | None:
        return self.attainment

    @property
    def is_assessed(self) -> bool:
        return self.status in (ON_TRACK, BEHIND, ACHIEVED, MISSED, DONE)


def _meets_target(spec: Spec, value: Decimal) -> bool:
    if spec.is_change or spec.comparator == ">=":
        return value >= spec.target
    if spec.comparator == "<=":
        return value <= spec.target
    if spec.target_max is not None:
        return spec.target <= value <= spec.target_max
    return value == spec.target


def _closeness(value: Decimal, expected: Decimal) -> Decimal:
    if expected == 0:
        return HUNDRED if value == 0 else Decimal(0)
    return max(Decimal(0), HUNDRED - abs(value - expected) / abs(expected) * HUNDRED)


def completion(spec: Spec, value: Decimal, base: Decimal | None) -> Decimal:
    """完成率 in %, uncapped: the share of the way from `base` (None: no baseline) to the target."""
    target = spec.target
    if spec.is_change:
        return value / target * HUNDRED if target else HUNDRED
    if base is not None and target != base:
        return (value - base) / (target - base) * HUNDRED
    if spec.comparator == ">=":
        return value / target * HUNDRED if target else HUNDRED
    if spec.comparator == "<=":
        return target / value * HUNDRED if value else HUNDRED
    return _closeness(value, target)


def _descriptive(spec: Spec, value: Decimal, due: bool) -> Assessment:
    if value:
        return Assessment(status=DONE, value=value, attainment=HUNDRED, baseline_source="none")
    return Assessment(status=MISSED if due else NOT_DONE, value=value, baseline_source="none")


def assess(
    spec: Spec, value, year: int, quarter: int, *, first_value=None, tolerance=Decimal(5)
) -> Assessment:
    """How the value reported for the quarter stands against the target and the path."""
    value = _d(value)
    tolerance = _d(tolerance)
    if value is None:
        return Assessment(status=NO_DATA, note="本季度及之前未报送数值")
    due = spec.target_year is not None and quarter_end(year, quarter) >= year_end(spec.target_year)
    if spec.descriptive:
        return _descriptive(spec, value, due)
    # A first value only stands in for a missing baseline if it is older than this one.
    if first_value is not None and (first_value[1], first_value[2]) >= (year, quarter):
        first_value = None
    start = spec.start(first_value)
    source = start[2] if start else "none"
    note = ""
    if source == "first_value":
        fv, fy, fq = first_value
        note = f"无基期值，以{_quarter(fy, fq)}首次报送值{_d(fv).normalize():f}为起点"
    base = start[0] if start and not spec.is_change else None
    reached = _meets_target(spec, value)
    ratio = completion(spec, value, base)
    ratio = _pct(max(HUNDRED, ratio) if reached else min(ratio, Decimal("99.9")))
    figures = {"value": value, "attainment": ratio, "baseline": base, "baseline_source": source}
    if spec.target_year is None:
        return Assessment(status=NO_TARGET_YEAR, note="未设目标年份，无法计算序时进度", **figures)
    expected = _q(_expected(spec, year, quarter, first_value))
    if reached:
        return Assessment(status=ACHIEVED, expected=expected, behind_pct=Decimal(0), note=note, **figures)
    if due:
        return Assessment(
            status=MISSED, expected=expected, note=note or "目标年份已过，未达到目标值", **figures
        )
    if start is None:
        return Assessment(
            status=NO_BASELINE, note="无基期值，暂无法计算序时进度；目标年份起与目标值直接比较", **figures
        )
    # Rounded first, so 应达 x − 实际 y = 落后 z exactly as printed.
    expected_pct = _pct(elapsed(start[1], spec.target_year, year, quarter) * HUNDRED)
    behind = max(Decimal(0), expected_pct - ratio)
    return Assessment(
        status=ON_TRACK if behind <= tolerance else BEHIND,
        expected=expected,
        expected_pct=expected_pct,
        behind_pct=behind,
        note=note,
        **figures,
    )


def assess_series(
    spec: Spec, values: dict, quarters, *, tolerance=Decimal(5)
) -> list[tuple[str, Assessment]]:
    """The assessment at each quarter, for charts of an indicator against its path.

    values: {(year, quarter): value} as reported; a quarter without a value of its own
    is assessed on the latest earlier one (its note says which quarter that was).
    """
    reported = sorted((k, _d(v)) for k, v in values.items() if v is not None)
    first = (reported[0][1], *reported[0][0]) if reported else None
    series = []
    for year, quarter in quarters:
        earlier = [(k, v) for k, v in reported if k <= (year, quarter)]
        if not earlier:
            series.append((f"{year}Q{quarter}", assess(spec, None, year, quarter)))
            continue
        (vy, vq), value = earlier[-1]
        result = assess(spec, value, year, quarter, first_value=first, tolerance=tolerance)
        if (vy, vq) != (year, quarter):
            note = f"沿用{_quarter(vy, vq)}报送值" + (f"；{result.note}" if result.note else "")
            result = Assessment(**{**result.__dict__, "note": note})
        series.append((f"{year}Q{quarter}", result))
    return series


def _quarter(year, quarter) -> str:
    """The quarter in a note people read (2026年第一季度), not its code."""
    from tasks.models import quarter_display  # tasks imports indicators; this is read at run time

    return quarter_display(year, quarter)
