"""The office changes a project's owner agency mid-quarter: the new owner writes the
quarter in its own report, the old owner's approved quarters stay with the old owner, and
the old owner's unapproved entry of the quarter is kept in its report for the office to
see. The figures take the new owner's entry once approved."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from plans.models import Plan
from plans.services import plan_set_review_mode
from reports import rollups
from reports.dashboards.projects import project_panel
from tasks.models import Project, ProjectUpdate
from tasks.projects import project_update_ledger, updates_for_form
from tasks.services import report_approve, report_get_or_create, report_save_draft, report_submit
from tests import factories as f

pytestmark = pytest.mark.django_db
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def handed_over(world):
    """红石风电场 of task A1, owned by its lead 县发改局, which had 2025Q4 approved and has a
    draft of 2026Q1 when the office hands the project to 县交通运输局."""
    wind = Project.objects.create(task=world.task_a1, name="红石风电场", capacity=Decimal(5), unit="万千瓦")
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    approved = f.ReportFactory(task=world.task_a1, agency=world.own, period=earlier, state="approved")
    ProjectUpdate.objects.create(
        project=wind, period=earlier, report=approved, stage="building", investment_cumulative=Decimal(3000)
    )
    old = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    report_save_draft(
        report=old, data={"progress_text": "风机基础施工"}, by=world.users.owner,
        project_updates=[{"project": wind.pk, "investment_quarter": "800", "problems": "林地手续未办结"}],
    )  # fmt: skip
    project_update_ledger(project=wind, data={"agency": world.other}, by=world.users.office)
    return world, wind, approved, old


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_new_owner_writes_the_quarter_and_nothing_of_the_old_owner_is_lost(handed_over, login):
    world, wind, approved, old = handed_over
    new = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=new, data={"progress_text": "接手后完成吊装"}, by=world.users.other_agency,
        project_updates=[{"project": wind.pk, "stage": "building", "investment_quarter": "1500"}],
    )  # fmt: skip
    mine = ProjectUpdate.objects.get(project=wind, report=new)
    # Its cumulative carries on from the old owner's approved quarter.
    assert mine.investment_cumulative == Decimal(4500)
    # The old owner's approved quarter stays in its report, its draft entry too.
    assert ProjectUpdate.objects.get(project=wind, report=approved).investment_cumulative == Decimal(3000)
    kept = ProjectUpdate.objects.get(project=wind, report=old)
    assert kept.problems == "林地手续未办结" and kept.investment_quarter == Decimal(800)
    # Each agency's form shows its own entry of the quarter.
    assert (
        updates_for_form(projects=[wind], period=world.period_a, agency_id=world.other.pk)[wind.pk][0] == mine
    )
    # The office sees the old owner's entry on the old owner's report.
    body = login(world.users.office).get(reverse("tasks:report_detail", args=[old.pk])).content.decode()
    assert "林地手续未办结" in body and "红石风电场" in body
    # The old owner no longer writes the project.
    with pytest.raises(Exception, match="不由本单位"):
        report_save_draft(
            report=old,
            data={},
            by=world.users.owner,
            project_updates=[{"project": wind.pk, "stage": "operating"}],
        )


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_figures_take_the_new_owners_approved_entry(handed_over):
    world, wind, _approved, old = handed_over
    # The office reviews every agency's report here, the new owner's (a supporter) too.
    plan_set_review_mode(plan=world.plan_a, review_mode=Plan.ReviewMode.OFFICE_REVIEWS_ALL, by=None)
    new = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=new, data={"progress_text": "已建成并网", "status": "in_progress", "percent": 90},
        by=world.users.other_agency,
        project_updates=[{"project": wind.pk, "stage": "operating", "investment_quarter": "2000"}],
    )  # fmt: skip
    report_save_draft(report=old, data={"status": "in_progress", "percent": 50}, by=world.users.owner)
    for report in (old, new):
        report.refresh_from_db()
        report_submit(report=report, by=None)
        report.refresh_from_db()
        report_approve(report=report, by=world.users.office)
    panel = project_panel(world.plan_a, world.period_a, today=dt.date(2026, 4, 2))
    row = panel.rows[0]
    assert (row.stage, row.agency, row.investment_done) == ("operating", "县交通运输局", Decimal(5000))
    rollups.recompute_marked(today=dt.date(2026, 4, 2))
    from reports.project_rollups import stored_panel

    assert stored_panel(world.plan_a, world.period_a).row.operating == 1


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_supporting_owners_quarter_is_accepted_when_the_lead_consolidates_its_input(handed_over):
    world, wind, _approved, old = handed_over
    new = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=new, data={"progress_text": "已建成并网"}, by=world.users.other_agency,
        project_updates=[{"project": wind.pk, "stage": "operating"}],
    )  # fmt: skip
    report_submit(report=new, by=None)
    report_save_draft(
        report=old, data={"status": "in_progress", "percent": 50, "consolidated_inputs": [new.pk]},
        by=world.users.owner,
    )  # fmt: skip
    report_submit(report=old, by=None)
    new.refresh_from_db()
    wind.refresh_from_db()
    assert new.state == "approved" and wind.stage == "operating"
