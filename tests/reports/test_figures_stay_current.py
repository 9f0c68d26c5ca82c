"""The office revises the demo's 岳阳县 plan with a document that drops a task, restores
the task, and switches the review mode, each committed as in production (the embedded
default runs the refresh at commit): after each step every stored figure — every plan
rollup row, light and indicator assessment of every quarter, the next quarter (not open,
so outside `recompute_rollups --all`) included, and every region row above — equals a
computation from scratch."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from plans.demo import DEMO_REGION, build_demo
from plans.models import Plan, Region
from plans.services import plan_set_review_mode, task_restore
from reports import rollups
from reports.models import (
    FigureMark,
    IndicatorRollup,
    ProjectRollup,
    RegionIndicatorTally,
    RegionMark,
    Rollup,
    TaskLight,
)
from tasks.models import ProgressReport, Project, ReportingPeriod, Task
from tasks.periods import period_add
from tasks.projects import project_update_ledger
from tasks.services import report_approve, report_save_draft, report_submit
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
# 2026Q3's deadline has passed, 2026Q4 is under way; the office has added 2027Q1, whose
# reporting has not opened, so `recompute_rollups --all` (opened quarters) leaves it out.
DAY = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
DROPPED = "推动农业绿色低碳发展"
FIGURES = (Rollup, TaskLight, IndicatorRollup, ProjectRollup, RegionIndicatorTally)


def _rows(model):
    return sorted(
        tuple(sorted((k, str(v)) for k, v in model_to_dict(row, exclude=["id", "computed_at"]).items()))
        for row in model.objects.all()
    )


def stored():
    return {model.__name__: _rows(model) for model in FIGURES}


def from_scratch(today):
    """Every stored plan × quarter and region × quarter computed again from nothing."""
    periods = ReportingPeriod.objects.filter(
        pk__in=Rollup.objects.filter(scope="plan").values("period_id")
    ).select_related("plan", "plan__region")
    by_plan = {}
    for period in periods:
        by_plan.setdefault(period.plan_id, []).append(period)
    region_pairs = set(Rollup.objects.filter(scope="region").values_list("region_id", "period_label"))
    for model in FIGURES:
        model.objects.all().delete()
    for plan_periods in by_plan.values():
        rollups.store_plan_periods(plan=plan_periods[0].plan, periods=plan_periods, today=today)
    rollups.rollup_regions(region_pairs)
    return stored()


def assert_current(today):
    assert not FigureMark.objects.exists(), "a change is still waiting to be counted"
    now = stored()
    assert now == from_scratch(today)
    return now


def plan_row(plan, label):
    return Rollup.objects.get(plan=plan, period__label=label, scope="plan")


def test_every_stored_figure_equals_a_fresh_computation_after_a_revision_a_restore_and_a_new_review_mode(
    tmp_path,
):
    with time_machine.travel(DAY, tick=False):
        today = timezone.localdate()
        build_demo(today=today)
        plan = Plan.objects.get(region__name=DEMO_REGION)
        # The next quarter, computed once by hand for the whole plan (as an operator's
        # `recompute_rollups --plan` does): stored figures outside --all's quarters.
        following = period_add(plan=plan, label="2027Q1", by=None)
        assert following not in rollups.opened_periods(today)
        call_command(
            "recompute_rollups", "--plan", str(plan.pk), "--date", today.isoformat(), stdout=io.StringIO()
        )
        assert plan_row(plan, "2027Q1").expected > 0
        before = assert_current(today)
        # The demo's city plan and its counties' are tallied for a board above them.
        assert RegionIndicatorTally.objects.filter(region__name="岳阳市").exists()
        expected_q3 = plan_row(plan, "2026Q3").expected
        before_next = plan_row(plan, "2027Q1").expected

        # A revision of the document without one task (import_plan … --revision-of).
        text = plan.source_text
        lines = [line for line in text.splitlines() if DROPPED not in line]
        assert len(lines) == len(text.splitlines()) - 1
        revised = tmp_path / "yueyang-revised.txt"
        revised.write_text("\n".join(lines), encoding="utf-8")
        call_command("import_plan", str(revised), "--revision-of", str(plan.pk), stdout=io.StringIO())
        dropped = Task.objects.get(action__plan=plan, archived_at__isnull=False)
        assert DROPPED in dropped.title
        assert ProgressReport.objects.filter(task=dropped).exists()
        after_revision = assert_current(today)
        assert after_revision != before
        lost = dropped.assignments.count()
        assert plan_row(plan, "2026Q3").expected == expected_q3 - lost
        assert plan_row(plan, "2027Q1").expected == before_next - lost

        # The office restores the task: its reports count again.
        task_restore(task=dropped, by=None)
        assert_current(today)
        assert plan_row(plan, "2026Q3").expected == expected_q3

        # The office reviews every agency now: supporters' reports await it too.
        waiting = ProgressReport.objects.filter(period__plan=plan, period__label="2026Q3", state="submitted")
        leads_waiting = plan_row(plan, "2026Q3").to_review
        assert leads_waiting < waiting.count()
        plan.refresh_from_db()
        plan_set_review_mode(plan=plan, review_mode=Plan.ReviewMode.OFFICE_REVIEWS_ALL, by=None)
        assert_current(today)
        assert plan_row(plan, "2026Q3").to_review == waiting.count()

        # Key projects: the office moves a project's planned finish into the past and sets
        # its planned investment; its owner reports a quarter that the office approves.
        projects_q3 = ProjectRollup.objects.get(plan=plan, period__label="2026Q3", scope="plan")
        region_q3 = ProjectRollup.objects.get(region=plan.region, period_label="2026Q3")
        assert projects_q3.projects == region_q3.projects > 0
        project = Project.objects.filter(task__action__plan=plan, stage="building").order_by("pk").first()
        planned = project.investment_planned
        project_update_ledger(
            project=project,
            data={"planned_finish": dt.date(2026, 3, 31), "investment_planned": Decimal(50000)},
            by=None,
        )
        assert_current(today)
        moved = ProjectRollup.objects.get(plan=plan, period__label="2026Q3", scope="plan")
        assert moved.red == projects_q3.red + 1
        assert moved.investment_planned == projects_q3.investment_planned + 50000 - (planned or 0)
        q4 = ReportingPeriod.objects.get(plan=plan, label="2026Q4")
        owner = project.owner
        report = ProgressReport.objects.filter(task=project.task, agency=owner, period=q4).first()
        if report is None or report.state != "draft":
            ProgressReport.objects.filter(task=project.task, agency=owner, period=q4).delete()
            report = ProgressReport.objects.create(task=project.task, agency=owner, period=q4)
        q4_before = ProjectRollup.objects.get(plan=plan, period__label="2026Q4", scope="plan")
        fields = {"status": "in_progress", "percent": 80, "progress_text": "项目已建成", "next_steps": "验收"}
        report, _warnings = report_save_draft(
            report=report, data=fields, by=None,
            project_updates=[{"project": project.pk, "stage": "operating"}],
        )  # fmt: skip
        report_submit(report=report, by=None)
        report_approve(report=report, by=None)
        assert_current(today)
        q4_row = ProjectRollup.objects.get(plan=plan, period__label="2026Q4", scope="plan")
        assert q4_row.red == q4_before.red - 1 and q4_row.operating == q4_before.operating + 1

        # The nightly job finds nothing left to bring up to date but the dates.
        assert rollups.changed_periods(today, by_date=False) == []


def region_q3(region, label="2026Q3"):
    row = Rollup.objects.filter(scope="region", region=region, period_label=label).first()
    return row.expected if row else None


def test_the_regions_a_plan_or_quarter_leaves_are_summed_again_in_its_transaction_s_wake():
    """The admin moves the demo's 岳阳县 plan to 怀化市, the office deletes a quarter
    it had computed, then a plan that has no reports is deleted: each time the regions
    left are marked in that transaction and summed again at commit, so every region
    rollup, key-project rollup and indicator tally equals a computation from scratch."""
    with time_machine.travel(DAY, tick=False):
        today = timezone.localdate()
        build_demo(today=today)
        plan = Plan.objects.get(region__name=DEMO_REGION)
        county, city = plan.region, plan.region.parent
        province, other_city = city.parent, Region.objects.get(name="怀化市")
        assert_current(today)

        def tallied(region):
            rows = RegionIndicatorTally.objects.filter(region=region, period_label="2026Q3")
            return sum(rows.values_list("plans", flat=True))

        own = plan_row(plan, "2026Q3").expected
        city_before, province_before, plans_tallied = region_q3(city), region_q3(province), tallied(city)
        assert own > 0 and region_q3(county) == own and plans_tallied > 0

        with transaction.atomic():
            plan.region = other_city
            plan.save()
        assert not RegionMark.objects.exists()
        assert_current(today)
        assert region_q3(county) == 0
        assert region_q3(city) == city_before - own
        assert region_q3(other_city) >= own
        assert region_q3(province) == province_before
        assert tallied(city) < plans_tallied

        # A quarter added, computed, then deleted before anyone reported in it.
        following = period_add(plan=plan, label="2027Q1", by=None)
        call_command(
            "recompute_rollups", "--plan", str(plan.pk), "--date", today.isoformat(), stdout=io.StringIO()
        )
        assert region_q3(other_city, "2027Q1") > 0
        with transaction.atomic():
            following.delete()
        assert region_q3(other_city, "2027Q1") == region_q3(province, "2027Q1") == 0
        assert_current(today)

        # A plan with no reports yet, counted in 平江县 and above, deleted.
        extra = f.PlanFactory(region=Region.objects.get(name="平江县"), title="新方案")
        f.PeriodFactory(plan=extra, year=2026, quarter=3)
        task = f.TaskFactory(action=f.ActionFactory(plan=extra, seq=1), seq=1)
        f.AssignmentFactory(
            task=task, agency=f.AgencyFactory(region=extra.region, name="新方案牵头单位"), role="lead"
        )
        call_command(
            "recompute_rollups", "--plan", str(extra.pk), "--date", today.isoformat(), stdout=io.StringIO()
        )
        assert region_q3(province) == province_before + 1
        with transaction.atomic():
            Plan.objects.filter(pk=extra.pk).delete()
        assert not RegionMark.objects.exists()
        assert_current(today)
        assert region_q3(province) == province_before


def test_a_region_mark_waits_for_the_catch_up_when_no_job_runs_at_commit(monkeypatch):
    """Redis away when the move commits: the marks stay, and the next catch-up run sums
    the regions left again and deletes them."""
    from reports import marks

    with time_machine.travel(DAY, tick=False):
        today = timezone.localdate()
        build_demo(today=today)
        plan = Plan.objects.get(region__name=DEMO_REGION)
        county = plan.region
        monkeypatch.setattr(marks, "queue_catch_up", lambda: None)
        with transaction.atomic():
            plan.region = Region.objects.get(name="怀化市")
            plan.save()
        left = set(RegionMark.objects.values_list("region_id", "period_label"))
        assert {(county.pk, "2026Q3"), (county.parent_id, "2026Q3")} <= left
        assert region_q3(county) > 0
        rollups.recompute_marked(today=today)
        assert not RegionMark.objects.exists()
        assert region_q3(county) == 0
        assert_current(today)
