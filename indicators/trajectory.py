"""序时进度: where an indicator should stand at the end of each quarter on its way
from the baseline to the target, and how far the reported value is from it.

Pure functions over plain values, so the arithmetic is tested with worked numbers.

Conventions (the ones offices use when they write “按序时进度”):

* Time runs linearly, in quarters. A baseline of year B is the value at the end of
  B; a target “到 T 年” is due at the end of T; a quarter's value is measured at the
  end of that quarter. So baseline 2020 → target 2025 spans 20 quarters, and 2023Q2
  is 10 of them, half way.
* Level indicators (≥, ≤, ≈, =) move linearly from the baseline value to the target.
  Attainment = share of the increment due by now that has been made:
  (value − baseline) ÷ (expected − baseline) × 100. For ≈ and = the figure is the
  closeness to the expected value: 100 − |value − expected| ÷ |expected| × 100.
* Change targets (下降 / 提高 X % against the baseline year) are reported as the
  cumulative change reached so far, in %, in the stated direction (“累计下降 6 %” is
  6). The path runs from 0 at the end of the baseline year to X at the target year;
  attainment = value ÷ expected × 100.
* Behind = 100 − attainment when positive; on track when behind ≤ the tolerance.
* An indicator already at its final target is “achieved”, whatever the path says.
* Without a baseline the first reported value becomes the starting point, at the end
  of the quarter it was reported for, and the assessment says so. With only that one
  value there is no path yet: status “no_baseline”, except from the target year on,
  when the value is compared with the target itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

ON_TRACK = "on_track"
BEHIND = "behind"
ACHIEVED = "achieved"
NO_DATA = "no_data"
NO_BASELINE = "no_baseline"
NO_TARGET_YEAR = "no_target_year"


def _d(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


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
    expected: Decimal | None = None
    attainment: Decimal | None = None  # %, 100 = exactly on the path
    behind_pct: Decimal | None = None  # % short of the path, 0 when on or ahead
    baseline_source: str = "baseline"  # "baseline", "first_value" or "none"
    note: str = ""

    @property
    def is_assessed(self) -> bool:
        return self.status in (ON_TRACK, BEHIND, ACHIEVED)


def _meets_target(spec: Spec, value: Decimal) -> bool:
    if spec.comparator == ">=":
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


def _verdict(attainment: Decimal, tolerance: Decimal) -> tuple[str, Decimal]:
    behind = max(Decimal(0), HUNDRED - attainment)
    return (ON_TRACK if behind <= tolerance else BEHIND), behind


def assess(
    spec: Spec, value, year: int, quarter: int, *, first_value=None, tolerance=Decimal(5)
) -> Assessment:
    """How the value reported for the quarter stands against the path and the target."""
    value = _d(value)
    tolerance = _d(tolerance)
    if value is None:
        return Assessment(status=NO_DATA, note="本季度及之前未报送数值")
    if spec.target_year is None:
        return Assessment(status=NO_TARGET_YEAR, value=value, note="未设目标年份，无法计算序时进度")
    # A first value only stands in for a missing baseline if it is older than this one.
    if first_value is not None and (first_value[1], first_value[2]) >= (year, quarter):
        first_value = None
    start = spec.start(first_value)
    source = start[2] if start else "none"
    note = ""
    if source == "first_value":
        fv, fy, fq = first_value
        note = f"无基期值，以{fy}Q{fq}首次报送值{_d(fv).normalize():f}为起点"

    if not spec.is_change and spec.comparator in (">=", "<=") and _meets_target(spec, value):
        return Assessment(
            status=ACHIEVED,
            value=value,
            expected=expected_at(spec, year, quarter, first_value=first_value),
            attainment=HUNDRED,
            behind_pct=Decimal(0),
            baseline_source=source,
            note=note or "已达到目标值",
        )

    due = quarter_end(year, quarter) >= year_end(spec.target_year)
    if start is None:
        if not due:
            return Assessment(
                status=NO_BASELINE,
                value=value,
                baseline_source="none",
                note="无基期值，暂无法计算序时进度；目标年份起与目标值直接比较",
            )
        # From the target year on the target itself is the yardstick.
        target = spec.target
        if spec.is_change or spec.comparator == ">=":
            attainment = value / target * HUNDRED if target else HUNDRED
        elif spec.comparator == "<=":
            attainment = target / value * HUNDRED if value else HUNDRED
        else:
            attainment = _closeness(value, target)
        status, behind = _verdict(attainment, tolerance)
        return Assessment(
            status=status,
            value=value,
            expected=_q(target),
            attainment=_q(attainment),
            behind_pct=_q(behind),
            baseline_source="none",
            note="无基期值，按目标值直接比较",
        )

    # Rounded only for display: attainment is computed from the exact path.
    expected = _expected(spec, year, quarter, first_value)
    base_value = start[0]
    if spec.is_change:
        attainment = value / expected * HUNDRED if expected else None
    elif spec.comparator in ("~", "="):
        attainment = _closeness(value, expected)
    else:
        increment = expected - base_value
        attainment = (value - base_value) / increment * HUNDRED if increment else None
    if attainment is None:
        # Nothing is due yet (the quarter is at the start of the path).
        return Assessment(
            status=ON_TRACK,
            value=value,
            expected=_q(expected),
            baseline_source=source,
            note=note or "尚在起点，暂无序时要求",
        )
    status, behind = _verdict(attainment, tolerance)
    return Assessment(
        status=status,
        value=value,
        expected=_q(expected),
        attainment=_q(attainment),
        behind_pct=_q(behind),
        baseline_source=source,
        note=note,
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
            note = f"沿用{vy}Q{vq}报送值" + (f"；{result.note}" if result.note else "")
            result = Assessment(**{**result.__dict__, "note": note})
        series.append((f"{year}Q{quarter}", result))
    return series
