"""Key-project figures stored with the rollups: a plan's row per quarter equal to its live
panel, a region's row summing its plans (power in 万千瓦), writes to projects and their
quarters marking the figures stale, the dashboard reading the stored row at a flat query
count, and the region page's table and its Excel export."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import rollups
from reports.dashboards.projects import project_panel
from reports.models import FigureMark, ProjectRollup
from reports.project_rollups import stored_panel
from tasks.models import Project, ProjectUpdate
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 20)
NOW = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def city(world):
    """甲县 and 乙县 under 岳州市; 甲县 has a wind farm (5 万千瓦, half built) and a
    pumped-storage station (1400 MW, past its finish: red); 乙县 a 20 MW solar park and
    two charging stations (座)."""
    city = f.RegionFactory(name="岳州市")
    for county in (world.county_a, world.county_b):
        county.parent = city
        county.save()
    wind = Project.objects.create(
        task=world.task_a1, seq=1, name="红石风电场", capacity=Decimal(5), unit="万千瓦",
        investment_planned=Decimal(40000), planned_start=dt.date(2025, 1, 1), planned_finish=dt.date(2026, 12, 31),
    )  # fmt: skip
    Project.objects.create(
        task=world.task_a1, seq=2, name="<b>抽水蓄能</b>电站", capacity=Decimal(1400), unit="MW",
        investment_planned=Decimal(850000), planned_start=dt.date(2022, 1, 1), planned_finish=dt.date(2025, 12, 31),
    )  # fmt: skip
    report = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a, state="approved")
    ProjectUpdate.objects.create(
        project=wind, period=world.period_a, report=report, stage="building",
        investment_cumulative=Decimal(12000), capacity_operating=Decimal("2.5"),
    )  # fmt: skip
    task_b = f.TaskFactory(action=world.action_b, seq=9, title="推广充电设施")
    f.AssignmentFactory(task=task_b, agency=world.stranger, role="lead")
    Project.objects.create(
        task=task_b,
        seq=1,
        name="乙县光伏电站",
        capacity=Decimal(20),
        unit="MW",
        investment_planned=Decimal(9000),
    )
    Project.objects.create(task=task_b, seq=2, name="乙县充电站", capacity=Decimal(2), unit="座")
    users = world.users
    users.city_office = f.UserFactory(username="city_office")
    f.role(users.city_office, "office", region=city)
    rollups.recompute_marked(today=TODAY)
    return world, city


def test_the_stored_row_holds_what_the_live_panel_shows(city):
    world, _city = city
    row = ProjectRollup.objects.get(scope="plan", plan=world.plan_a, period=world.period_a)
    live = project_panel(world.plan_a, world.period_a, today=TODAY)
    stored = stored_panel(world.plan_a, world.period_a)
    assert stored.count == live.count == 2
    assert stored.stages == live.stages
    assert (stored.investment_planned, stored.investment_done, stored.investment_expected) == (
        live.investment_planned,
        live.investment_done,
        live.investment_expected,
    )
    assert (
        stored.capacity
        == live.capacity
        == [{"unit": "万千瓦", "planned": Decimal(145), "operating": Decimal("2.5")}]
    )
    assert [(b.name, b.light, b.reason) for b in stored.behind] == [
        (b.project.name, b.light, b.reason) for b in live.behind
    ]
    assert (row.red, row.yellow) == (1, 0)


def test_a_region_sums_its_plans_power_in_wan_kilowatts_and_other_sizes_by_unit(city):
    world, region = city
    total = ProjectRollup.objects.get(scope="region", region=region, period_label="2026Q1")
    assert total.projects == 4 and total.red == 1
    assert total.investment_planned == Decimal(899000) and total.investment_done == Decimal(12000)
    # 5 万千瓦 + 1400 MW + 20 MW = 147 万千瓦.
    assert total.capacity_planned == Decimal(147) and total.capacity_operating == Decimal("2.5")
    assert total.capacity_other == [{"unit": "座", "planned": "2", "operating": "0"}]
    county = ProjectRollup.objects.get(scope="region", region=world.county_b, period_label="2026Q1")
    assert county.capacity_planned == Decimal(2) and county.projects == 2


def test_writes_to_projects_and_their_quarters_mark_every_quarter_of_the_plan(city):
    world, region = city
    q2 = f.PeriodFactory(plan=world.plan_a, year=2026, quarter=2)
    rollups.recompute_marked(today=TODAY)
    wind = Project.objects.get(name="红石风电场")
    wind.investment_planned = Decimal(50000)
    wind.save()
    assert set(FigureMark.objects.values_list("plan_id", "period_id")) == {(world.plan_a.pk, None)}
    rollups.recompute_marked(today=TODAY)
    assert ProjectRollup.objects.get(region=region, period_label="2026Q1").investment_planned == Decimal(
        909000
    )
    # The owner's quarter of a later report, approved: the earlier quarter is marked too.
    report = f.ReportFactory(task=world.task_a1, agency=world.own, period=q2)
    update = ProjectUpdate.objects.create(project=wind, period=q2, report=report, stage="operating")
    rollups.recompute_marked(today=TODAY)
    report.state = "approved"
    report.save()
    assert (world.plan_a.pk, None) in set(FigureMark.objects.values_list("plan_id", "period_id"))
    rollups.recompute_marked(today=TODAY)
    ProjectUpdate.objects.filter(pk=update.pk).update(problems="并网手续待批")
    assert set(FigureMark.objects.values_list("plan_id", "period_id")) == {(world.plan_a.pk, None)}
    # A wording the figures do not read marks nothing.
    rollups.recompute_marked(today=TODAY)
    ProjectUpdate.objects.filter(pk=update.pk).update(evidence="照片")
    assert not FigureMark.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_reads_the_stored_panel_at_the_same_query_count_with_more_projects(city, login):
    world, _region = city
    client = login(world.users.office)
    url = f"/reports/plans/{world.plan_a.pk}/dashboard/?period=2026Q1"
    with CaptureQueriesContext(connection) as small:
        body = client.get(url).content.decode()
    assert (
        "重点项目推进情况" in body and "&lt;b&gt;抽水蓄能&lt;/b&gt;电站" in body and "<b>抽水蓄能" not in body
    )
    for n in range(8):
        Project.objects.create(task=world.task_a2, name=f"加氢站{n}号", planned_start=dt.date(2025, 6, 1))
    rollups.recompute_marked(today=TODAY)
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    assert "加氢站7号" in body
    assert len(small.captured_queries) == len(large.captured_queries)
    assert not any("tasks_project" in q["sql"] for q in large.captured_queries), "the panel is read live"


@time_machine.travel(NOW, tick=False)
def test_the_region_page_sums_projects_by_plan_and_exports_them(city, login):
    world, region = city
    client = login(world.users.city_office)
    body = client.get(f"/reports/regions/{region.pk}/?period=2026Q1").content.decode()
    assert "重点项目汇总" in body and "2.5 / 147 万千瓦" in body and "0 / 2 座" in body
    xlsx = client.get(f"/reports/regions/{region.pk}/?period=2026Q1&table=projects&format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "计划装机（万千瓦）" in r)
    body_rows = rows[header + 1 :]
    assert sorted(r[0] for r in body_rows[:-1]) == ["乙县", "甲县"] and body_rows[-1][0] == "岳州市"
    assert body_rows[-1][1] == "合计" and body_rows[-1][2] == 4 and body_rows[-1][10] == 147


@time_machine.travel(NOW, tick=False)
def test_a_region_without_projects_shows_no_project_table(world, login):
    city = f.RegionFactory(name="丙市")
    world.county_a.parent = city
    world.county_a.save()
    user = f.UserFactory(username="bing_office")
    f.role(user, "office", region=city)
    rollups.recompute_marked(today=TODAY)
    body = login(user).get(f"/reports/regions/{city.pk}/?period=2026Q1").content.decode()
    assert "重点项目汇总" not in body
