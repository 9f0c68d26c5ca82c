"""Dashboards in headless Chromium with the demo data and its rollups: charts drawn by
the vendored ECharts, no console errors, drill-down and filters working."""

import datetime as dt

import pytest

from agencies.models import Role
from plans.demo import build_demo
from plans.models import Plan, Region
from reports.dashboards import region_dashboard
from reports.models import TaskLight
from reports.rollups import recompute_all
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo(db):
    build_demo(today=TODAY)
    recompute_all(today=TODAY)
    return Plan.objects.select_related("region").get(region__name="岳阳县")


def chart_drawn(page, selector):
    """ECharts drew into the container: a canvas (or svg) exists inside it."""
    page.wait_for_selector(f"{selector} canvas, {selector} svg", state="attached", timeout=10000)
    return page.locator(f"{selector} canvas, {selector} svg").count() > 0


def test_office_dashboard_draws_charts_and_drills_down_from_action_to_task_to_reports(
    demo, page, live_server, login_as, screenshot
):
    login_as("office")
    page.goto(f"{live_server.url}/reports/plans/{demo.pk}/dashboard/?period=2026Q3")
    assert chart_drawn(page, "#chart-actions")
    assert chart_drawn(page, "#chart-lights")
    cards = page.locator(".indicator-card").count()
    assert cards > 0
    assert page.locator(".sparkline canvas").count() == cards
    assert page.locator("#agency-table tbody tr").count() > 1
    screenshot("dashboard-office")

    # Click the first action's bar: ECharts tells where it drew it.
    box = page.locator("#chart-actions").bounding_box()
    x, y = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('chart-actions'));
          const option = chart.getOption();
          const last = option.yAxis[0].data.length - 1;  // the first action is drawn on top
          return chart.convertToPixel({seriesIndex: 0}, [5, last]);
        }"""
    )
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    first_action = demo.actions.order_by("seq").first()
    assert f"action={first_action.pk}" in page.url
    numbers = page.locator("#task-table tbody tr td:first-child").all_inner_texts()
    assert numbers and all(n.startswith(f"{first_action.seq}.") for n in numbers)
    screenshot("dashboard-office-action")

    with page.expect_navigation():
        page.locator("#task-table tbody tr a").first.click()
    assert "/dashboard/tasks/" in page.url
    assert page.locator(".report-block").count() >= 1
    assert "各单位填报" in page.content()
    screenshot("dashboard-task")
    assert page.console_errors == []


def test_dashboard_filters_narrow_the_task_table(demo, page, live_server, login_as, screenshot):
    login_as("office")
    page.goto(f"{live_server.url}/reports/plans/{demo.pk}/dashboard/?period=2026Q3")
    total = page.locator("#task-table tbody tr").count()
    page.select_option("#task-filters select[name=level]", "red")
    with page.expect_navigation():
        page.click("#task-filters button[type=submit]")
    levels = page.locator("#task-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.level)")
    period = demo.periods.get(label="2026Q3")
    assert len(levels) == TaskLight.objects.filter(period=period, level="red").count()
    assert 0 < len(levels) < total
    assert set(levels) == {"red"}
    screenshot("dashboard-office-filtered")
    assert page.console_errors == []


def test_leader_view_and_region_view_render_with_charts(demo, page, live_server, login_as, screenshot):
    login_as("leader")
    page.goto(f"{live_server.url}/reports/plans/{demo.pk}/leader/?period=2026Q3")
    assert chart_drawn(page, "#chart-actions")
    assert chart_drawn(page, "#chart-lights")
    assert page.locator("#red-list tbody tr").count() > 0
    assert (
        page.locator("#briefing-link").get_attribute("href").endswith("briefing.pdf?period=2026Q3&download=1")
    )
    screenshot("dashboard-leader")
    assert page.console_errors == []

    city = Region.objects.get(name="岳阳市")
    user = f.UserFactory(username="city_office")
    Role.objects.create(user=user, kind="office", region=city)
    page.context.clear_cookies()
    login_as("city_office")
    page.goto(f"{live_server.url}/reports/regions/{city.pk}/?period=2026Q3")
    assert chart_drawn(page, "#chart-region")
    assert page.locator("#region-plans tbody tr").count() == 2
    assert "岳阳县" in page.content() and "平江县" in page.content()
    screenshot("dashboard-region")
    assert page.console_errors == []

    # The province compares its cities, and each city row opens that city's board.
    province = Region.objects.get(name="湖南省")
    page.context.clear_cookies()
    login_as("province")
    page.goto(f"{live_server.url}/reports/regions/{province.pk}/?period=2026Q3")
    assert chart_drawn(page, "#chart-region")
    cities = [c.name for c in region_dashboard(province, "2026Q3").children]
    assert "岳阳市" in cities
    assert page.locator("#region-children tbody tr").count() == len(cities)
    page.locator("#region-children").get_by_role("link", name="岳阳市").click()
    page.wait_for_url(f"{live_server.url}/reports/regions/{city.pk}/?period=2026Q3")
    assert page.locator("#region-plans tbody tr").count() == 2
    screenshot("dashboard-province")
    assert page.console_errors == []
