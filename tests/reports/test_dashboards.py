"""The office dashboard, its drill-down and Excel exports, and the leader view.

Figures are produced the way production produces them: reports in the database, then
reports.rollups.rollup_plan_period stores the rollups and lights the pages read.
"""

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Rollup, TaskLight
from reports.rollups import rollup_plan_period
from tasks.models import ProgressReportVersion
from tests import factories as f

TODAY = dt.date(2026, 5, 6)  # after the 2026Q1 deadline (2026-04-10)


def grow_plan(world, *, actions=2, tasks_per_action=3, seq_start=10):
    """Adds actions, tasks (a lead and a supporting agency each), reports in every state
    and task indicators with values to plan A's 2026Q1, then computes the rollups."""
    plan, period = world.plan_a, world.period_a
    agencies = [world.own, world.other] + [
        f.AgencyFactory(region=world.county_a, name=f"县单位{seq_start}-{i}") for i in range(3)
    ]
    states = ["approved", "approved", "submitted", "returned", None]
    n = 0
    for a in range(actions):
        action = f.ActionFactory(
            plan=plan, seq=seq_start + a, label=f"（{seq_start + a}）", title=f"重点行动{seq_start + a}"
        )
        for t in range(tasks_per_action):
            n += 1
            task = f.TaskFactory(action=action, seq=t + 1, title=f"任务{seq_start}-{a}-{t}")
            lead, support = agencies[n % len(agencies)], agencies[(n + 1) % len(agencies)]
            f.AssignmentFactory(task=task, agency=lead, role="lead")
            f.AssignmentFactory(task=task, agency=support, role="support")
            for agency, offset in ((lead, 0), (support, 1)):
                state = states[(n + offset) % len(states)]
                if state is None:
                    continue  # never reported: red after the deadline
                report = f.ReportFactory(
                    task=task,
                    agency=agency,
                    period=period,
                    state=state,
                    status="lagging" if n % 5 == 1 else "in_progress",
                    percent=Decimal(20 + (n * 7) % 70),
                    progress_text=f"进展{n}",
                    is_late=n % 3 == 0,
                    return_count=1 if state == "returned" else 0,
                    submitted_at=dt.datetime(2026, 4, 8, 10, tzinfo=dt.UTC),
                )
                ProgressReportVersion.objects.create(report=report, number=1, event="saved", state="draft")
                ProgressReportVersion.objects.create(
                    report=report, number=2, event="submitted", state="submitted"
                )
            if t == 0:
                indicator = f.IndicatorFactory(
                    plan=plan, task=task, name=f"指标{seq_start}-{a}", target=Decimal(100), target_year=2026,
                    baseline_value=Decimal(0), baseline_year=2025,
                )  # fmt: skip
                f.IndicatorValueFactory(
                    indicator=indicator, period=period, agency=lead, value=Decimal(10 + a)
                )
    return rollup_plan_period(plan=plan, period=period, today=TODAY)


@pytest.fixture
def data(world):
    """Plan A with two actions of data besides the world's own tasks."""
    overall = grow_plan(world)
    return world, overall


def dashboard_url(world, **params):
    query = "&".join(f"{k}={v}" for k, v in {"period": "2026Q1", **params}.items())
    return f"/reports/plans/{world.plan_a.pk}/dashboard/?{query}"


def read_xlsx(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return pd.read_excel(io.BytesIO(response.content))


# --- who sees what --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["office", "leader", "admin"])
def test_office_leader_and_admin_see_the_dashboard(data, login, who):
    world, _overall = data
    response = login(getattr(world.users, who)).get(dashboard_url(world))
    assert response.status_code == 200
    assert "工作看板" in response.content.decode()


@pytest.mark.parametrize("who", ["owner", "other_agency", "other_office"])
@pytest.mark.parametrize(
    "path",
    ["dashboard/", "leader/", "briefing.pdf", "dashboard/tasks/{task}/"],
)
def test_agency_staff_and_other_offices_get_404_on_every_page(data, login, who, path):
    world, _overall = data
    url = f"/reports/plans/{world.plan_a.pk}/" + path.format(task=world.task_a1.pk)
    assert login(getattr(world.users, who)).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_login(data, client):
    world, _overall = data
    response = client.get(dashboard_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_home_page_links_dashboards_for_the_office_but_not_for_agency_staff(data, login):
    world, _overall = data
    office_home = login(world.users.office).get("/").content.decode()
    assert f"/reports/plans/{world.plan_a.pk}/dashboard/" in office_home
    assert f"/reports/plans/{world.plan_a.pk}/leader/" in office_home
    owner_home = login(world.users.owner).get("/").content.decode()
    assert "/dashboard/" not in owner_home


# --- what the dashboard shows ----------------------------------------------------------------
def test_dashboard_shows_the_stored_plan_figures(data, login):
    world, overall = data
    page = login(world.users.office).get(dashboard_url(world)).content.decode()
    assert f"{overall.completion:.1f}" in page
    assert (
        f"<b>{overall.red}</b>" in page
        and f"<b>{overall.yellow}</b>" in page
        and f"<b>{overall.green}</b>" in page
    )
    assert f"{overall.on_time_rate}" in page
    assert "重点行动10" in page and "重点行动11" in page
    assert "指标10-0" in page and "指标10-1" in page


def test_chart_data_carries_each_actions_completion_for_echarts(data, login):
    world, _overall = data
    response = login(world.users.office).get(dashboard_url(world))
    chart = response.context["chart_data"]
    stored = {r.action_id: r for r in Rollup.objects.filter(scope="action", period=world.period_a)}
    assert {a["id"] for a in chart["actions"]} == set(world.plan_a.actions.values_list("pk", flat=True))
    for row in chart["actions"]:
        expected = stored.get(row["id"])
        assert row["completion"] == (
            float(expected.completion) if expected and expected.completion is not None else None
        )
    page = response.content.decode()
    assert 'id="dashboard-data"' in page and "vendor/echarts/echarts.min.js" in page
    assert "http://" not in page.split('id="dashboard-data"')[1] and "https://" not in page


def test_agency_table_lists_on_time_rate_lagging_and_returned_per_agency(data, login):
    world, _overall = data
    response = login(world.users.office).get(dashboard_url(world))
    rows = {r.agency.name: r for r in response.context["board"].agencies}
    stored = Rollup.objects.filter(scope="agency", period=world.period_a).select_related("agency")
    assert set(rows) == {r.agency.name for r in stored}
    assert any(r.returned for r in stored) and any(r.lagging for r in stored)


def test_dashboard_without_rollups_explains_when_they_appear(world, login):
    page = login(world.users.office).get(dashboard_url(world)).content.decode()
    assert "暂无汇总数据" in page
    assert "审核通过后" in page
    assert 'id="dashboard-data"' not in page


def test_plan_without_periods_shows_an_empty_state(world, login):
    world.period_a.delete()
    response = login(world.users.office).get(f"/reports/plans/{world.plan_a.pk}/dashboard/")
    assert response.status_code == 200
    assert "尚无填报季度" in response.content.decode()


def test_unknown_period_falls_back_with_a_message(data, login):
    world, _overall = data
    response = login(world.users.office).get(dashboard_url(world, period="2031Q9<script>"), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "没有找到季度" in page
    assert "<script>" not in page.split("没有找到季度")[1][:80]


# --- filters -------------------------------------------------------------------------------
def test_level_filter_shows_only_tasks_of_that_light(data, login):
    world, _overall = data
    red = set(TaskLight.objects.filter(period=world.period_a, level="red").values_list("task_id", flat=True))
    assert red, "the data should contain red tasks"
    board = login(world.users.office).get(dashboard_url(world, level="red")).context["board"]
    assert {row.task.pk for row in board.tasks} == red


def test_action_filter_shows_only_that_actions_tasks(data, login):
    world, _overall = data
    action = world.plan_a.actions.get(seq=11)
    board = login(world.users.office).get(dashboard_url(world, action=action.pk)).context["board"]
    assert {row.task.pk for row in board.tasks} == set(action.tasks.values_list("pk", flat=True))


def test_agency_filter_shows_tasks_the_agency_leads_or_supports(data, login):
    world, _overall = data
    board = login(world.users.office).get(dashboard_url(world, agency=world.other.pk)).context["board"]
    expected = set(world.other.assignments.values_list("task_id", flat=True))
    assert {row.task.pk for row in board.tasks} == expected
    assert [r.agency_id for r in board.agencies] == [world.other.pk]


def test_status_filter_shows_lagging_tasks(data, login):
    world, _overall = data
    lagging = set(
        Rollup.objects.filter(scope="task", period=world.period_a, lagging__gt=0).values_list(
            "task_id", flat=True
        )
    )
    assert lagging
    board = login(world.users.office).get(dashboard_url(world, status="lagging")).context["board"]
    assert {row.task.pk for row in board.tasks} == lagging


def test_bad_filter_values_are_ignored_with_a_message(data, login):
    world, _overall = data
    response = login(world.users.office).get(dashboard_url(world, level="purple", action="abc"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "筛选条件“purple”无效" in page and "筛选条件“abc”无效" in page
    assert len(response.context["board"].tasks) == response.context["board"].task_count


# --- drill-down ----------------------------------------------------------------------------
def test_task_page_lists_every_agencys_report_with_history_and_the_missing_ones(data, login):
    world, _overall = data
    task = world.plan_a.actions.get(seq=10).tasks.get(seq=1)
    url = f"/reports/plans/{world.plan_a.pk}/dashboard/tasks/{task.pk}/?period=2026Q1"
    response = login(world.users.office).get(url)
    page = response.content.decode()
    assert response.status_code == 200
    for assignment in task.assignments.select_related("agency"):
        assert assignment.agency.name in page
    reports = list(task.reports.filter(period=world.period_a))
    assert len(reports) == len([r for _a, r, _u in response.context["rows"] if r])
    missing = task.assignments.count() - len(reports)
    assert page.count("该单位本季度尚未报送") == missing
    for report in reports:
        assert report.progress_text in page
    assert "填报历史（2 条）" in page
    for report in reports:
        assert f"/tasks/reports/{report.pk}/history/" in page
    light = TaskLight.objects.get(task=task, period=world.period_a)
    for reason in light.reasons:
        assert reason in page


def test_task_of_another_plan_is_404_on_the_drill_down(data, login):
    world, _overall = data
    url = f"/reports/plans/{world.plan_a.pk}/dashboard/tasks/{world.task_b1.pk}/?period=2026Q1"
    assert login(world.users.office).get(url).status_code == 404


def test_report_text_is_escaped_on_the_task_page(data, login):
    world, _overall = data
    f.ReportFactory(
        task=world.task_a2, agency=world.other, period=world.period_a, progress_text="<b>加粗</b>"
    )
    url = f"/reports/plans/{world.plan_a.pk}/dashboard/tasks/{world.task_a2.pk}/?period=2026Q1"
    page = login(world.users.office).get(url).content.decode()
    assert "&lt;b&gt;加粗&lt;/b&gt;" in page and "<b>加粗</b>" not in page


# --- Excel ---------------------------------------------------------------------------------
def test_agency_table_exports_to_excel_with_the_same_rows(data, login):
    world, _overall = data
    frame = read_xlsx(login(world.users.office).get(dashboard_url(world, table="agencies", format="xlsx")))
    stored = {
        r.agency.name: r
        for r in Rollup.objects.filter(scope="agency", period=world.period_a).select_related("agency")
    }
    assert set(frame["单位"]) == set(stored)
    for _i, row in frame.iterrows():
        r = stored[row["单位"]]
        assert row["应报"] == r.expected and row["被退回"] == r.returned and row["滞后任务"] == r.lagging


def test_action_task_and_indicator_tables_export_to_excel(data, login):
    world, _overall = data
    client = login(world.users.office)
    actions = read_xlsx(client.get(dashboard_url(world, table="actions", format="xlsx")))
    assert list(actions["重点行动"]) == [f"{a.label}{a.title}" for a in world.plan_a.actions.order_by("seq")]
    tasks = read_xlsx(client.get(dashboard_url(world, table="tasks", format="xlsx", level="red")))
    red = TaskLight.objects.filter(period=world.period_a, level="red").select_related("task", "task__action")
    assert sorted(tasks["编号"].astype(str)) == sorted(light.task.number for light in red)
    assert set(tasks["预警"]) == {"红灯"}
    indicators = read_xlsx(client.get(dashboard_url(world, table="indicators", format="xlsx")))
    assert {"指标10-0", "指标10-1", "新增公共充电桩"} == set(indicators["指标"])
    assert indicators.set_index("指标").loc["指标10-1", "最新值"] == 11


def test_task_reports_export_to_excel(data, login):
    world, _overall = data
    task = world.plan_a.actions.get(seq=10).tasks.get(seq=2)
    url = f"/reports/plans/{world.plan_a.pk}/dashboard/tasks/{task.pk}/?period=2026Q1&format=xlsx"
    frame = read_xlsx(login(world.users.office).get(url))
    assert set(frame["单位"]) == set(task.assignments.values_list("agency__name", flat=True))


def test_unknown_export_table_is_404(data, login):
    world, _overall = data
    assert login(world.users.office).get(dashboard_url(world, table="nope", format="xlsx")).status_code == 404


# --- the leader view -----------------------------------------------------------------------
def test_leader_view_shows_big_numbers_red_list_indicators_and_the_briefing_button(data, login):
    world, overall = data
    response = login(world.users.leader).get(f"/reports/plans/{world.plan_a.pk}/leader/?period=2026Q1")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{overall.completion:.1f}" in page
    red = TaskLight.objects.filter(period=world.period_a, level="red").select_related("task")
    for light in red:
        assert light.task.title in page
    assert "指标10-0" in page
    assert f"/reports/plans/{world.plan_a.pk}/briefing.pdf?period=2026Q1" in page
    # Read-only: nothing on the page writes.
    assert 'method="post"' not in page.split('<main class="content">')[1]


# --- query counts --------------------------------------------------------------------------
def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


PAGES = {
    # The dashboard and the leader view read the plan's key projects (one query, three
    # when it has some: tests/reports/test_project_panel.py).
    # The page also reads whether changes wait to be counted (one query on the marks), and
    # the tasks handed down to the plan waiting for its answer (one query).
    "dashboard": ("dashboard/?period=2026Q1", 16),
    "filtered": ("dashboard/?period=2026Q1&level=red&agency={agency}", 16),
    "xlsx": ("dashboard/?period=2026Q1&table=tasks&format=xlsx", 13),
    # The leader page and the drill-down read the stored indicator assessments and draw no
    # sparkline: no values are read (one query fewer than the dashboard); the leader page
    # also reads the plan's published year-end assessment (one query; two with one).
    "leader": ("leader/?period=2026Q1", 14),
    # 13: one more than before tasks were handed down, for the lower tasks answering it.
    "task": ("dashboard/tasks/{task}/?period=2026Q1", 13),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_query_count_is_pinned_and_the_same_at_ten_times_the_data(world, login, name):
    path, pinned = PAGES[name]
    grow_plan(world, actions=1, tasks_per_action=3)
    client = login(world.users.office)
    url = f"/reports/plans/{world.plan_a.pk}/" + path.format(agency=world.own.pk, task=world.task_a1.pk)
    small, small_sql = _count(client, url)
    grow_plan(world, actions=10, tasks_per_action=3, seq_start=100)
    large, large_sql = _count(client, url)
    assert small == large, "\n".join(large_sql)
    assert large == pinned, f"{large} queries:\n" + "\n".join(large_sql)


def test_leader_view_tables_export_to_excel_for_the_leader(data, login):
    world, _overall = data
    client = login(world.users.leader)
    page = client.get(f"/reports/plans/{world.plan_a.pk}/leader/?period=2026Q1").content.decode()
    red_link = f"/reports/plans/{world.plan_a.pk}/dashboard/?period=2026Q1&level=red&table=tasks&format=xlsx"
    assert red_link in page
    frame = read_xlsx(client.get(red_link))
    red = TaskLight.objects.filter(period=world.period_a, level="red").select_related("task")
    assert set(frame["重点任务"]) == {light.task.title for light in red}


def test_echarts_is_vendored_with_its_licence_and_pages_load_it_from_our_static_files(data, login):
    from django.conf import settings

    vendor = settings.BASE_DIR / "static" / "vendor" / "echarts"
    assert (vendor / "echarts.min.js").read_text(encoding="utf-8")[:2000].count("Apache") >= 1
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (vendor / "NOTICE").read_text(encoding="utf-8")
    world, _overall = data
    page = login(world.users.office).get(dashboard_url(world)).content.decode()
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in page
    assert '<script src="/static/js/dashboards/charts.js"></script>' in page
