"""The region view: a city office compares its counties' plans and shared indicators."""

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Rollup
from reports.rollups import rollup_plan_period
from tests import factories as f

TODAY = dt.date(2026, 5, 6)


def county_plan(city, name, *, chargers_target, chargers_value, share_value, tasks=2, extra_name=None):
    county = f.RegionFactory(name=name, level="county", parent=city)
    plan = f.PlanFactory(region=county, title=f"{name}碳达峰实施方案", start_year=2025, end_year=2026)
    period = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    action = f.ActionFactory(plan=plan, seq=1, title="交通运输绿色低碳行动")
    lead = f.AgencyFactory(region=county, name="县交通运输局")
    for seq in range(1, tasks + 1):
        task = f.TaskFactory(action=action, seq=seq, title=f"{name}任务{seq}")
        f.AssignmentFactory(task=task, agency=lead, role="lead")
        if seq % 2:
            f.ReportFactory(
                task=task, agency=lead, period=period, state="approved", status="in_progress",
                percent=Decimal(40 + seq), submitted_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
            )  # fmt: skip
    chargers = f.IndicatorFactory(
        plan=plan, name="新增公共充电桩", unit="个", target=Decimal(chargers_target), target_year=2026,
        baseline_value=Decimal(0), baseline_year=2025,
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=chargers, period=period, agency=lead, value=Decimal(chargers_value))
    share = f.IndicatorFactory(
        plan=plan, name="非化石能源消费比重", unit="%", target=Decimal(22), target_year=2026,
        baseline_value=Decimal(18), baseline_year=2025,
    )  # fmt: skip
    if share_value is not None:
        f.IndicatorValueFactory(indicator=share, period=period, agency=lead, value=Decimal(share_value))
    if extra_name:
        f.IndicatorFactory(plan=plan, name=extra_name, target=Decimal(1))
    rollup_plan_period(plan=plan, period=period, today=TODAY)
    return plan


@pytest.fixture
def city(db):
    city = f.RegionFactory(name="甲市", level="city")
    city_plan = f.PlanFactory(region=city, title="甲市碳达峰实施方案")
    f.PeriodFactory(plan=city_plan, year=2026, quarter=1)
    f.IndicatorFactory(
        plan=city_plan, name="新增公共充电桩", unit="个", target=Decimal(400), target_year=2026
    )
    east = county_plan(
        city, "东县", chargers_target=30, chargers_value=12, share_value=19, extra_name="东县独有指标"
    )
    west = county_plan(city, "西县", chargers_target=50, chargers_value=5, share_value=None)
    users = SimpleNamespace(
        city_office=f.UserFactory(username="city_office"),
        city_leader=f.UserFactory(username="city_leader"),
        county_office=f.UserFactory(username="county_office"),
    )
    f.role(users.city_office, "office", region=city)
    f.role(users.city_leader, "leader", region=city)
    f.role(users.county_office, "office", plan=east)
    return SimpleNamespace(city=city, city_plan=city_plan, east=east, west=west, users=users)


def region_url(c, **params):
    query = "&".join(f"{k}={v}" for k, v in {"period": "2026Q1", **params}.items())
    return f"/reports/regions/{c.city.pk}/?{query}"


@pytest.mark.parametrize("who", ["city_office", "city_leader"])
def test_city_office_and_leader_see_their_counties_side_by_side(city, login, who):
    response = login(getattr(city.users, who)).get(region_url(city))
    page = response.content.decode()
    assert response.status_code == 200
    assert "东县碳达峰实施方案" in page and "西县碳达峰实施方案" in page
    board = response.context["board"]
    stored = {r.plan_id: r for r in Rollup.objects.filter(scope="plan", period_label="2026Q1")}
    for plan, rollup in board.plans:
        assert rollup.pk == stored[plan.pk].pk
        assert f"{rollup.completion:.1f}" in page
    assert [p.region.name for p, _r in board.plans] == ["东县", "西县"]


def test_a_county_office_and_outsiders_get_404_for_the_city(city, world, login):
    assert login(city.users.county_office).get(region_url(city)).status_code == 404
    assert login(world.users.office).get(region_url(city)).status_code == 404


def test_shared_indicators_are_compared_across_counties_and_against_the_city_target(city, login):
    board = login(city.users.city_office).get(region_url(city)).context["board"]
    shared = {s.name: s for s in board.shared}
    assert set(shared) == {"新增公共充电桩", "非化石能源消费比重"}  # 东县独有指标 is not shared
    chargers = shared["新增公共充电桩"]
    assert chargers.city_target == Decimal(400)
    assert [cell.value for cell in chargers.row] == [Decimal(12), Decimal(5)]
    assert [cell.indicator.target for cell in chargers.row] == [Decimal(30), Decimal(50)]
    share = shared["非化石能源消费比重"]
    assert share.city_target is None
    assert share.row[0].value == Decimal(19) and share.row[1].value is None


def test_region_tables_export_to_excel(city, login):
    client = login(city.users.city_office)
    plans = pd.read_excel(io.BytesIO(client.get(region_url(city, table="plans", format="xlsx")).content))
    assert list(plans["地区"]) == ["东县", "西县"]
    indicators = pd.read_excel(
        io.BytesIO(client.get(region_url(city, table="indicators", format="xlsx")).content)
    )
    row = indicators.set_index("指标").loc["新增公共充电桩"]
    assert row["甲市目标"] == 400 and row["东县"] == 12 and row["西县"] == 5


def test_region_without_county_plans_shows_an_empty_state(db, login):
    lonely = f.RegionFactory(name="乙市", level="city")
    plan = f.PlanFactory(region=lonely)
    f.PeriodFactory(plan=plan)
    user = f.UserFactory(username="lonely_office")
    f.role(user, "office", region=lonely)
    page = login(user).get(f"/reports/regions/{lonely.pk}/").content.decode()
    assert "暂无下辖地区的方案" in page


def test_unknown_period_on_the_region_view_falls_back_with_a_message(city, login):
    page = login(city.users.city_office).get(region_url(city, period="2099Q1")).content.decode()
    assert "没有找到季度" in page and "东县碳达峰实施方案" in page


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def test_region_view_query_count_is_pinned_and_the_same_with_ten_times_the_counties(city, login):
    client = login(city.users.city_office)
    small, _sql = _count(client, region_url(city))
    for i in range(10):
        county_plan(city.city, f"新{i}县", chargers_target=20 + i, chargers_value=i, share_value=20, tasks=6)
    large, sql = _count(client, region_url(city))
    assert small == large == 11, "\n".join(sql)


def test_home_page_links_the_region_view_for_the_city_office(city, login):
    page = login(city.users.city_office).get("/").content.decode()
    assert f"/reports/regions/{city.city.pk}/" in page
    assert f"/reports/plans/{city.east.pk}/dashboard/" in page
    assert (
        f"/reports/regions/{city.city.pk}/" not in login(city.users.county_office).get("/").content.decode()
    )
