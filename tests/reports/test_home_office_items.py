"""The office's home counts agencies late, tasks newly red, bulletins to issue, imports
waiting to be committed and quarters with no schedule; each count links to a list that
shows exactly what it counts, each item has a calm line when nothing waits, and the home
costs the same queries however many plans, reports and bulletins there are."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from plans.models import PlanImport
from reports import rollups
from reports.models import Bulletin, TaskLight
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC)  # 2026Q3's deadline (10-10) has passed


def report(task, agency, period, *, percent="50", state="approved"):
    return f.ReportFactory(
        task=task, agency=agency, period=period, state=state, status="in_progress",
        percent=Decimal(percent), submitted_at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
    )  # fmt: skip


@pytest.fixture
def office(chain):
    """岳阳县's plan at 2026Q3: 光伏 reported in Q2 and not in Q3 (newly red), 新能源汽车
    reported in neither (red both times), a supporting agency with a draft only, one
    bulletin generated for Q2 and not issued, Q3 with no bulletin, and the plan's years
    2024–2030 scheduled from 2026Q2 only."""
    plan = chain.county_plan
    q2 = f.PeriodFactory(plan=plan, year=2026, quarter=2)
    q3 = chain.periods[plan.pk]
    helper = f.AgencyFactory(region=chain.county, name="县住建局")
    f.AssignmentFactory(task=chain.county_other, agency=helper, role="support")
    report(chain.county_task, chain.county_lead, q2, percent="80")
    report(chain.county_other, helper, q3, state="draft")
    Bulletin.objects.create(plan=plan, period=q2, version=1, state="done")
    PlanImport.objects.create(
        region=chain.county,
        original_name="岳阳县方案（修订）.docx",
        state="parsed",
        uploaded_by=chain.users.county_office,
    )
    PlanImport.objects.create(
        region=chain.county,
        original_name="旧版.docx",
        state="committed",
        uploaded_by=chain.users.county_office,
    )
    rollups.recompute_marked(today=DAY.date())
    chain.q2, chain.q3, chain.helper = q2, q3, helper
    return chain


def item(page, plan, name):
    block = page[page.index(f'id="plan-queue-{plan.pk}"') :].split("</article>")[0]
    return block[block.index(f'data-item="{name}"') :].split("</li>")[0]


def link_of(html):
    href, count = re.search(r'<a[^>]*href="([^"]+)">(\d+)</a>', html).groups()
    return href.replace("&amp;", "&"), int(count)


@time_machine.travel(DAY, tick=False)
def test_agencies_late_link_to_the_missing_list_of_exactly_those_agencies(office, client):
    client.force_login(office.users.county_office)
    page = client.get("/").content.decode()
    href, count = link_of(item(page, office.county_plan, "late_agencies"))
    assert href == reverse("reports:missing", args=[office.county_plan.pk]) + "?period=2026Q3"
    listed = client.get(href).context["agencies"]
    # 县发改局 owes both its reports, 县住建局 has only a draft: both are 未报.
    assert count == 2 and sorted(listed) == ["县住建局", "县发改局"]
    # The silent leads link to the same list narrowed to the leads' rows.
    href, count = link_of(item(page, office.county_plan, "missing_lead"))
    rows = client.get(href).context["rows"]
    assert count == len(rows) == 2 and {row["kind"] for row in rows} == {"lead"}


@time_machine.travel(dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC), tick=False)
def test_before_the_first_deadline_no_agency_is_late_and_the_home_says_when_it_falls(chain, client):
    # 平江县's only quarter, 2026Q3, is under way and due on 10-10: nobody is late yet.
    rollups.recompute_marked(today=dt.date(2026, 10, 5))
    client.force_login(chain.users.county2_office)
    line = item(client.get("/").content.decode(), chain.county2_plan, "late_agencies")
    assert "报送截止 2026-10-10，尚未逾期" in line and "<a" not in line


@time_machine.travel(DAY, tick=False)
def test_tasks_newly_red_link_to_the_dashboard_filtered_to_exactly_them(office, client):
    lights = {(light.task_id, light.period_id): light.level for light in TaskLight.objects.all()}
    assert lights[(office.county_task.pk, office.q2.pk)] != "red"
    assert lights[(office.county_task.pk, office.q3.pk)] == "red"
    assert (
        lights[(office.county_other.pk, office.q2.pk)]
        == lights[(office.county_other.pk, office.q3.pk)]
        == "red"
    )
    client.force_login(office.users.county_office)
    page = client.get("/").content.decode()
    href, count = link_of(item(page, office.county_plan, "newly_red"))
    assert count == 1 and "level=red" in href and "new=1" in href
    board = client.get(href).context["board"]
    assert [row.task for row in board.tasks] == [office.county_task]
    _href, red = link_of(item(page, office.county_plan, "red"))
    assert red == 2  # both are red; only one turned red this quarter


@time_machine.travel(DAY, tick=False)
def test_bulletins_to_issue_count_the_unissued_version_and_the_ended_quarter_without_one(office, client):
    plan = office.county_plan
    # Q2's first version was issued before a second was made: Q2 waits for nothing.
    Bulletin.objects.create(plan=plan, period=office.q2, version=0, state="done", issue_year=2026, issue_no=1)
    q1 = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    Bulletin.objects.create(plan=plan, period=q1, version=1, state="done")  # generated, not issued
    Bulletin.objects.create(plan=plan, period=q1, version=2, state="failed")
    client.force_login(office.users.county_office)
    page = client.get("/").content.decode()
    href, count = link_of(item(page, plan, "to_issue"))
    assert href == reverse("reports:plan-bulletins", args=[plan.pk]) + "?pending=1"
    listing = client.get(href)
    # 2026Q1 version 1 to issue; 2026Q3, the last quarter ended, has no bulletin made.
    assert count == 2
    assert [(b.period.label, b.version) for b in listing.context["bulletins"]] == [("2026Q1", 1)]
    assert [p.label for p in listing.context["to_make"]] == ["2026Q3"]
    assert "2026年第三季度已结束，尚未生成督查通报。" in listing.content.decode()
    # The unfiltered list still shows every version.
    assert len(client.get(reverse("reports:plan-bulletins", args=[plan.pk])).context["bulletins"]) == 4


@time_machine.travel(DAY, tick=False)
def test_imports_waiting_link_to_the_import_list_of_exactly_the_parsed_ones(office, client):
    client.force_login(office.users.county_office)
    page = client.get("/").content.decode()
    block = page[page.index('id="imports-waiting"') :].split("</p>")[0]
    href, count = link_of(block)
    assert href == reverse("plans:import_list") + "?state=parsed"
    imports = list(client.get(href).context["imports"])
    assert count == 1 and [i.original_name for i in imports] == ["岳阳县方案（修订）.docx"]
    assert len(client.get(reverse("plans:import_list")).context["imports"]) == 2


@time_machine.travel(DAY, tick=False)
def test_quarters_with_no_schedule_link_to_the_schedules_list_of_them(office, client):
    client.force_login(office.users.county_office)
    page = client.get("/").content.decode()
    href, count = link_of(item(page, office.county_plan, "unscheduled"))
    assert href == reverse("plans:schedule", args=[office.county_plan.pk]) + "#unscheduled"
    listed = client.get(href).context["unscheduled"]
    # 2024Q1–2026Q4 have begun; 2026Q2 and 2026Q3 are scheduled; 2027 and later are ahead.
    assert listed == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q4",
    ]
    assert count == len(listed)


@time_machine.travel(DAY, tick=False)
def test_a_plan_with_nothing_waiting_gets_calm_lines_not_zeros(chain, client):
    """平江县's plan: its one task reported and approved in time, its bulletin issued, its
    quarters all scheduled; no import waits."""
    plan = chain.county2_plan
    plan.start_year = plan.end_year = 2026
    plan.save()
    periods = [chain.periods[plan.pk]] + [f.PeriodFactory(plan=plan, year=2026, quarter=q) for q in (1, 2, 4)]
    for period in periods[:3]:
        report(chain.county2_task, chain.county2_lead, period, percent="90")
        Bulletin.objects.create(
            plan=plan, period=period, version=1, state="done", issue_year=2026, issue_no=period.quarter
        )
    rollups.recompute_marked(today=DAY.date())
    client.force_login(chain.users.county2_office)
    page = client.get("/").content.decode()
    block = page[page.index(f'id="plan-queue-{plan.pk}"') :].split("</article>")[0]
    assert "暂无待办" in block and "<a" in block.split("</h3>")[0] and "<a" not in block.split("</h3>")[1]
    assert "没有待确认导入的方案文件。" in page


@time_machine.travel(DAY, tick=False)
def test_a_plan_without_any_quarter_asks_for_its_schedule(chain, client):
    plan = f.PlanFactory(region=chain.county, title="岳阳县年度工作要点", start_year=2026, end_year=2026)
    f.role(chain.users.county_office, "office", plan=plan)
    client.force_login(chain.users.county_office)
    page = client.get("/").content.decode()
    block = page[page.index(f'id="plan-queue-{plan.pk}"') :].split("</article>")[0]
    assert "该方案尚未设置填报季度。" in block and reverse("plans:schedule", args=[plan.pk]) in block
    assert link_of(item(page, plan, "unscheduled"))[1] == 4


@time_machine.travel(DAY, tick=False)
def test_the_office_home_costs_the_same_queries_with_four_times_the_plans_and_data(
    office, client, django_assert_max_num_queries
):
    client.force_login(office.users.county_office)
    client.get("/")
    with django_assert_max_num_queries(60) as before:
        client.get("/")
    count = len(before.captured_queries)
    for n in range(4):
        region = f.RegionFactory(name=f"新县{n}", parent=office.city)
        plan = f.PlanFactory(region=region, title=f"新县{n}方案")
        q2 = f.PeriodFactory(plan=plan, year=2026, quarter=2)
        f.PeriodFactory(plan=plan, year=2026, quarter=3)
        agencies = [f.AgencyFactory(region=region, name=f"单位{i}") for i in range(3)]
        for i in range(4):
            task = f.TaskFactory(action=f.ActionFactory(plan=plan), title=f"任务{n}-{i}")
            for agency in agencies:
                f.AssignmentFactory(
                    task=task, agency=agency, role="lead" if agency == agencies[0] else "support"
                )
            if i % 2:
                report(task, agencies[0], q2)
        Bulletin.objects.create(plan=plan, period=q2, version=1, state="done")
        PlanImport.objects.create(
            region=region, original_name=f"{n}.docx", state="parsed", uploaded_by=office.users.county_office
        )
        f.role(office.users.county_office, "office", plan=plan)
    rollups.recompute_marked(today=DAY.date())
    with django_assert_max_num_queries(count):
        page = client.get("/").content.decode()
    assert page.count('class="plan-queue') == 5
