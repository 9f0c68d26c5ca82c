"""Bulk and incremental rollups store the same figures as a computation from scratch;
the nightly job picks only the quarters that can still change; region boards read
the stored indicator assessments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.assessment import assess_plan
from indicators.models import IndicatorValue
from reports import jobs
from reports.dashboards.region import region_dashboard
from reports.models import IndicatorRollup, Rollup, TaskLight
from reports.rollups import changed_periods, recompute_all, rollup_plan_period, store_plan_periods
from tasks.models import PeriodReopening, ProgressReport
from tests import factories as f
from tests.reports.conftest import build_plan

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 8, 20)  # after 2026Q1's deadline, before 2026Q2's end
ROLLUP_FIELDS = [
    fld.name for fld in Rollup._meta.concrete_fields if fld.name not in ("id", "computed_at")
]  # fmt: skip
INDICATOR_FIELDS = [
    fld.name for fld in IndicatorRollup._meta.concrete_fields if fld.name not in ("id", "computed_at")
]  # fmt: skip


def add_second_quarter(data):
    """2026Q2 for the plan: a report and a value for half of its tasks."""
    period = f.PeriodFactory(plan=data.plan, year=2026, quarter=2)
    for i, report in enumerate(ProgressReport.objects.filter(period=data.period).order_by("id")):
        if i % 2:
            f.ReportFactory(
                task=report.task, agency=report.agency, period=period, state="approved",
                status="in_progress", percent=Decimal(50 + i),
            )  # fmt: skip
    for i, value in enumerate(IndicatorValue.objects.filter(period=data.period).order_by("id")):
        if i % 2 == 0:
            f.IndicatorValueFactory(
                indicator=value.indicator, period=period, agency=value.agency, value=i * 7
            )
    return period


@pytest.fixture
def province():
    """A province, a city below it, two counties below the city; a plan with two
    quarters in the city and in each county."""
    prov = f.RegionFactory(name="湖南省", level="province")
    city = f.RegionFactory(name="岳阳市", level="city", parent=prov)
    counties = [f.RegionFactory(name=n, level="county", parent=city) for n in ("平江县", "华容县")]
    plans = [build_plan(5 + 2 * i, region=r, title=f"{r.name}方案") for i, r in enumerate([city, *counties])]
    for data in plans:
        data.period2 = add_second_quarter(data)
    return prov, city, counties, plans


def snapshot():
    return (
        sorted(tuple(str(v) for v in row) for row in Rollup.objects.values_list(*ROLLUP_FIELDS)),
        sorted(
            (t, p, level, str(reasons))
            for t, p, level, reasons in TaskLight.objects.values_list(
                "task_id", "period_id", "level", "reason_codes"
            )
        ),
        sorted(tuple(str(v) for v in row) for row in IndicatorRollup.objects.values_list(*INDICATOR_FIELDS)),
    )


def from_scratch():
    for model in (Rollup, TaskLight, IndicatorRollup):
        model.objects.all().delete()
    recompute_all(today=TODAY)
    return snapshot()


def test_incremental_updates_leave_the_same_figures_as_a_computation_from_scratch(province):
    _prov, _city, _counties, plans = province
    for data in plans:
        for period in (data.period, data.period2):
            rollup_plan_period(plan=data.plan, period=period, today=TODAY)
    # Changes after the first computation, each followed by its incremental rollup.
    changed = plans[1]
    report = ProgressReport.objects.filter(period=changed.period, state="submitted").first()
    report.state, report.percent = "approved", Decimal(90)
    report.save()
    rollup_plan_period(plan=changed.plan, period=changed.period, today=TODAY)
    value = IndicatorValue.objects.filter(period=plans[2].period2).first()
    value.value = Decimal(99)
    value.save()
    rollup_plan_period(plan=plans[2].plan, period=plans[2].period2, today=TODAY)
    incremental = snapshot()
    assert len(incremental[0]) > 0 and len(incremental[2]) == sum(5 + 2 * i for i in range(3)) * 2
    assert incremental == from_scratch()


def test_stored_indicator_assessments_equal_the_assessment_of_the_quarter(province):
    _prov, _city, _counties, plans = province
    recompute_all(today=TODAY)
    for data in plans:
        for period in (data.period, data.period2):
            fresh = {
                item.indicator.pk: (
                    item.status,
                    item.value,
                    item.attainment,
                    item.behind_pct,
                    item.value_period,
                )
                for item in assess_plan(data.plan, period, tolerance=5)
            }
            stored = {
                row.indicator_id: (row.status, row.value, row.attainment, row.behind_pct, row.value_period)
                for row in IndicatorRollup.objects.filter(period=period)
            }
            assert stored == fresh
    # Q2 falls back to Q1's value where nothing was reported in Q2, and says so.
    assert IndicatorRollup.objects.filter(period=plans[0].period2, value_period="2026Q1").exists()


def test_bulk_mode_computes_each_region_and_quarter_once_and_the_workers_agree(province):
    prov, city, _counties, _plans = province
    with CaptureQueriesContext(connection) as ctx:
        assert recompute_all(today=TODAY) == 6
    region_deletes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('DELETE FROM "reports_rollup"') and '"region_id" IN' in q["sql"]
    ]
    assert len(region_deletes) == 2  # each quarter's regions once, after the plans
    assert Rollup.objects.filter(scope="region").count() == 4 * 2
    row = Rollup.objects.get(scope="region", region=prov, period_label="2026Q1")
    plan_rows = Rollup.objects.filter(scope="plan", period_label="2026Q1")
    assert row.expected == sum(r.expected for r in plan_rows) == 2 * (5 + 7 + 9)
    assert Rollup.objects.get(scope="region", region=city, period_label="2026Q2").expected == row.expected
    bulk = snapshot()
    for model in (Rollup, TaskLight, IndicatorRollup):
        model.objects.all().delete()
    # Spread over the workers (in-process here): one job per plan, then the region pass.
    result = jobs.recompute_all_rollups.apply(kwargs={"changed_only": False, "today": TODAY.isoformat()})
    assert result.get() == {"computed": 6, "plans": 3}
    assert snapshot() == bulk


def test_a_plan_is_read_once_for_all_its_quarters():
    data = build_plan(6)
    periods = [data.period] + [f.PeriodFactory(plan=data.plan, year=2026, quarter=q) for q in (2, 3, 4)]

    def reads(some):
        with CaptureQueriesContext(connection) as ctx:
            store_plan_periods(plan=data.plan, periods=some, today=TODAY)
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]

    # 8 reads, the key projects, then the plan rows just written.
    assert len(reads(periods[:1])) == len(reads(periods)) == 10


def test_the_nightly_job_takes_only_the_quarters_that_can_still_change(province):
    _prov, _city, _counties, plans = province
    assert {p.pk for p in changed_periods(TODAY)} == {
        p.pk for data in plans for p in (data.period, data.period2)
    }  # never computed
    recompute_all(today=TODAY)
    # Computed today: nothing to do today.
    assert changed_periods(TODAY) == []
    # Computed on 5 July with nothing touched since: by 20 August 2026Q1 had settled
    # (deadline 10 April) but 2026Q2's deadline (10 July) was still ahead then.
    july = timezone.make_aware(dt.datetime(2026, 7, 5, 12))
    ProgressReport.objects.update(updated_at=july - dt.timedelta(days=3))
    IndicatorValue.objects.update(updated_at=july - dt.timedelta(days=3))
    Rollup.objects.update(computed_at=july)
    assert {p.pk for p in changed_periods(TODAY)} == {data.period2.pk for data in plans}
    assert changed_periods(TODAY, by_date=False) == []
    Rollup.objects.update(computed_at=timezone.now())
    # A report edited, or a quarter reopened for an agency: that quarter only.
    report = ProgressReport.objects.filter(period=plans[1].period).first()
    report.progress_text = "更正"
    report.save()
    PeriodReopening.objects.create(
        period=plans[2].period, agency=plans[2].agencies[0], until=TODAY + dt.timedelta(days=30)
    )
    touched = {plans[1].period.pk, plans[2].period.pk}
    assert {p.pk for p in changed_periods(TODAY)} == touched
    call_command("recompute_rollups", "--changed", "--date", TODAY.isoformat())
    assert changed_periods(TODAY) == []


def test_the_region_board_reads_the_stored_assessments(province):
    _prov, city, counties, plans = province
    recompute_all(today=TODAY)
    # Two counties set an indicator of the same name: shared on the city's board.
    shared_name = "新增公共充电桩"
    for data in plans[1:]:
        indicator = f.IndicatorFactory(plan=data.plan, name=shared_name, target=Decimal(100), target_year=2026,
                                       baseline_value=Decimal(0), baseline_year=2025)  # fmt: skip
        f.IndicatorValueFactory(indicator=indicator, period=data.period, agency=data.agencies[0], value=40)
        rollup_plan_period(plan=data.plan, period=data.period, today=TODAY)
    board = region_dashboard(city, "2026Q1")
    [chargers] = [s for s in board.shared if s.name == shared_name]
    assert [cell.value for cell in chargers.row] == [Decimal(40), Decimal(40)]
    # A value changed but not yet rolled up: the board still shows the stored figure,
    # then the new one once the rollup ran.
    IndicatorValue.objects.filter(indicator__name=shared_name, indicator__plan=plans[1].plan).update(value=60)
    [chargers] = [s for s in region_dashboard(city, "2026Q1").shared if s.name == shared_name]
    assert chargers.cells[plans[1].plan.pk].value == Decimal(40)
    rollup_plan_period(plan=plans[1].plan, period=plans[1].period, today=TODAY)
    [chargers] = [s for s in region_dashboard(city, "2026Q1").shared if s.name == shared_name]
    cell = chargers.cells[plans[1].plan.pk]
    assert (cell.value, chargers.cells[plans[2].plan.pk].value) == (Decimal(60), Decimal(40))
    assert cell.attainment is not None and cell.status_label
