"""The key-project ledger: projects from the import (matched by name on a revision), each
quarter written by the owner agency inside its progress report, and the API that lists
them with the same permissions as reports."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agencies.models import AuditEntry
from plans.services import plan_create_from_parsed, plan_revise_from_parsed
from tasks.models import ProgressReportVersion, Project, ProjectStage, ProjectUpdate
from tasks.projects import investment_schedule_share, project_light, projects_sync
from tests import factories as f
from tests.tasks.test_api import token_client

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


def _parsed(projects_first, projects_second=()):
    return {
        "plan": {"title": "丙县碳达峰实施方案", "region": "丙县", "level": "county"},
        "goals": [],
        "actions": [
            {
                "seq": 1,
                "label": "（一）",
                "title": "能源绿色低碳转型行动",
                "tasks": [
                    {"seq": 1, "label": "1", "title": "大力发展新能源", "lead": ["县发改局"], "support": [],
                     "indicators": [], "projects": list(projects_first)},
                    {"seq": 2, "label": "2", "title": "推进煤炭清洁高效利用", "lead": ["县工信局"], "support": [],
                     "indicators": [], "projects": list(projects_second)},
                ],
            }
        ],
    }  # fmt: skip


WIND = {"name": "红石风电场", "capacity": 5, "unit": "万千瓦", "year": 2026, "start_year": 2025}
PUMPED = {"name": "丙县抽水蓄能电站", "capacity": 140, "unit": "万千瓦", "investment": 850000, "year": 2030}


def test_a_committed_plan_has_its_projects_in_the_ledger_with_planned_dates():
    region = f.RegionFactory(name="丙县")
    plan = plan_create_from_parsed(parsed=_parsed([WIND, PUMPED, "专栏1 重点项目"]), region=region)
    wind, pumped = Project.objects.of_plan(plan).order_by("seq")
    assert (wind.name, wind.capacity, wind.unit) == ("红石风电场", Decimal(5), "万千瓦")
    assert (wind.planned_start, wind.planned_finish) == (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    assert pumped.investment_planned == Decimal(850000) and pumped.planned_start is None
    assert wind.stage == ProjectStage.PREPARING
    assert wind.owner.name == "县发改局"  # the task's lead, as no owner is set


def test_a_revision_matches_projects_by_name_and_keeps_their_quarters():
    region = f.RegionFactory(name="丙县")
    plan = plan_create_from_parsed(parsed=_parsed([WIND, PUMPED]), region=region)
    wind = Project.objects.get(name="红石风电场")
    report = f.ReportFactory(task=wind.task, agency=wind.owner, period=f.PeriodFactory(plan=plan))
    ProjectUpdate.objects.create(project=wind, period=report.period, report=report, stage="building")
    solar = {"name": "长寿镇光伏电站", "capacity": 2, "unit": "万千瓦"}
    # The wind farm moves to the second task and grows; the pumped storage is dropped.
    counts = plan_revise_from_parsed(plan=plan, parsed=_parsed([solar], [{**WIND, "capacity": 8}]))
    assert counts["projects"] == {"created": 1, "updated": 1, "archived": 0, "deleted": 1}
    wind.refresh_from_db()
    assert wind.task.title == "推进煤炭清洁高效利用" and wind.capacity == Decimal(8)
    assert wind.updates.count() == 1
    assert not Project.objects.filter(name="丙县抽水蓄能电站").exists()
    # A project with quarters the document no longer names is archived, not deleted.
    plan_revise_from_parsed(plan=plan, parsed=_parsed([solar]))
    wind.refresh_from_db()
    assert wind.archived_at is not None and wind.updates.count() == 1
    assert list(Project.objects.of_plan(plan).active().values_list("name", flat=True)) == ["长寿镇光伏电站"]
    assert AuditEntry.objects.filter(action="project.sync", plan=plan).count() == 3


def test_a_revision_keeps_what_the_office_set_by_hand_and_never_blanks_the_ledger():
    from tasks.projects import project_update_ledger

    region = f.RegionFactory(name="丙县")
    plan = plan_create_from_parsed(parsed=_parsed([WIND, PUMPED]), region=region)
    office = f.UserFactory()
    wind = Project.objects.get(name="红石风电场")
    # The office corrects the wind farm's size and gives its investment and place.
    project_update_ledger(
        project=wind,
        data={"capacity": Decimal(6), "investment_planned": Decimal(42000), "location": "红石乡"},
        by=office,
    )
    # The revision misreads the size again, says nothing of the investment or the place,
    # and moves the finish a year; the pumped storage's document loses its investment.
    plan_revise_from_parsed(
        plan=plan,
        parsed=_parsed([{**WIND, "capacity": 5, "year": 2027}, {**PUMPED, "investment": None}]),
    )
    wind.refresh_from_db()
    assert (wind.capacity, wind.investment_planned, wind.location) == (Decimal(6), Decimal(42000), "红石乡")
    assert wind.planned_finish == dt.date(2027, 12, 31)  # not set by hand: the document's
    pumped = Project.objects.get(name="丙县抽水蓄能电站")
    assert pumped.investment_planned == Decimal(850000)  # unsaid is not zero
    # What the document states and nobody set by hand still follows it.
    plan_revise_from_parsed(plan=plan, parsed=_parsed([WIND, {**PUMPED, "capacity": 120}]))
    pumped.refresh_from_db()
    assert pumped.capacity == Decimal(120)


@pytest.fixture
def wind(world):
    world.task_a1.projects = [WIND]
    world.task_a1.save()
    projects_sync(plan=world.plan_a)
    return Project.objects.get()


def _payload(world, projects, **extra):
    return {
        "task": world.task_a1.pk,
        "period": world.period_a.pk,
        "status": "in_progress",
        "percent": "40",
        "progress_text": "风电场主体工程开工",
        "projects": projects,
        **extra,
    }


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_owner_writes_a_quarter_in_its_report_and_approval_sets_the_stage(world, wind):
    agency = token_client("owner")
    entry = {
        "project": wind.pk,
        "stage": "building",
        "investment_quarter": "1200",
        "problems": "林地手续未办结",
    }
    created = agency.post("/api/progress-reports/", _payload(world, [entry]), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["projects"][0]["stage"] == "building"
    assert body["projects"][0]["investment_cumulative"] == "1200"  # nothing before this quarter
    update = ProjectUpdate.objects.get()
    assert (update.report_id, update.period_id) == (body["id"], world.period_a.pk)
    version = ProgressReportVersion.objects.filter(report_id=body["id"]).order_by("-number").first()
    assert version.snapshot["projects"][str(wind.pk)]["investment_quarter"] == "1200"
    assert f"project:{wind.pk}" in version.changed_fields
    wind.refresh_from_db()
    assert wind.stage == ProjectStage.PREPARING  # not until the office approves
    assert agency.post(f"/api/progress-reports/{body['id']}/submit/").status_code == 200
    assert token_client("office").post(f"/api/progress-reports/{body['id']}/approve/").status_code == 200
    wind.refresh_from_db()
    assert wind.stage == ProjectStage.BUILDING
    # A submitted report is locked: its project quarter with it.
    patched = agency.patch(
        f"/api/progress-reports/{body['id']}/",
        {"version": 99, "projects": [{"project": wind.pk, "stage": "operating"}]},
        format="json",
    )
    assert patched.status_code in (400, 409) and ProjectUpdate.objects.get().stage == "building"


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_cumulative_investment_adds_up_the_quarters(world, wind):
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    old = f.ReportFactory(task=world.task_a1, agency=world.own, period=earlier)
    ProjectUpdate.objects.create(
        project=wind, period=earlier, report=old, stage="building", investment_cumulative=Decimal(3000)
    )
    agency = token_client("owner")
    created = agency.post(
        "/api/progress-reports/",
        _payload(world, [{"project": wind.pk, "investment_quarter": "500"}]),
        format="json",
    )
    assert created.status_code == 201, created.content
    update = ProjectUpdate.objects.get(period=world.period_a)
    assert update.investment_cumulative == Decimal(3500)
    assert update.stage == ProjectStage.PREPARING  # a blank stage keeps the project's


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_only_the_owner_writes_a_projects_quarter_and_bad_values_lose_nothing(world, wind):
    supporter = token_client("other_agency")  # 县交通运输局 supports task_a1
    payload = _payload(world, [{"project": wind.pk, "stage": "building"}])
    del payload["status"], payload["percent"]  # a supporter's input carries its progress alone
    refused = supporter.post("/api/progress-reports/", payload, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "projects"
    agency = token_client("owner")
    bad = agency.post(
        "/api/progress-reports/",
        _payload(world, [{"project": wind.pk, "investment_quarter": "-5"}]),
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"].startswith("projects")
    assert not ProjectUpdate.objects.exists()


def test_the_ledger_api_lists_a_plans_projects_to_those_who_see_its_tasks(
    world, wind, django_assert_max_num_queries
):
    for n in range(5):
        f.TaskFactory(
            action=world.action_a, seq=10 + n, title=f"任务{n}", projects=[{"name": f"光伏电站{n}号"}]
        )
    projects_sync(plan=world.plan_a)
    office = token_client("office")
    with django_assert_max_num_queries(12):
        listed = office.get(f"/api/projects/?plan={world.plan_a.pk}")
    assert listed.status_code == 200
    first = listed.json()["results"][0]
    assert {k: first[k] for k in ("name", "agency", "capacity", "unit", "stage", "planned_finish")} == {
        "name": "红石风电场", "agency": world.own.pk, "capacity": "5.0000", "unit": "万千瓦",
        "stage": "preparing", "planned_finish": "2026-12-31",
    }  # fmt: skip
    assert listed.json()["count"] == 6
    assert token_client("leader").get(f"/api/projects/{wind.pk}/").status_code == 200
    assert token_client("other_office").get(f"/api/projects/{wind.pk}/").status_code == 404
    assert token_client("other_office").get(f"/api/projects/?plan={world.plan_a.pk}").json()["count"] == 0
    assert office.get("/api/projects/?plan=abc").status_code == 400


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_project_updates_are_read_like_reports(world, wind):
    agency = token_client("owner")
    agency.post(
        "/api/progress-reports/", _payload(world, [{"project": wind.pk, "stage": "building"}]), format="json"
    )
    url = f"/api/project-updates/?project={wind.pk}"
    for username, count in (("owner", 1), ("office", 1), ("leader", 1), ("other_office", 0)):
        body = token_client(username).get(url).json()
        assert body["count"] == count, username
    row = token_client("office").get(url).json()["results"][0]
    assert (row["stage"], row["period_label"], row["state"]) == ("building", "2026Q1", "draft")


def test_project_lights_follow_the_stated_rules(world, wind):
    today = dt.date(2026, 3, 1)
    assert project_light(wind, today).light == "yellow"  # planned start 2025-01-01 passed, not started
    wind.stage = ProjectStage.BUILDING
    assert project_light(wind, today).light == "green"
    late = project_light(wind, dt.date(2027, 1, 5))
    assert late.light == "red" and "2026-12-31" in late.reason
    wind.stage = ProjectStage.OPERATING
    assert project_light(wind, dt.date(2027, 1, 5)).light == "green"
    assert investment_schedule_share(wind, dt.date(2025, 12, 31)) == Decimal("0.4993")


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_report_form_carries_the_owners_projects(world, wind, login):
    url = reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])
    page = login(world.users.owner).get(url).content.decode()
    assert "红石风电场" in page and f'name="proj_{wind.pk}_stage"' in page
    response = login(world.users.owner).post(
        url,
        {
            "version": 0, "status": "in_progress", "percent": "30", "progress_text": "开工",
            f"proj_{wind.pk}_stage": "building", f"proj_{wind.pk}_investment_quarter": "800", "action": "save",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert ProjectUpdate.objects.get().investment_quarter == Decimal(800)
    # The supporting agency's form has no project fields.
    page = login(world.users.other_agency).get(url).content.decode()
    assert f'name="proj_{wind.pk}_stage"' not in page


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_office_reviews_a_projects_quarter_on_the_report_page(world, wind, login):
    agency = token_client("owner")
    entry = {
        "project": wind.pk,
        "stage": "building",
        "investment_quarter": "1200",
        "problems": "林地手续未办结",
    }
    created = agency.post("/api/progress-reports/", _payload(world, [entry]), format="json").json()
    agency.post(f"/api/progress-reports/{created['id']}/submit/")
    page = (
        login(world.users.office).get(reverse("tasks:report_detail", args=[created["id"]])).content.decode()
    )
    assert "重点项目进展" in page and "红石风电场" in page and "林地手续未办结" in page and "开工建设" in page
