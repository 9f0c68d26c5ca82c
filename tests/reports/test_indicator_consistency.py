"""The dashboard, the stored rollups and the bulletin read one assessment of each
indicator (indicators.assessment), so they give the same status and figures."""

import datetime as dt
from decimal import Decimal

import pytest

from reports.bulletin import bulletin_context
from reports.dashboards import plan_dashboard
from reports.models import Rollup, TaskLight
from reports.rollups import rollup_plan_period
from tests import factories as f

TODAY = dt.date(2026, 4, 20)


@pytest.fixture
def behind(world):
    """An indicator of task A1 (lead 县发改局, support 县交通运输局) on a path from 0
    (end of 2024) to 100 (end of 2026): 62.5 due at the end of 2026Q1. The lead reports
    50 for 2026Q1; the supporting agency enters 90 later, which must not count."""
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    indicator = f.IndicatorFactory(
        plan=world.plan_a, task=world.task_a1, name="光伏装机", unit="万千瓦", target=Decimal(100),
        target_year=2026, baseline_value=Decimal(0), baseline_year=2024,
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=indicator, period=earlier, agency=world.own, value=Decimal(40))
    f.IndicatorValueFactory(indicator=indicator, period=world.period_a, agency=world.own, value=Decimal(50))
    f.IndicatorValueFactory(indicator=indicator, period=world.period_a, agency=world.other, value=Decimal(90))
    rollup_plan_period(plan=world.plan_a, period=world.period_a, today=TODAY)
    return indicator


def _everywhere(world, indicator):
    card = next(
        c for c in plan_dashboard(world.plan_a, world.period_a).indicators if c.indicator == indicator
    )
    context = bulletin_context(plan=world.plan_a, period=world.period_a, today=TODAY, recompute=False)
    entry = next(i for i in context["indicators"] if i["name"] == indicator.name)
    return card, entry


def test_dashboard_rollup_and_bulletin_give_the_same_status_and_figures(world, behind):
    card, entry = _everywhere(world, behind)
    # 完成率 50 of 100 from a baseline of 0; 序时进度 62.5 % of the time passed.
    assert (card.status, card.value, card.expected, card.attainment, card.expected_pct, card.behind_pct) == (
        "behind", Decimal(50), Decimal("62.50"), Decimal("50.00"), Decimal("62.50"), Decimal("12.50"),
    )  # fmt: skip
    assert card.progress_text == "应达 62.5%，实际 50%，落后 12.5 个百分点"
    assert card.baseline_text == "0万千瓦（2024年）"
    assert (entry["status"], entry["value"], entry["expected"], entry["attainment"], entry["baseline"]) == (
        card.status, "50", card.progress_text, 50.0, card.baseline_text,
    )  # fmt: skip
    assert entry["status_label"] == str(card.status_label) == "落后序时进度"

    # The stored rollup of the task counts the same verdicts and averages the same figures.
    cards = [c for c in plan_dashboard(world.plan_a, world.period_a).indicators if c.indicator.task_id]
    stored = Rollup.objects.get(scope="task", task=world.task_a1, period=world.period_a)
    assert stored.indicators_behind == sum(c.status == "behind" for c in cards) == 1
    assessed = [min(Decimal(100), c.attainment) for c in cards if c.attainment is not None]
    assert stored.attainment == round(sum(assessed) / len(assessed), 2)

    # And the light names the figures the dashboard shows.
    light = TaskLight.objects.get(task=world.task_a1, period=world.period_a)
    assert "指标“光伏装机”落后序时进度：应达62.5%，实际50%，落后12.5个百分点" in light.reasons
    assert card.level == "yellow"


def test_an_indicator_without_values_reads_the_same_everywhere(world):
    rollup_plan_period(plan=world.plan_a, period=world.period_a, today=TODAY)
    card, entry = _everywhere(world, world.indicator_a)
    # The two copies used to disagree here: the bulletin said 无数据, the dashboard 暂无数据.
    assert card.status == entry["status"] == "no_data"
    assert entry["status_label"] == str(card.status_label) == "暂无数据"
    assert entry["value"] is None and card.value is None
    stored = Rollup.objects.get(scope="plan", plan=world.plan_a, period=world.period_a)
    assert stored.indicators_no_data == 1 and stored.indicators_behind == 0
