"""manage.py demo builds a usable demo and running it twice leaves one copy."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F

from agencies.models import Agency, Role
from indicators import trajectory
from indicators.assessment import assess_plan
from indicators.models import Indicator, IndicatorValue
from plans.demo import build_demo
from plans.models import Plan
from reports.light_reasons import is_note
from reports.models import TaskLight
from tasks.models import ProgressReport, ReportingPeriod, TaskAssignment

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


def counts():
    return {
        "plans": Plan.objects.count(),
        "agencies": Agency.objects.count(),
        "periods": ReportingPeriod.objects.count(),
        "reports": ProgressReport.objects.count(),
        "values": IndicatorValue.objects.count(),
        "roles": Role.objects.count(),
    }


def test_demo_twice_leaves_one_copy():
    build_demo(today=TODAY)
    first = counts()
    build_demo(today=TODAY)
    assert counts() == first
    assert first["plans"] == 4  # the three plans of fixtures/ and the city's own


def test_demo_has_something_for_every_screen():
    build_demo(today=TODAY)
    yueyang = Plan.objects.get(region__name="岳阳县")
    reports = ProgressReport.objects.filter(task__action__plan=yueyang)
    states = set(reports.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "approved"}
    assert reports.filter(is_late=True).exists()
    assert reports.filter(status="lagging").exists()
    periods = list(yueyang.periods.order_by("year", "quarter").values_list("label", flat=True))
    assert periods[0] == "2025Q1" and periods[-1] == "2026Q4"
    # A past quarter has gaps: some assignments never reported.
    q3 = yueyang.periods.get(label="2026Q3")
    expected = sum(t.assignments.count() for a in yueyang.actions.all() for t in a.tasks.all())
    assert 0 < reports.filter(period=q3).count() < expected
    assert IndicatorValue.objects.filter(indicator__plan=yueyang).exists()


def test_demo_accounts_log_in_and_see_their_part(client):
    build_demo(today=TODAY)
    for username in ("office", "leader", "agency", "agency2", "city", "province", "admin"):
        assert client.login(username=username, password="carbonplan"), username
    agency = Role.objects.get(user__username="agency", kind="staff").agency
    assert agency.name == "县发改局" and agency.region.name == "岳阳县"
    assert agency.assignments.filter(role="lead").count() >= 10
    assert Role.objects.get(user__username="agency2", kind="staff").agency.name == "县交通运输局"
    assert Role.objects.filter(user__username="office", kind="office").count() == 3
    city = Role.objects.get(user__username="city")
    assert (city.kind, city.region.name) == ("office", "岳阳市")
    province = Role.objects.get(user__username="province")
    assert (province.kind, province.region.name) == ("leader", "湖南省")


def test_demo_command_prints_the_accounts(capsys):
    call_command("demo", "--no-migrate")
    out = capsys.readouterr().out
    for username in ("office", "leader", "agency", "agency2", "city", "province"):
        assert username in out
    assert "carbonplan" in out


def test_the_city_office_and_the_province_leader_see_their_region_pages(client):
    from plans.models import Region

    build_demo(today=TODAY)
    city, province = Region.objects.get(name="岳阳市"), Region.objects.get(name="湖南省")
    client.login(username="city", password="carbonplan")
    assert client.get(f"/reports/regions/{city.pk}/").status_code == 200
    assert client.get(f"/reports/regions/{province.pk}/").status_code == 404
    client.login(username="province", password="carbonplan")
    assert client.get(f"/reports/regions/{province.pk}/").status_code == 200
    assert client.get(f"/reports/regions/{city.pk}/").status_code == 200


def _latest(plan_region="岳阳县"):
    plan = Plan.objects.get(region__name=plan_region)
    return plan, plan.periods.get(label="2026Q3")


def test_the_demo_plans_run_in_lead_consolidates_mode():
    build_demo(today=TODAY)
    assert set(Plan.objects.values_list("review_mode", flat=True)) == {Plan.ReviewMode.LEAD_CONSOLIDATES}


def test_supporting_inputs_carry_only_their_progress_text():
    build_demo(today=TODAY)
    supporting = ProgressReport.objects.filter(
        task__assignments__agency=F("agency"), task__assignments__role="support"
    )
    assert supporting.count() > 500
    assert not supporting.filter(percent__isnull=False).exists()
    assert not supporting.exclude(status="").exists()
    assert not supporting.filter(progress_text="").exists()
    # Texts differ by agency and task, as real inputs do.
    assert supporting.values("progress_text").distinct().count() > supporting.count() // 3
    assert supporting.filter(is_late=True).exists()


def test_leads_gather_the_inputs_that_reached_them():
    build_demo(today=TODAY)
    Through = ProgressReport.consolidated_inputs.through
    assert Through.objects.count() > 500
    leads = ProgressReport.objects.filter(consolidated_inputs__isnull=False).distinct()
    for lead in leads.prefetch_related("consolidated_inputs__agency"):
        assert lead.task.assignments.filter(agency=lead.agency, role="lead").exists()
        assert lead.state != "draft"
        for item in lead.consolidated_inputs.all():
            assert (item.task_id, item.period_id) == (lead.task_id, lead.period_id)
            assert item.state == "approved", "汇总 makes an input approved"
            assert item.reviewed_by_id == lead.submitted_by_id
            assert item.reviewed_at == lead.submitted_at
            assert (
                f"【{item.agency.short_name or item.agency.name}】{item.progress_text}" in lead.progress_text
            )
    # Inputs not yet gathered wait as 已报送牵头单位 (submitted).
    waiting = ProgressReport.objects.filter(
        state="submitted", percent__isnull=True, consolidated_in__isnull=True
    )
    assert waiting.exists()
    # The lead of the agency account gathers some itself.
    assert leads.filter(agency__name="县发改局", submitted_by__username="agency").exists()


def test_one_input_was_returned_by_the_lead_and_resubmitted():
    build_demo(today=TODAY)
    plan, q3 = _latest()
    item = ProgressReport.objects.get(period=q3, return_count=1, percent__isnull=True)
    lead = item.consolidated_in.get()
    assert lead.agency.name == "县发改局" and lead.submitted_by.username == "agency"
    events = list(item.versions.order_by("number").values_list("event", "by__username", "comment"))
    assert [e for e, _, _ in events] == ["saved", "submitted", "returned", "saved", "submitted", "approved"]
    assert events[2][1] == "agency" and events[2][2]
    assert item.state == "approved"


def test_the_latest_quarter_misses_both_leads_and_supporters():
    build_demo(today=TODAY)
    plan, q3 = _latest()
    submitted = set(
        ProgressReport.objects.filter(period=q3).exclude(state="draft").values_list("task_id", "agency_id")
    )
    missing = Counter(
        role
        for task_id, agency_id, role in TaskAssignment.objects.filter(task__action__plan=plan).values_list(
            "task_id", "agency_id", "role"
        )
        if (task_id, agency_id) not in submitted
    )
    assert missing["lead"] >= 1 and missing["support"] >= 5


def test_the_lights_are_mostly_green_and_follow_the_lead():
    build_demo(today=TODAY)
    plan, q3 = _latest()
    lights = list(TaskLight.objects.filter(period=q3))
    levels = Counter(light.level for light in lights)
    assert levels["green"] > len(lights) / 2
    assert 0 < levels["red"] < levels["green"] and levels["yellow"] > 0
    # A supporter's missing input is a note beside a green light, not its colour.
    assert any(
        light.level == "green" and any(is_note(r) and r["code"] == "missing" for r in light.reason_codes)
        for light in lights
    )


def test_the_indicators_show_every_case_of_the_dashboard():
    build_demo(today=TODAY)
    plan, q3 = _latest()
    indicators = Indicator.objects.filter(plan__in=Plan.objects.all())
    assert indicators.filter(baseline_value__isnull=False, baseline_year__isnull=False).count() >= 10
    assert indicators.filter(comparator="<=", baseline_value__isnull=False).exists()
    results = assess_plan(plan, q3, tolerance=5)
    by_status = defaultdict(list)
    for result in results:
        by_status[result.status].append(result)
    assert any(r.indicator.target_year < 2026 for r in by_status[trajectory.MISSED])
    assert any(r.indicator.target_year < 2026 for r in by_status[trajectory.ACHIEVED])
    assert [r.indicator.descriptive for r in by_status[trajectory.DONE]] == [True]
    assert by_status[trajectory.ON_TRACK] and by_status[trajectory.BEHIND]
    # 完成率 is measured from the baseline, and 序时进度 is there to compare it with.
    for result in by_status[trajectory.ON_TRACK] + by_status[trajectory.BEHIND]:
        assert result.assessment.baseline_source == "baseline"
        assert result.expected_pct is not None and result.progress_text
    energy = next(r for r in results if r.indicator.comparator == "<=")
    ind = energy.indicator
    expected = (energy.value - ind.baseline_value) / (ind.target - ind.baseline_value) * 100
    assert abs(energy.attainment - expected) < Decimal("0.1")
    # Every plan shows 序时进度 for some indicator, so the column is never blank.
    for other in Plan.objects.all():
        period = other.periods.get(label="2026Q3")
        assert any(r.expected_pct for r in assess_plan(other, period, tolerance=5))


def test_the_county_plan_has_key_projects_in_every_stage_and_one_behind_schedule(client):
    from reports.dashboards.projects import project_panel
    from tasks.models import Project, ProjectUpdate

    build_demo(today=TODAY)
    yueyang = Plan.objects.get(region__name="岳阳县")
    projects = Project.objects.filter(task__action__plan=yueyang)
    assert projects.count() == 6
    updates = ProjectUpdate.objects.filter(project__in=projects)
    assert {u.stage for u in updates} == {"preparing", "building", "operating"}
    # Several quarters each, written in the owner's own report on the project's task.
    assert all(
        u.report.agency_id == u.project.owner.pk and u.report.task_id == u.project.task_id for u in updates
    )
    assert min(Counter(u.project_id for u in updates).values()) >= 3
    q3 = yueyang.periods.get(label="2026Q3")
    panel = project_panel(yueyang, q3, today=TODAY)
    lights = {r.project.name: r.light for r in panel.rows}
    assert lights["怡昌能源集中供热系统建设项目"] == "red"
    assert "green" in lights.values() and panel.investment_done > 0
    assert [s for s, _label, n in panel.stages if n] == ["preparing", "building", "operating"]
    client.force_login(Role.objects.filter(kind="office", plan=yueyang).first().user)
    page = client.get(f"/reports/plans/{yueyang.pk}/projects/?period=2026Q3").content.decode()
    assert "怡昌能源集中供热系统建设项目" in page and "至今未建成投产" in page
