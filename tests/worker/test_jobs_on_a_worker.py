"""Rollups and bulletins through a real worker process (PostgreSQL + Redis only)."""

import subprocess

import pytest
from django.core.cache import cache
from django.forms.models import model_to_dict

from reports.models import Bulletin, Rollup, TaskLight
from reports.rollups import rollup_plan_period
from reports.services import bulletin_request, rollup_pending_key, rollup_request
from tests import factories as f
from tests.reports.conftest import build_plan
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def snapshot(plan, period):
    rollups = sorted(
        tuple(sorted((k, str(v)) for k, v in model_to_dict(r, exclude=["id", "computed_at"]).items()))
        for r in Rollup.objects.filter(plan=plan, period=period)
    )
    lights = sorted(
        (light.task_id, light.level, tuple(light.reasons))
        for light in TaskLight.objects.filter(period=period)
    )
    return rollups, lights


def test_a_rollup_computed_by_the_worker_equals_the_in_process_one(worker):
    data = build_plan(12)
    key = rollup_pending_key(data.plan.pk, data.period.pk)
    for _ in range(20):  # a burst: one job
        rollup_request(plan_id=data.plan.pk, period_id=data.period.pk)
    assert cache.get(key) == 1
    wait_for(
        lambda: Rollup.objects.filter(plan=data.plan, scope="plan").exists() and cache.get(key) is None,
        worker=worker,
        what="the rollup job",
    )
    by_worker = snapshot(data.plan, data.period)
    assert len(by_worker[0]) == 1 + 2 + 12 + 3  # plan, actions, tasks, agencies
    assert worker.log.read_text().count("reports.jobs.recompute_plan_period") >= 1

    Rollup.objects.filter(plan=data.plan).delete()
    TaskLight.objects.all().delete()
    rollup_plan_period(plan=data.plan, period=data.period)
    assert snapshot(data.plan, data.period) == by_worker


def test_a_bulletin_is_generated_by_the_worker_with_its_progress_recorded(worker, settings, tmp_path):
    settings.MEDIA_ROOT = worker.media
    data = build_plan(5, title="工作进程方案")
    office = f.UserFactory(username="worker-office")
    f.role(office, "office", plan=data.plan)
    bulletin = bulletin_request(plan=data.plan, period=data.period, by=office)
    done = wait_for(
        lambda: Bulletin.objects.filter(pk=bulletin.pk, state__in=["done", "failed"]).first(),
        worker=worker,
        what="the bulletin job",
    )
    assert (done.state, done.error, done.progress, done.message) == ("done", "", 100, "已生成")
    assert done.started_at and done.finished_at and done.started_at <= done.finished_at
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(done.pdf.read())
    text = "".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "工作进程方案任务1" in text and "工作进程方案单位0" in text
    # The worker wrote the file into the media root this process reads.
    assert (worker.media / done.pdf.name).exists()


def test_the_rollup_chord_on_a_worker_stores_what_one_process_computes(worker):
    import datetime as dt

    from reports.jobs import rollup_chord
    from reports.models import IndicatorRollup
    from reports.rollups import recompute_periods
    from tasks.models import ReportingPeriod

    data = build_plan(8, title="和弦方案")
    periods = list(ReportingPeriod.objects.filter(plan=data.plan).select_related("plan"))
    day = dt.date.today()
    result = rollup_chord(periods, day, queue=worker.queue).apply_async()
    assert result.get(timeout=90)["regions"] >= 1
    by_worker = snapshot(data.plan, data.period)
    region_rows = sorted(
        (r.region_id, r.period_label, r.expected, r.approved) for r in Rollup.objects.filter(scope="region")
    )
    assert by_worker[0] and region_rows
    assert IndicatorRollup.objects.filter(plan=data.plan).exists() == data.plan.indicators.exists()

    Rollup.objects.all().delete()
    TaskLight.objects.all().delete()
    recompute_periods(periods, today=day)
    assert snapshot(data.plan, data.period) == by_worker
    assert (
        sorted(
            (r.region_id, r.period_label, r.expected, r.approved)
            for r in Rollup.objects.filter(scope="region")
        )
        == region_rows
    )
