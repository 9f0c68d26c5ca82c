"""The region view: a city office compares its counties' plans and shared indicators."""

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from reports.models import Rollup
from reports.rollups import rollup_plan_period
from tests import factories as f

TODAY = dt.date(2026, 5, 6)


def county_plan(
    city, name, *, chargers_target, chargers_value, share_value, tasks=2, extra_name=None, level="county"
):
    county = f.RegionFactory(name=name, level=level, parent=city)
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


def test_the_region_tables_escape_names_and_print_figures_as_written(city, login):
    """The plan and key-project rows are written in Python: names escaped, a plan without
    a completion shows a dash, amounts without trailing zeros."""
    from reports.models import ProjectRollup

    west = city.west
    west.title = TITLE = '<script>alert("方案")</script>'
    west.save()
    Rollup.objects.filter(scope="plan", plan=west).update(completion=None)
    period = city.east.periods.get()
    UNIT = "<i>座</i>"
    ProjectRollup.objects.create(
        scope="plan", plan=city.east, period=period, period_label="2026Q1", projects=2, preparing=1, building=1,
        red=1, investment_planned=Decimal("100.0000"), investment_done=Decimal("25.5000"),
        capacity_other=[{"unit": UNIT, "planned": "3", "operating": "1.50"}],
    )  # fmt: skip
    page = login(city.users.city_office).get(region_url(city)).content.decode()
    plans = page.split('id="region-plans"')[1].split("</table>")[0]
    row = next(r for r in plans.split("<tr>") if "西县" in r)
    assert TITLE not in page and escape(TITLE) in row
    assert '<td class="num">—</td>' in row
    projects = page.split('class="table region-projects"')[1].split("</table>")[0]
    assert UNIT not in projects
    assert "25.5 / 100" in projects and f"1.5 / 3 {escape(UNIT)}" in projects
    assert "前期工作 1，开工建设 1，建成投产 0" in projects


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
    # 11 for the board, 1 for the handed-down tasks, 1 for the plans' published year-end
    # assessments (none here), 1 for the plans' rollups of the quarter before, 1 for the
    # stored key-project figures.
    assert small == large == 15, "\n".join(sql)


def test_home_page_links_the_region_view_for_the_city_office(city, login):
    page = login(city.users.city_office).get("/").content.decode()
    assert f"/reports/regions/{city.city.pk}/" in page
    assert f"/reports/plans/{city.east.pk}/dashboard/" in page
    assert (
        f"/reports/regions/{city.city.pk}/" not in login(city.users.county_office).get("/").content.decode()
    )


# --- a province: its cities compared, each over its own plan and its counties' ------------


@pytest.fixture
def province(db):
    province = f.RegionFactory(name="甲省", level="province")
    own = f.PlanFactory(region=province, title="甲省碳达峰实施方案", start_year=2025, end_year=2026)
    own_period = f.PeriodFactory(plan=own, year=2026, quarter=1)
    f.IndicatorFactory(plan=own, name="新增公共充电桩", unit="个", target=Decimal(5000), target_year=2026)
    f.IndicatorFactory(plan=own, name="东部独有指标", target=Decimal(1))
    rollup_plan_period(plan=own, period=own_period, today=TODAY)
    east_plan = county_plan(
        province, "东市", chargers_target=100, chargers_value=60, share_value=19, level="city",
        extra_name="东部独有指标",
    )  # fmt: skip
    east = east_plan.region
    # 45 of 30 chargers: 150 %, counted as 100 % in the mean.
    east_one = county_plan(
        east, "东一县", chargers_target=30, chargers_value=45, share_value=19, extra_name="东部独有指标"
    )
    east_two = county_plan(east, "东二县", chargers_target=50, chargers_value=5, share_value=None)
    west_plan = county_plan(
        province, "西市", chargers_target=80, chargers_value=10, share_value=None, level="city"
    )
    west = west_plan.region
    west_one = county_plan(west, "西一县", chargers_target=40, chargers_value=30, share_value=21)
    users = SimpleNamespace(
        province_office=f.UserFactory(username="province_office"),
        city_office=f.UserFactory(username="east_office"),
    )
    f.role(users.province_office, "office", region=province)
    f.role(users.city_office, "office", region=east)
    return SimpleNamespace(
        province=province,
        own=own,
        east=east,
        west=west,
        plans={p.region.name: p for p in (east_plan, east_one, east_two, west_plan, west_one)},
        users=users,
    )


def province_url(p, **params):
    query = "&".join(f"{k}={v}" for k, v in {"period": "2026Q1", **params}.items())
    return f"/reports/regions/{p.province.pk}/?{query}"


def test_a_province_compares_its_cities_from_their_stored_region_rollups(province, login):
    response = login(province.users.province_office).get(province_url(province))
    assert response.status_code == 200
    board, page = response.context["board"], response.content.decode()
    assert board.by_region
    assert [(c.name, c.plan_count) for c in board.children] == [("东市", 3), ("西市", 2)]
    for child in board.children:
        stored = Rollup.objects.get(scope="region", region_id=child.pk, period_label="2026Q1")
        assert child.rollup.pk == stored.pk
        assert f"/reports/regions/{child.pk}/?period=2026Q1" in page
    assert board.region_rollup == Rollup.objects.get(
        scope="region", region=province.province, period_label="2026Q1"
    )
    # The province's own plan, and every plan below in the list.
    assert [p.title for p, _r in board.own_plans] == ["甲省碳达峰实施方案"]
    assert f"/reports/plans/{province.own.pk}/dashboard/?period=2026Q1" in page
    assert {p.region.name for p, _r in board.plans} == set(province.plans)
    # The chart shows the cities, not the plans.
    assert [bar["name"] for bar in response.context["chart_data"]["plans"]] == ["东市", "西市"]


def _expected_tally(plans, name):
    """The tally of an indicator over plans, from the stored rows, one by one."""
    from indicators.assessment import BEHIND_STATUSES, ON_TRACK_STATUSES
    from reports.models import IndicatorRollup

    rows = list(IndicatorRollup.objects.filter(plan__in=plans, period_label="2026Q1", indicator__name=name))
    capped = [min(Decimal(100), r.attainment) for r in rows if r.attainment is not None]
    return {
        "plans": len({r.plan_id for r in rows}),
        "on_track": sum(r.status in ON_TRACK_STATUSES for r in rows),
        "behind": sum(r.status in BEHIND_STATUSES for r in rows),
        "no_data": sum(r.status not in (*ON_TRACK_STATUSES, *BEHIND_STATUSES) for r in rows),
        "mean": sum(capped) / len(capped) if capped else None,
        "attainments": [r.attainment for r in rows],
    }


def test_each_city_cell_tallies_the_city_plan_and_its_counties(province, login):
    board = login(province.users.province_office).get(province_url(province)).context["board"]
    shared = {s.name: s for s in board.shared}
    # 东部独有指标: set by the province and one city only, still shared; 西县-only names are not.
    assert set(shared) == {"新增公共充电桩", "非化石能源消费比重", "东部独有指标"}
    plans = province.plans
    by_city = {
        "东市": [plans["东市"], plans["东一县"], plans["东二县"]],
        "西市": [plans["西市"], plans["西一县"]],
    }
    for name, item in shared.items():
        assert [c.name for c in board.children] == ["东市", "西市"]
        for child, tally in zip(board.children, item.row, strict=True):
            want = _expected_tally(by_city[child.name], name)
            if not want["plans"]:
                assert tally is None
                continue
            got = (tally.plans, tally.on_track, tally.behind, tally.no_data)
            assert got == (want["plans"], want["on_track"], want["behind"], want["no_data"])
            assert (tally.mean is None) == (want["mean"] is None)
            if tally.mean is not None:
                assert abs(tally.mean - want["mean"]) < Decimal("0.01")
    chargers = shared["新增公共充电桩"]
    assert chargers.city_target == Decimal(5000) and chargers.unit == "个"
    east = chargers.row[0]
    assert east.plans == 3
    # 东一县 is at 150 %: capped, so the mean stays at or below 100 %.
    assert any(a > 100 for a in _expected_tally(by_city["东市"], "新增公共充电桩")["attainments"])
    assert east.mean <= 100
    assert shared["东部独有指标"].row[1] is None


def test_a_city_cell_is_stored_and_follows_a_change_in_a_county_below(province, login):
    """The board reads the tallies the region pass stored, and a county's new value
    reaches its city's cell through the stale marks' job (here its every-minute run: the
    test's transaction never commits, so the at-commit run does not fire)."""
    from indicators.models import IndicatorValue
    from reports.jobs import recompute_stale_rollups
    from reports.models import RegionIndicatorTally

    stored = RegionIndicatorTally.objects.get(
        region=province.east, period_label="2026Q1", name="新增公共充电桩"
    )
    assert (stored.plans, stored.on_track + stored.behind + stored.no_data) == (3, 3)
    client = login(province.users.province_office)

    def east_chargers():
        board = client.get(province_url(province)).context["board"]
        item = next(s for s in board.shared if s.name == "新增公共充电桩")
        return item.row[[c.name for c in board.children].index("东市")]

    before = east_chargers()
    value = IndicatorValue.objects.get(
        indicator__plan=province.plans["东二县"], indicator__name="新增公共充电桩"
    )
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC), tick=False):
        value.value = Decimal(50)  # 5 of 50 → 50 of 50
        value.save()
        assert east_chargers() == before  # not computed yet
        recompute_stale_rollups.delay()
    after = east_chargers()
    want = _expected_tally([province.plans[n] for n in ("东市", "东一县", "东二县")], "新增公共充电桩")
    assert (after.plans, after.on_track, after.behind, after.no_data) == (
        want["plans"], want["on_track"], want["behind"], want["no_data"]
    )  # fmt: skip
    assert after.on_track == before.on_track + 1 and after.mean > before.mean
    assert abs(after.mean - want["mean"]) < Decimal("0.01")


def test_the_province_page_shows_each_tally_and_a_city_without_the_indicator(province, login):
    page = login(province.users.province_office).get(province_url(province)).content.decode()
    board_rows = page.split('id="region-indicators"')[1].split("</table>")[0]
    assert "3 个方案：达到" in board_rows and "平均完成率" in board_rows
    assert "未设此指标" in board_rows


def test_the_province_lists_its_plans_a_page_at_a_time_keeping_the_quarter(province, login, monkeypatch):
    from reports.dashboards import region

    monkeypatch.setattr(region, "PLANS_PER_PAGE", 2)
    client = login(province.users.province_office)
    first = client.get(province_url(province))
    assert len(first.context["board"].plans) == 2
    assert "?period=2026Q1&amp;page=2" in first.content.decode()
    titles = []
    for number in (1, 2, 3):
        titles += [
            p.title for p, _r in client.get(province_url(province, page=number)).context["board"].plans
        ]
    assert sorted(titles) == sorted(p.title for p in province.plans.values())


def test_the_province_tables_export_to_excel(province, login):
    client = login(province.users.province_office)

    def sheet(table):
        response = client.get(province_url(province, table=table, format="xlsx"))
        assert response.status_code == 200
        return pd.read_excel(io.BytesIO(response.content))

    regions = sheet("regions")
    assert list(regions["地区"]) == ["东市", "西市"] and list(regions["方案数"]) == [3, 2]
    stored = Rollup.objects.get(scope="region", region=province.east, period_label="2026Q1")
    assert regions.iloc[0]["红灯"] == stored.red
    # Every plan below, not only the first page.
    assert sorted(sheet("plans")["地区"]) == sorted(province.plans)
    indicators = sheet("indicators")
    row = indicators.set_index(["指标", "地区"]).loc[("新增公共充电桩", "东市")]
    assert row["甲省目标"] == 5000 and row["设定该指标的方案数"] == 3
    missing = indicators.set_index(["指标", "地区"]).loc[("东部独有指标", "西市")]
    assert missing["设定该指标的方案数"] == 0


def test_province_query_count_is_the_same_with_ten_times_the_counties(province, login):
    client = login(province.users.province_office)
    small, _sql = _count(client, province_url(province))
    south = county_plan(
        province.province, "南市", chargers_target=60, chargers_value=6, share_value=20, level="city"
    )
    for i in range(10):
        parent = (province.east, province.west, south.region)[i % 3]
        county_plan(parent, f"新{i}县", chargers_target=20 + i, chargers_value=i, share_value=20, tasks=3)
    large, sql = _count(client, province_url(province))
    # 10 for the board, 1 for the handed-down tasks, 1 for the plans' published year-end
    # assessments (none here), 2 for the plans' and the cities' rollups of the quarter
    # before, 1 for the stored key-project figures.
    assert small == large == 15, "\n".join(sql)


def test_a_city_office_cannot_open_the_province_but_the_province_opens_the_city(province, login):
    assert login(province.users.city_office).get(province_url(province)).status_code == 404
    client = login(province.users.province_office)
    city = client.get(f"/reports/regions/{province.east.pk}/?period=2026Q1")
    assert city.status_code == 200 and not city.context["board"].by_region
    assert [p.region.name for p, _r in city.context["board"].plans] == ["东一县", "东二县"]


def test_the_province_page_in_english_shows_chinese_only_in_data(province, login):
    from tests.carbonplan.test_translations import _english, _leftover_chinese

    page = _english(login(province.users.province_office)).get(province_url(province)).content.decode()
    assert "plans: " in page and "Progress by city" in page
    assert not _leftover_chinese(page)


def test_names_typed_by_users_are_escaped_on_the_province_page(province, login):
    province.east.name = "<b>东市</b>"
    province.east.save()
    page = login(province.users.province_office).get(province_url(province)).content.decode()
    assert "<b>东市</b>" not in page and "&lt;b&gt;东市&lt;/b&gt;" in page
