import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Rollup, TaskLight, WarningRule
from reports.rollups import rollup_plan_period, rollup_region_period
from tests import factories as f
from tests.reports.conftest import build_plan

pytestmark = pytest.mark.django_db


def rows_of(plan, period):
    return {
        (r.scope, r.action_id, r.task_id, r.agency_id): r
        for r in Rollup.objects.filter(plan=plan, period=period).exclude(scope="region")
    }


def test_the_plan_rollup_counts_one_expected_report_per_assignment_and_each_state(quarter):
    q = quarter
    row = rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    assert (row.scope, row.period_label) == ("plan", "2026Q1")
    assert (row.expected, row.missing, row.draft, row.submitted, row.returned, row.approved) == (
        3,
        1,
        0,
        1,
        0,
        1,
    )
    assert (row.on_time, row.late, row.returns) == (1, 1, 2)
    assert row.on_time_rate == Decimal("33.3")
    # Completion: mean of the lead reports, 40 % and 20 %.
    assert row.completion == Decimal("30.00")
    assert row.completion_count == 2
    assert (row.in_progress, row.lagging, row.done, row.not_started) == (1, 1, 0, 0)
    # A1's only gap is its supporter's missing report: a note, not a red light.
    assert (row.red, row.yellow, row.green) == (1, 0, 1)


def test_task_action_and_agency_rollups_are_stored_alongside(quarter):
    q = quarter
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    rows = rows_of(q.plan_a, q.period_a)
    a1 = rows[("task", None, q.task_a1.pk, None)]
    assert (a1.expected, a1.missing, a1.submitted, a1.completion) == (2, 1, 1, Decimal("40.00"))
    action = rows[("action", q.action_a.pk, None, None)]
    assert (action.expected, action.red) == (3, 1)
    own = rows[("agency", None, None, q.own.pk)]
    assert (own.expected, own.on_time, own.completion, own.red) == (1, 1, Decimal("40.00"), 0)
    other = rows[("agency", None, None, q.other.pk)]
    # 县交通运输局: missing on A1 (support), late and returned twice on A2 (lead).
    assert (other.expected, other.missing, other.late, other.returns, other.lagging) == (2, 1, 1, 2, 1)
    # The plan's other plan (乙县) is untouched.
    assert not Rollup.objects.filter(plan=q.plan_b).exists()


def test_each_task_light_carries_its_reasons_in_words(quarter):
    q = quarter
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    a1 = TaskLight.objects.get(task=q.task_a1, period=q.period_a)
    # The lead (县发改局) reported on time: the supporter's gap is a note beside a green light.
    assert a1.level == "green"
    assert a1.reasons == []
    assert a1.notes == ["配合单位县交通运输局逾期未报（截止2026-04-10）"]
    a2 = TaskLight.objects.get(task=q.task_a2, period=q.period_a)
    assert a2.level == "red"
    assert a2.reasons == ["县交通运输局报告进展滞后", "县交通运输局逾期报送", "县交通运输局填报被退回2次"]


def test_before_the_deadline_a_missing_report_is_not_yet_a_warning(quarter):
    q = quarter
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=dt.date(2026, 4, 9))
    assert TaskLight.objects.get(task=q.task_a1, period=q.period_a).level == "green"


def test_a_reopening_moves_the_agencys_deadline(quarter):
    q = quarter
    from tasks.models import PeriodReopening

    PeriodReopening.objects.create(period=q.period_a, agency=q.other, until=dt.date(2026, 4, 25))
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    assert TaskLight.objects.get(task=q.task_a1, period=q.period_a).level == "green"


def test_the_offices_rule_decides_what_is_red_and_what_yellow(quarter):
    q = quarter
    WarningRule.objects.create(
        plan=q.plan_a, red_when_lagging=False, red_when_missing_after_deadline=False, yellow_returns=3
    )
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    a2 = TaskLight.objects.get(task=q.task_a2, period=q.period_a)
    assert (a2.level, a2.reasons) == ("yellow", ["县交通运输局逾期报送"])
    assert TaskLight.objects.get(task=q.task_a1, period=q.period_a).level == "green"


def test_an_indicator_behind_its_trajectory_turns_the_task_red_or_yellow_by_the_thresholds(quarter):
    q = quarter
    ind = q.indicator_a
    # 0 at the end of 2025 → 100 at the end of 2026: 应达 25 % by 2026Q1; the thresholds
    # (20 and 5) are percentage points short of it.
    ind.baseline_value, ind.baseline_year, ind.target, ind.target_year = (
        Decimal("0"),
        2025,
        Decimal("100"),
        2026,
    )
    ind.save()
    value = ind.values.get()
    WarningRule.objects.create(plan=q.plan_a, red_when_missing_after_deadline=False)
    for reported, level, behind in [("4", "red", "21"), ("15", "yellow", "10"), ("22", "green", None)]:
        value.value = Decimal(reported)
        value.save()
        rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
        light = TaskLight.objects.get(task=q.task_a1, period=q.period_a)
        assert light.level == level
        if behind:
            assert light.reasons == [
                f"指标“{ind.name}”落后序时进度：应达25%，实际{reported}%，落后{behind}个百分点"
            ]


def test_an_indicator_missed_at_its_target_year_turns_the_task_red(quarter):
    q = quarter
    ind = q.indicator_a
    ind.baseline_value, ind.baseline_year, ind.target, ind.target_year = Decimal(0), 2024, Decimal(100), 2025
    ind.save()
    WarningRule.objects.create(plan=q.plan_a, red_when_missing_after_deadline=False)
    row = rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    light = TaskLight.objects.get(task=q.task_a1, period=q.period_a)
    # 10 reported against 100 from 0: 10 %, and 2025 is over.
    assert (light.level, light.reasons) == ("red", [f"指标“{ind.name}”到期未完成（完成率10%）"])
    assert (row.indicators_behind, row.indicators_on_track) == (1, 0)


def test_a_task_past_its_own_deadline_and_unfinished_is_red(quarter):
    q = quarter
    q.task_a1.deadline = dt.date(2026, 3, 1)
    q.task_a1.save()
    WarningRule.objects.create(plan=q.plan_a, red_when_missing_after_deadline=False)
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    light = TaskLight.objects.get(task=q.task_a1, period=q.period_a)
    assert light.reasons == ["任务完成时限2026-03-01已过，尚未完成，完成进度40%"]


def test_an_indicator_without_baseline_is_counted_as_such(quarter):
    q = quarter
    row = rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    assert (row.indicators, row.indicators_no_baseline, row.indicators_behind, row.attainment) == (
        1,
        1,
        0,
        Decimal("33.3"),  # 10 of ≥ 30: value ÷ target, no baseline to measure from
    )


def test_recomputing_gives_the_same_rows_and_no_duplicates(quarter):
    q = quarter
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    first = {
        k: (r.expected, r.missing, r.completion, r.red) for k, r in rows_of(q.plan_a, q.period_a).items()
    }
    rollup_plan_period(plan=q.plan_a, period=q.period_a, today=q.today)
    second = {
        k: (r.expected, r.missing, r.completion, r.red) for k, r in rows_of(q.plan_a, q.period_a).items()
    }
    assert first == second
    assert Rollup.objects.filter(plan=q.plan_a).count() == len(first) == 1 + 1 + 2 + 2
    assert TaskLight.objects.filter(period=q.period_a).count() == 2


def test_a_region_rollup_sums_its_plans_and_those_of_the_regions_below():
    city = f.RegionFactory(name="岳阳市", level="city")
    county = f.RegionFactory(name="平江县", level="county", parent=city)
    a = build_plan(4, region=city, title="市方案")
    b = build_plan(6, region=county, title="县方案")
    rollup_plan_period(plan=a.plan, period=a.period, today=dt.date(2026, 4, 20))
    rollup_plan_period(plan=b.plan, period=b.period, today=dt.date(2026, 4, 20))
    plan_rows = Rollup.objects.filter(scope="plan", period_label="2026Q1")
    city_row = Rollup.objects.get(scope="region", region=city, period_label="2026Q1")
    county_row = Rollup.objects.get(scope="region", region=county, period_label="2026Q1")
    assert city_row.expected == sum(r.expected for r in plan_rows) == 20
    assert county_row.expected == 12
    assert city_row.red + city_row.yellow + city_row.green == 10
    weighted = sum(r.completion * r.completion_count for r in plan_rows if r.completion is not None)
    assert city_row.completion == round(weighted / sum(r.completion_count for r in plan_rows), 2)
    # Idempotent as well.
    rollup_region_period(region=city, period_label="2026Q1")
    assert Rollup.objects.filter(scope="region", region=city).count() == 1


@pytest.mark.parametrize("scale", [1, 3])
def test_a_plan_is_computed_in_the_same_number_of_queries_whatever_its_size(scale):
    data = build_plan(8 * scale)
    with CaptureQueriesContext(connection) as ctx:
        rollup_plan_period(plan=data.plan, period=data.period, today=dt.date(2026, 4, 20))
    # Reads: rule, tasks, actions, assignments, reports, reopenings, indicators, values;
    # writes: 3 deletes, 3 bulk inserts (rollups, lights, indicator assessments; batched
    # by the backend: at most a few more), the plan rows written; the regions: their
    # parents, the plan rows, a delete and an insert. The key-project figures: the plan's
    # projects read and its rows deleted (none to insert here), the regions' read and
    # deleted. (SQLite's parameter limit splits the wide rollup rows into one more insert
    # at the larger scale.)
    sql = "\n".join(q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= 31, sql
    assert Rollup.objects.filter(plan=data.plan, scope="task").count() == 8 * scale
