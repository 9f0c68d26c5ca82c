"""What an office reads about an indicator: the baseline beside a rate derived from it,
完成率 and 序时进度 as separate figures, the same number in the chart and the table, and a
descriptive target as done / not done."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from reports.briefing import BriefingExporter
from reports.briefing_charts import indicator_attainment_bars
from reports.dashboards import plan_dashboard
from reports.rollups import rollup_plan_period
from tests import factories as f

TODAY = dt.date(2026, 4, 20)


@pytest.fixture
def figures(world):
    """光伏装机 0 (2024) → ≥ 100 (2026), 50 reported for 2026Q1: 完成率 50 %, 应达 62.5 %.
    Coverage “500米全覆盖” is a target in words, reported done. 充电桩 ≥ 30 with no baseline,
    reported 200 (ahead): 完成率 666.7 %, drawn and printed as such."""
    solar = f.IndicatorFactory(
        plan=world.plan_a, task=world.task_a1, name="光伏装机", unit="万千瓦", target=Decimal(100),
        target_year=2026, baseline_value=Decimal(0), baseline_year=2024,
    )  # fmt: skip
    cover = f.IndicatorFactory(
        plan=world.plan_a, task=world.task_a1, name="公交站点覆盖", unit="米", target=Decimal(500),
        comparator="<=", target_year=2026, descriptive=True, source_text="实现城区公共交通站点500米全覆盖",
    )  # fmt: skip
    for indicator, value in ((solar, 50), (cover, 1), (world.indicator_a, 200)):
        f.IndicatorValueFactory(
            indicator=indicator, period=world.period_a, agency=world.own, value=Decimal(value)
        )
    rollup_plan_period(plan=world.plan_a, period=world.period_a, today=TODAY)
    return world


def test_the_task_page_shows_baseline_completion_and_schedule_apart(figures, login):
    w = figures
    url = f"/reports/plans/{w.plan_a.pk}/dashboard/tasks/{w.task_a1.pk}/?period=2026Q1"
    page = login(w.users.office).get(url).content.decode()
    row = re.search(r"<td>光伏装机</td>.*?</tr>", page, re.S).group(0)
    assert "基期 0万千瓦（2024年）" in row
    assert "50.0%" in row
    assert "应达 62.5%，实际 50%，落后 12.5 个百分点" in row
    cover = re.search(r"<td>公交站点覆盖</td>.*?</tr>", page, re.S).group(0)
    assert "实现城区公共交通站点500米全覆盖" in cover and "已完成" in cover
    assert "500" not in cover.replace("500米全覆盖", "")
    english = login(w.users.office).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "due 62.5%, actual 50%, 12.5 percentage points behind" in english
    login(w.users.office).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_briefing_chart_labels_the_number_of_the_table(figures):
    w = figures
    cards = plan_dashboard(w.plan_a, w.period_a).indicators
    svg = indicator_attainment_bars(cards)
    html = BriefingExporter(plan=w.plan_a, period=w.period_a).html()
    for card in cards:
        if card.attainment is None:
            continue
        label = f"{card.attainment:.1f}%"
        assert label in svg, label
        assert label in html, label
    assert "666.7%" in svg  # far ahead: the axis grows, the figure is not clipped to 120 %
