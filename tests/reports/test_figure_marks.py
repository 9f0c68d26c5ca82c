"""Every write to what the rollups read marks the figures stale, in its own transaction,
and the catch-up works through the marks (tasks.figure_sources, reports.marks)."""

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency
from indicators.models import Indicator, IndicatorValue
from plans.models import Plan
from reports import marks, rollups
from reports.models import FigureMark, IndicatorRollup, ProjectRollup, Rollup, TaskLight
from tasks.figure_sources import FigureSource, FigureSourceQuerySet
from tasks.models import (
    PeriodReopening,
    ProgressReport,
    Project,
    ProjectUpdate,
    ReportingPeriod,
    Task,
    TaskAssignment,
)
from tests import factories as f
from tests.reports.conftest import build_plan

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 20)
# What the figures write (and read back), not what they are computed from.
THE_FIGURES = {Rollup, TaskLight, IndicatorRollup, ProjectRollup, FigureMark}
# Read by the rollup but not in a model's figure fields, with the reason it need not be:
# updated_at orders two agencies' values of one quarter, and only a save moves it.
ORDER_ONLY = {(IndicatorValue, "updated_at")}


def _tables_and_columns(sqls):
    tables, columns = set(), set()
    for sql in sqls:
        tables |= set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql))
        columns |= set(re.findall(r'"(\w+)"\."(\w+)"', sql))
    return tables, columns


def test_every_model_the_rollup_reads_reports_its_writes():
    data = build_plan(4)
    PeriodReopening.objects.create(period=data.period, agency=data.agencies[0], until=TODAY)
    # A key project with an approved quarter: its figures are read too.
    approved = ProgressReport.objects.filter(period=data.period, state="approved").first()
    project = Project.objects.create(
        task=approved.task, name="风电场", capacity=Decimal(5), unit="万千瓦", agency=data.agencies[2],
        investment_planned=Decimal(100), planned_start=dt.date(2025, 1, 1), planned_finish=dt.date(2025, 12, 31),
    )  # fmt: skip
    ProjectUpdate.objects.create(
        project=project,
        period=data.period,
        report=approved,
        stage="building",
        investment_cumulative=Decimal(9),
    )
    with CaptureQueriesContext(connection) as ctx:
        rollups.store_plan_periods(plan=data.plan, periods=[data.period], today=TODAY)
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    tables, columns = _tables_and_columns(reads)
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    read = {by_table[t] for t in tables} - THE_FIGURES
    # The plan itself is handed in, not read: its review mode, years and region count too.
    read.add(Plan)
    assert {ProgressReport, TaskAssignment, Task, ReportingPeriod, PeriodReopening, Indicator} <= read
    assert {IndicatorValue, Agency, Plan, Project, ProjectUpdate} <= read and len(read) >= 13, read
    for model in read:
        assert issubclass(model, FigureSource), f"{model.__name__} is read by the rollup but has no hook"
        assert isinstance(model._default_manager.all(), FigureSourceQuerySet), model.__name__
        fields = model.figure_rule.fields
        if fields is None:
            continue
        by_column = {fld.column: fld.name for fld in model._meta.concrete_fields}
        for table, column in columns:
            if table != model._meta.db_table or column == model._meta.pk.column:
                continue
            name = by_column[column]
            assert name in fields or (model, name) in ORDER_ONLY, (
                f"the rollup reads {model.__name__}.{name}; add it to its figure_rule.fields"
            )


def test_no_module_asks_for_a_recompute_by_hand():
    root = Path(settings.BASE_DIR)
    skip = {".venv", "tests", "migrations", "node_modules"}
    calls = []
    for path in root.rglob("*.py"):
        if set(path.relative_to(root).parts) & skip:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("rollup_request", "recompute_plan_period"):
                    calls.append(f"{path.relative_to(root)}:{node.lineno}")
    assert calls == []


# --- each kind of write -------------------------------------------------------------------


class _Undo(Exception):
    pass


def marked_by(write):
    """The marks one write leaves, the write rolled back afterwards (its marks included)."""
    before = set(FigureMark.objects.values_list("pk", flat=True))
    new = []
    try:
        with transaction.atomic():
            write()
            new = sorted(
                FigureMark.objects.exclude(pk__in=before).values_list("plan_id", "period_id", "onward"),
                key=str,
            )
            raise _Undo
    except _Undo:
        pass
    return new


@pytest.fixture
def plan():
    data = build_plan(5)
    data.q2 = f.PeriodFactory(plan=data.plan, year=2026, quarter=2)
    data.report = ProgressReport.objects.filter(period=data.period).order_by("pk").first()
    data.value = IndicatorValue.objects.filter(period=data.period).order_by("pk").first()
    rollups.recompute_marked(today=TODAY)
    assert not FigureMark.objects.exists()
    return data


def test_each_write_to_a_report_marks_its_quarter_unless_it_only_changes_the_wording(plan):
    p, report = plan.plan.pk, plan.report
    quarter = [(p, plan.period.pk, False)]

    def full_save():
        report.percent = Decimal(55)
        report.save()

    def save_wording():
        report.progress_text = "只改文字"
        report.save(update_fields=["progress_text"])

    def create():
        ProgressReport.objects.create(
            task=report.task, agency=plan.agencies[2], period=plan.period, state="draft"
        )

    def bulk_create():
        ProgressReport.objects.bulk_create(
            [ProgressReport(task=report.task, agency=plan.agencies[2], period=plan.q2, state="draft")]
        )

    assert marked_by(full_save) == quarter
    assert marked_by(save_wording) == []
    assert marked_by(lambda: ProgressReport.objects.filter(pk=report.pk).update(state="approved")) == quarter
    assert marked_by(lambda: ProgressReport.objects.filter(pk=report.pk).update(problems="x")) == []
    assert marked_by(lambda: ProgressReport.objects.filter(pk=report.pk).delete()) == quarter
    assert marked_by(lambda: ProgressReport.objects.get(pk=report.pk).delete()) == quarter
    assert marked_by(create) == quarter
    assert marked_by(bulk_create) == [(p, plan.q2.pk, False)]
    report.return_count = 3
    assert marked_by(lambda: ProgressReport.objects.bulk_update([report], ["return_count"])) == quarter
    assert marked_by(lambda: ProgressReport.objects.bulk_update([report], ["next_steps"])) == []
    # A related manager is a queryset of the model too.
    assert marked_by(lambda: report.task.reports.filter(pk=report.pk).update(is_late=True)) == quarter


def test_a_drafts_status_and_percent_wait_for_its_submission(plan):
    draft = ProgressReport.objects.filter(period=plan.period, state="draft").first()
    draft.percent, draft.status = Decimal(30), "lagging"
    assert marked_by(lambda: draft.save(update_fields=["percent", "status"])) == []
    draft.state = "submitted"
    assert marked_by(lambda: draft.save(update_fields=["state"])) == [(plan.plan.pk, plan.period.pk, False)]


def test_a_value_marks_its_quarter_onward_and_a_task_every_quarter(plan):
    p = plan.plan.pk
    value = plan.value
    value.value = Decimal(77)
    assert marked_by(value.save) == [(p, plan.period.pk, True)]
    task = Task.objects.filter(action__plan=plan.plan).first()
    every = [(p, None, False)]
    assert marked_by(lambda: Task.objects.filter(pk=task.pk).update(archived_at=timezone.now())) == every
    assert marked_by(lambda: TaskAssignment.objects.filter(task=task).delete()) == every
    assert marked_by(lambda: Indicator.objects.filter(task=task).update(target=Decimal(5))) == every
    assert marked_by(lambda: Plan.objects.filter(pk=p).update(review_mode="office_reviews_all")) == every
    assert marked_by(lambda: Plan.objects.filter(pk=p).update(title="新标题")) == []
    # An agency's name is in its tasks' light reasons: every plan it works in.
    agency = plan.agencies[0]
    agency.name = "改名后的单位"
    assert marked_by(lambda: agency.save(update_fields=["name"])) == every
    assert marked_by(lambda: Agency.objects.filter(pk=agency.pk).update(aliases=["别名"])) == []
    # A quarter's dates are its own lights; closing it changes no figure.
    assert marked_by(lambda: ReportingPeriod.objects.filter(pk=plan.q2.pk).update(is_closed=True)) == []
    moved = plan.q2.deadline + dt.timedelta(days=3)
    assert marked_by(lambda: ReportingPeriod.objects.filter(pk=plan.q2.pk).update(deadline=moved)) == [
        (p, plan.q2.pk, False)
    ]


def test_a_transaction_marks_a_scope_once_and_again_after_a_savepoint_rolled_back(plan):
    report = plan.report
    with transaction.atomic():
        for percent in (10, 20, 30):
            report.percent = Decimal(percent)
            report.save()
        assert FigureMark.objects.count() == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            Task.objects.filter(pk=report.task_id).update(title="改")
            assert FigureMark.objects.filter(period=None).count() == 1
            raise RuntimeError
        # The plan-wide mark went with the savepoint: the next write marks again.
        assert FigureMark.objects.filter(period=None).count() == 0
        Task.objects.filter(pk=report.task_id).update(title="再改")
        assert FigureMark.objects.filter(period=None).count() == 1


# --- claiming and working through the marks ------------------------------------------------


def test_a_mark_written_while_a_computation_reads_stays_for_the_next(plan, monkeypatch):
    assert marks.figures_pending(plan.plan) is None
    report = plan.report
    real = rollups.read_plan

    def read_then_someone_writes(*args, **kwargs):
        data = real(*args, **kwargs)
        # Committed after the computation read: its figures cannot include it.
        ProgressReport.objects.filter(pk=report.pk).update(percent=Decimal(99), state="approved")
        return data

    monkeypatch.setattr(rollups, "read_plan", read_then_someone_writes)
    ProgressReport.objects.filter(pk=report.pk).update(percent=Decimal(60))
    rollups.rollup_plan_period(plan=plan.plan, period=plan.period, today=TODAY)
    monkeypatch.undo()
    assert FigureMark.objects.count() == 1
    assert marks.figures_pending(plan.plan) == FigureMark.objects.get().marked_at
    assert rollups.recompute_marked(today=TODAY) == [[plan.plan.pk, plan.period.pk]]
    assert marks.figures_pending(plan.plan) is None
    assert Rollup.objects.get(plan=plan.plan, period=plan.period, scope="plan", task=None).approved == (
        ProgressReport.objects.filter(period=plan.period, state="approved").count()
    )


def test_a_partial_computation_takes_only_the_marks_it_covers(plan):
    FigureMark.objects.all().delete()
    FigureMark.objects.create(plan=plan.plan)  # every quarter
    FigureMark.objects.create(plan=plan.plan, period=plan.period, onward=True)  # 2026Q1 on
    FigureMark.objects.create(plan=plan.plan, period=plan.q2, onward=True)  # 2026Q2 on
    FigureMark.objects.create(plan=plan.plan, period=plan.period)  # 2026Q1
    rollups.store_plan_periods(plan=plan.plan, periods=[plan.q2], today=TODAY)
    left = sorted(((m.period_id, m.onward) for m in FigureMark.objects.all()), key=str)
    assert left == sorted([(None, False), (plan.period.pk, True), (plan.period.pk, False)], key=str)
    rollups.store_plan_periods(plan=plan.plan, periods=[plan.period, plan.q2], today=TODAY)
    assert not FigureMark.objects.exists()


def test_the_catch_up_takes_two_queries_when_nothing_is_marked(plan, django_assert_num_queries):
    # The plans' marks and the regions' (reports.region_marks).
    with django_assert_num_queries(2):
        assert rollups.recompute_marked(today=TODAY) == []


def test_a_quarter_not_yet_started_is_left_until_it_starts(plan):
    later = f.PeriodFactory(plan=plan.plan, year=2027, quarter=1)
    rollups.recompute_marked(today=TODAY)
    assert not Rollup.objects.filter(period=later).exists()
    assert not FigureMark.objects.exists()
    assert sorted(p for _plan, p in rollups.recompute_marked(today=TODAY)) == []
    Task.objects.filter(action__plan=plan.plan).update(title="改")
    done = rollups.recompute_marked(today=dt.date(2027, 1, 5))
    assert [plan.plan.pk, later.pk] in done and not FigureMark.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_quarter_or_a_plan_commits_and_leaves_no_mark_behind():
    data = build_plan(2)
    empty = f.PeriodFactory(plan=data.plan, year=2026, quarter=3)
    rollups.recompute_marked(today=TODAY)
    with transaction.atomic():
        empty.delete()
        ReportingPeriod.objects.filter(plan=data.plan, year=2027).delete()
    assert not FigureMark.objects.filter(period_id=empty.pk).exists()
    # The plan's remaining quarter is marked by nothing it lost; a plan deleted takes its marks along.
    other = f.PlanFactory(region=data.region, title="另一个方案")
    f.PeriodFactory(plan=other, year=2026, quarter=1)
    f.TaskFactory(action=f.ActionFactory(plan=other, seq=1), seq=1)
    with transaction.atomic():
        Plan.objects.filter(pk=other.pk).delete()
    assert not FigureMark.objects.filter(plan_id=other.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_held_refresh_leaves_the_marks_for_one_computation_at_the_end():
    """A bulk load commits many transactions under refresh_held: each keeps its marks and
    queues nothing; the next commit outside computes them as usual."""
    data = build_plan(2)
    rollups.recompute_marked(today=TODAY)
    report = ProgressReport.objects.filter(period=data.period).order_by("pk").first()
    with marks.refresh_held():
        for percent in (10, 20):
            with transaction.atomic():
                ProgressReport.objects.filter(pk=report.pk).update(percent=Decimal(percent))
    assert FigureMark.objects.filter(plan=data.plan).count() == 2
    with transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(percent=Decimal(30))
    assert not FigureMark.objects.exists()
