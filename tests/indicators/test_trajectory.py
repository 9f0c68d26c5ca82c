"""序时进度 with worked numbers (see the conventions in indicators/trajectory.py)."""

from decimal import Decimal as D

import pytest

from indicators import trajectory as t


def level(comparator, target, target_year, baseline=None, baseline_year=None, **kw):
    return t.Spec(
        comparator=comparator,
        target=D(str(target)),
        target_year=target_year,
        baseline_value=None if baseline is None else D(str(baseline)),
        baseline_year=baseline_year,
        **kw,
    )


def test_a_quarter_end_is_a_point_on_the_year_scale():
    assert t.quarter_end(2023, 2) == D("2023.5")
    assert t.quarter_end(2025, 4) == D("2026")


def test_an_at_least_target_is_due_linearly_from_the_end_of_the_baseline_year():
    # 80 at the end of 2020 → 135.5 at the end of 2025: 20 quarters, 2.775 each.
    spec = level(">=", "135.5", 2025, 80, 2020)
    assert t.expected_at(spec, 2021, 1) == D("82.78")
    assert t.expected_at(spec, 2023, 2) == D("107.75")
    assert t.expected_at(spec, 2025, 4) == D("135.50")
    # Before the start and after the target the path is flat.
    assert t.expected_at(spec, 2020, 2) == D("80.00")
    assert t.expected_at(spec, 2027, 1) == D("135.50")


def test_completion_of_an_at_least_target_is_the_share_of_the_whole_way_and_seq_progress_is_time():
    spec = level(">=", "135.5", 2025, 80, 2020)
    # 20 of the 55.5 from 80 to 135.5 made: 36.0 %; half the time passed: 应达 50 %.
    result = t.assess(spec, D("100"), 2023, 2)
    assert result.expected == D("107.75")
    assert result.attainment == result.completion == D("36.0")
    assert result.expected_pct == D("50.00")
    assert result.behind_pct == D("14.0")  # percentage points: 50.0 − 36.0 as printed
    assert result.status == t.BEHIND
    assert (result.baseline, result.baseline_source) == (D("80"), "baseline")


def test_a_value_ahead_of_the_time_is_on_track_with_no_shortfall():
    spec = level(">=", "135.5", 2025, 80, 2020)
    result = t.assess(spec, D("110"), 2023, 2)
    assert (result.attainment, result.behind_pct, result.status) == (D("54.1"), D("0"), t.ON_TRACK)


def test_an_at_most_target_is_the_mirror():
    # Energy use 100 (2020) to at most 80 (2025): due 90 by 2023Q2.
    spec = level("<=", 80, 2025, 100, 2020)
    assert t.expected_at(spec, 2023, 2) == D("90.00")
    slow = t.assess(spec, D("95"), 2023, 2)
    assert (slow.attainment, slow.expected_pct, slow.behind_pct, slow.status) == (
        D("25.00"), D("50.00"), D("25.00"), t.BEHIND,
    )  # fmt: skip
    fast = t.assess(spec, D("88"), 2023, 2)
    assert (fast.attainment, fast.status) == (D("60.00"), t.ON_TRACK)
    reached = t.assess(spec, D("79"), 2023, 2)
    assert (reached.attainment, reached.status) == (D("105.00"), t.ACHIEVED)


def test_without_a_baseline_completion_is_value_over_target_or_its_mirror():
    # 4.13 against ≥ 5 is 82.6 %, whatever the path says (it once read 220.7 %).
    assert t.assess(level(">=", 5, 2027), D("4.13"), 2026, 2).attainment == D("82.60")
    assert t.assess(level("<=", 80, 2027), D("100"), 2026, 2).attainment == D("80.00")
    # ≈ / = without a baseline: closeness to the target.
    assert t.assess(level("~", 50, 2027), D("45"), 2026, 2).attainment == D("90.00")


@pytest.mark.parametrize(
    "comparator, target, value",
    [(">=", 5, "4.9999"), ("<=", 80, "80.01"), ("~", 50, "49.999"), ("=", 100, "100.001")],
)
def test_a_value_that_has_not_reached_the_target_never_shows_a_hundred(comparator, target, value):
    result = t.assess(level(comparator, target, 2027), D(value), 2026, 2)
    assert result.attainment == D("99.90")
    assert result.status != t.ACHIEVED


def test_reaching_the_final_target_early_counts_as_achieved():
    spec = level(">=", "135.5", 2025, 80, 2020)
    result = t.assess(spec, D("140"), 2022, 1)
    assert (result.status, result.attainment, result.behind_pct) == (t.ACHIEVED, D("108.1"), D("0"))


def test_an_approximate_target_with_a_baseline_is_the_share_of_the_way():
    # 40 (2024) to ≈50 (2026): 2026Q1 is 5 of 8 quarters → 应达 62.5 %, 46.25 due.
    spec = level("~", 50, 2026, 40, 2024)
    assert t.expected_at(spec, 2026, 1) == D("46.25")
    near = t.assess(spec, D("45"), 2026, 1)
    assert (near.attainment, near.expected_pct, near.behind_pct) == (D("50.00"), D("62.50"), D("12.50"))
    assert near.status == t.BEHIND
    assert t.assess(spec, D("50"), 2026, 1).status == t.ACHIEVED


def test_an_equal_target_missed_at_its_year_reads_missed_with_its_closeness():
    result = t.assess(level("=", 100, 2026), D("90"), 2026, 4)
    assert (result.attainment, result.status) == (D("90.00"), t.MISSED)


def test_a_decrease_target_is_a_cumulative_change_from_zero_at_the_baseline_year():
    # 单位GDP能耗下降13.5% against 2020 by 2025: 6.75 % due by 2023Q2.
    spec = level("<=", "13.5", 2025, None, 2020, change="decrease")
    assert t.expected_at(spec, 2023, 2) == D("6.75")
    result = t.assess(spec, D("6"), 2023, 2)
    assert (result.attainment, result.expected_pct, result.behind_pct) == (D("44.4"), D("50.0"), D("5.6"))
    assert result.status == t.BEHIND
    assert t.assess(spec, D("14"), 2023, 2).status == t.ACHIEVED


def test_an_increase_target_works_the_same_way():
    spec = level(">=", 20, 2026, None, 2024, change="increase")
    assert t.expected_at(spec, 2025, 2) == D("5.00")
    result = t.assess(spec, D("5.5"), 2025, 2)
    assert (result.attainment, result.expected_pct, result.status) == (D("27.50"), D("25.00"), t.ON_TRACK)


def test_without_a_baseline_the_first_reported_value_is_the_starting_point_and_the_note_says_so():
    # First value 10 at 2026Q1 (t=2026.25) to ≥30 at the end of 2026 (t=2027):
    # 2026Q2 is a third of the time; 20 made 10 of the 20 → 50 %.
    spec = level(">=", 30, 2026)
    first = (D("10"), 2026, 1)
    result = t.assess(spec, D("20"), 2026, 2, first_value=first)
    assert result.expected == D("16.67")
    assert (result.attainment, result.expected_pct, result.status) == (D("50.0"), D("33.3"), t.ON_TRACK)
    assert (result.baseline, result.baseline_source) == (D("10"), "first_value")
    assert "以2026年第一季度首次报送值10为起点" in result.note


def test_without_a_baseline_a_single_value_is_not_judged_against_time():
    spec = level(">=", 30, 2027)
    result = t.assess(spec, D("10"), 2026, 1, first_value=(D("10"), 2026, 1))
    assert result.status == t.NO_BASELINE
    assert (result.attainment, result.expected_pct, result.baseline) == (D("33.3"), None, None)
    assert "无基期值" in result.note
    assert not result.is_assessed


def test_past_the_target_year_a_target_not_reached_is_missed_and_one_reached_is_achieved():
    spec = level(">=", 30, 2026)
    missed = t.assess(spec, D("24"), 2026, 4)
    assert (missed.status, missed.attainment) == (t.MISSED, D("80.00"))
    assert missed.note == "目标年份已过，未达到目标值"
    with_baseline = t.assess(level(">=", 30, 2025, 20, 2020), D("29"), 2027, 1)
    assert (with_baseline.status, with_baseline.attainment) == (t.MISSED, D("90.00"))
    assert t.assess(spec, D("31"), 2027, 1).status == t.ACHIEVED


def test_a_descriptive_target_is_done_or_not_never_a_number():
    spec = level("<=", 500, 2025, descriptive=True)  # “城区公共交通站点500米全覆盖”
    done = t.assess(spec, D("1"), 2024, 2)
    assert (done.status, done.attainment, done.expected) == (t.DONE, D(100), None)
    assert t.assess(spec, D("0"), 2024, 2).status == t.NOT_DONE
    assert t.assess(spec, D("0"), 2025, 4).status == t.MISSED
    assert t.assess(spec, None, 2025, 4).status == t.NO_DATA
    assert t.is_descriptive_text("到2025年,实现城区公共交通站点500米全覆盖")
    assert not t.is_descriptive_text("公交交通占机动车出行比例达到30%")


def test_no_value_means_no_data_and_no_target_year_is_said_out_loud():
    spec = level(">=", 30, 2026, 10, 2024)
    assert t.assess(spec, None, 2026, 1).status == t.NO_DATA
    assert t.assess(level(">=", 30, None, 10, 2024), D("12"), 2026, 1).status == t.NO_TARGET_YEAR


def test_the_tolerance_decides_between_on_track_and_behind():
    spec = level(">=", 180, 2025, 100, 2020)  # 应达 50 % at 2023Q2
    assert t.assess(spec, D("136"), 2023, 2).behind_pct == D("5.00")
    assert t.assess(spec, D("136"), 2023, 2, tolerance=D(5)).status == t.ON_TRACK
    assert t.assess(spec, D("136"), 2023, 2, tolerance=D(4)).status == t.BEHIND


def test_a_path_lists_every_quarter():
    spec = level(">=", 30, 2026, 10, 2025)
    assert t.path(spec, [(2026, q) for q in range(1, 5)]) == [
        ("2026Q1", D("15.00")),
        ("2026Q2", D("20.00")),
        ("2026Q3", D("25.00")),
        ("2026Q4", D("30.00")),
    ]


@pytest.mark.django_db
def test_a_spec_is_read_from_an_indicator_with_the_plans_year_as_fallback():
    from tests import factories as f

    indicator = f.IndicatorFactory(
        target=D("135.5"), target_year=None, baseline_value=D("80"), baseline_year=2020
    )
    spec = t.Spec.of(indicator, default_target_year=2025)
    assert spec.target_year == 2025
    assert t.expected_at(spec, 2023, 2) == D("107.75")


def test_a_series_assesses_every_quarter_and_says_when_a_value_is_carried_forward():
    spec = level(">=", 30, 2026, 10, 2025)  # 应达 25, 50, 75, 100 %
    series = t.assess_series(spec, {(2026, 1): D("15"), (2026, 3): D("22")}, [(2026, q) for q in range(1, 5)])
    assert [(label, r.status, r.attainment) for label, r in series] == [
        ("2026Q1", t.ON_TRACK, D("25.00")),
        ("2026Q2", t.BEHIND, D("25.00")),  # 15 carried forward against 50 % of the time
        ("2026Q3", t.BEHIND, D("60.00")),
        ("2026Q4", t.MISSED, D("60.00")),
    ]
    assert series[1][1].note == "沿用2026年第一季度报送值"
    assert t.assess_series(spec, {}, [(2026, 1)])[0][1].status == t.NO_DATA


def test_an_imported_target_in_words_is_stored_as_descriptive():
    import json
    from pathlib import Path

    from plans.services import indicator_fields

    expected = json.loads(
        (Path(__file__).resolve().parents[1] / "plans/expected/yueyang-county-2024.json").read_text("utf-8")
    )
    found = {}

    def walk(node):
        if isinstance(node, dict):
            if "comparator" in node and "text" in node:
                found[node["name"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(expected)
    assert indicator_fields(found["城区公共交通站点覆盖半径"])["descriptive"] is True
    assert indicator_fields(found["公交交通占机动车出行比例"])["descriptive"] is False
