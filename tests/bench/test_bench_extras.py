"""The benchmark's extra figures: grouping compared three ways, and the region boards'
slowest statement explained."""

import pytest
from django.db import connection

from reports.bench import grouping, replay
from reports.bench.generate import build_province

pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    return build_province(name="分组检查省", total_plans=3, quarters=2, user_prefix="grp")


def test_the_three_groupings_count_the_same_reports(province):
    rows = grouping.compare(province.plans, runs=1)
    assert [name for name, _ms, _rows in rows] == list(grouping.WAYS)
    counted = {n for _name, _ms, n in rows}
    assert counted == {sum(sum(grouping.by_dict(p).values()) for p in province.plans)}
    assert counted.pop() > 0
    for plan_id in province.plans:
        assert grouping.by_pandas(plan_id) == grouping.by_sql(plan_id) == grouping.by_dict(plan_id)


def test_a_grouping_that_miscounts_is_caught(province, monkeypatch):
    monkeypatch.setitem(grouping.WAYS, "SQL GROUP BY", lambda plan_id: {})
    with pytest.raises(AssertionError, match="SQL GROUP BY"):
        grouping.compare(province.plans, runs=1)


def test_the_boards_slowest_statement_is_explained_on_postgresql(province):
    from reports.rollups import recompute_periods
    from tasks.models import ReportingPeriod

    recompute_periods(ReportingPeriod.objects.filter(plan_id__in=province.plans).select_related("plan"))
    plans = replay.explain_slowest(province, ["看板（全省）", "看板（市）"])
    if connection.vendor != "postgresql":
        assert plans == []
        return
    assert [name for name, _ms, _plan in plans] == [
        "办公室看板（全省）/reports/regions/<id>/",
        "办公室看板（市）/reports/regions/<市>/",
    ]
    for _name, took, plan in plans:
        assert took > 0 and "Execution Time" in plan and "Buffers" in plan
