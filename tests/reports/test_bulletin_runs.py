"""A bulletin's generation as a leased run: claimed once, taken over only when its run
has stalled, shown stalled on the list with when it is retried, queued again by the
minute's sweep, and queued by that sweep when the broker was away at the request.
(A real worker killed mid-bulletin: tests/ops/test_job_faults.py.)"""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import jobs
from reports.bulletin_runs import (
    MAX_ATTEMPTS,
    STALLED_AFTER,
    SWEEP_EVERY,
    UNSENT,
    bulletin_claim,
    bulletins_resume,
)
from reports.models import Bulletin
from reports.services import bulletin_request
from tests import factories as f
from tests.ops.conftest import free_port


@pytest.fixture
def office_plan(db):
    plan = f.PlanFactory()
    period = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    office = f.UserFactory(username="runs-office")
    f.role(office, "office", plan=plan)
    return plan, period, office


def _bulletin(plan, period, **fields):
    return Bulletin.objects.create(plan=plan, period=period, version=1, **fields)


def test_a_run_claims_a_queued_bulletin_once_and_a_live_run_keeps_it(office_plan):
    plan, period, _office = office_plan
    bulletin = _bulletin(plan, period)
    assert bulletin_claim(bulletin_id=bulletin.pk) == 1
    assert bulletin_claim(bulletin_id=bulletin.pk) is None  # the first run beat just now
    bulletin.refresh_from_db()
    assert (bulletin.state, bulletin.attempt) == ("running", 1)
    later = timezone.now() + STALLED_AFTER + dt.timedelta(seconds=1)
    assert bulletin_claim(bulletin_id=bulletin.pk, now=later) == 2  # stalled: taken over
    Bulletin.objects.filter(pk=bulletin.pk).update(state="done")
    assert bulletin_claim(bulletin_id=bulletin.pk, now=later + STALLED_AFTER * 2) is None


def test_a_bulletin_whose_runs_keep_dying_ends_failed_with_a_message(office_plan):
    plan, period, _office = office_plan
    stale = timezone.now() - STALLED_AFTER * 2
    bulletin = _bulletin(plan, period, state="running", attempt=MAX_ATTEMPTS, heartbeat_at=stale)
    assert bulletin_claim(bulletin_id=bulletin.pk) is None
    bulletin.refresh_from_db()
    assert bulletin.state == "failed" and f"中断 {MAX_ATTEMPTS} 次" in bulletin.error


@pytest.mark.django_db(transaction=True)  # the run's heartbeat thread writes on its own connection
def test_a_run_that_was_taken_over_stores_nothing(office_plan, settings, tmp_path):
    from reports.bulletin import bulletin_generate

    settings.MEDIA_ROOT = tmp_path
    plan, period, _office = office_plan
    bulletin = _bulletin(plan, period)
    first = bulletin_claim(bulletin_id=bulletin.pk)
    later = timezone.now() + STALLED_AFTER + dt.timedelta(seconds=1)
    assert bulletin_claim(bulletin_id=bulletin.pk, now=later) == first + 1
    bulletin_generate(bulletin=Bulletin.objects.get(pk=bulletin.pk), attempt=first)
    bulletin.refresh_from_db()
    assert bulletin.state == "running" and not bulletin.pdf  # left to the run holding the lease


def test_the_list_shows_a_stalled_run_and_when_it_is_retried(office_plan, client):
    plan, period, office = office_plan
    beat = timezone.now() - STALLED_AFTER - dt.timedelta(seconds=5)
    bulletin = _bulletin(plan, period, state="running", attempt=1, progress=25, heartbeat_at=beat)
    fresh = Bulletin.objects.create(
        plan=plan, period=period, version=2, state="running", attempt=1, heartbeat_at=timezone.now()
    )
    client.force_login(office)
    page = client.get(reverse("reports:plan-bulletins", args=[plan.pk])).content.decode()
    retry = timezone.localtime(beat + STALLED_AFTER + SWEEP_EVERY).strftime("%H:%M")
    since = timezone.localtime(beat).strftime("%H:%M:%S")
    assert page.count("已停滞") == 1
    assert f"自 {since} 起没有进展（后台任务中断），将于 {retry} 前自动重新生成。" in page
    status = client.get(reverse("reports:bulletin-status", args=[bulletin.pk])).json()
    assert status["state"] == "running" and status["state_label"] == "已停滞" and retry in status["message"]
    assert client.get(reverse("reports:bulletin-status", args=[fresh.pk])).json()["state_label"] == "生成中"


def test_the_sweep_queues_stalled_runs_and_bulletins_the_broker_never_got(office_plan, monkeypatch):
    plan, period, _office = office_plan
    now = timezone.now()
    stalled = _bulletin(plan, period, state="running", attempt=1, heartbeat_at=now - STALLED_AFTER * 2)
    unsent = Bulletin.objects.create(plan=plan, period=period, version=2, message=UNSENT)
    Bulletin.objects.create(plan=plan, period=period, version=3, state="running", attempt=1, heartbeat_at=now)
    Bulletin.objects.create(plan=plan, period=period, version=4)  # just asked for: its job is on its way
    sent = []
    monkeypatch.setattr(jobs, "generate_bulletin", type("Job", (), {"delay": lambda **kw: sent.append(kw)}))
    assert bulletins_resume(now=now) == [stalled.pk, unsent.pk]
    assert sent == [{"bulletin_id": stalled.pk}, {"bulletin_id": unsent.pk}]


@pytest.mark.django_db(transaction=True)
def test_a_bulletin_asked_for_while_the_broker_is_away_is_kept_and_the_sweep_sends_it(
    office_plan, caplog, monkeypatch
):
    plan, period, office = office_plan
    from carbonplan.celery import app

    real = jobs.generate_bulletin
    dead = f"redis://127.0.0.1:{free_port()}/0"

    def delay(**kwargs):
        with app.connection_for_write(dead) as connection:
            return real.apply_async(kwargs=kwargs, connection=connection)

    monkeypatch.setattr(jobs, "generate_bulletin", type("Job", (), {"delay": staticmethod(delay)}))
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with caplog.at_level(logging.WARNING, logger="reports.services"):
            bulletin = bulletin_request(plan=plan, period=period, by=office)
    finally:
        app.conf.task_always_eager = eager
    assert "the sweep will queue it" in caplog.text
    bulletin.refresh_from_db()
    assert (bulletin.state, bulletin.message) == ("queued", UNSENT)
    sent = []
    monkeypatch.setattr(jobs, "generate_bulletin", type("Job", (), {"delay": lambda **kw: sent.append(kw)}))
    assert bulletins_resume() == [bulletin.pk]
    assert sent == [{"bulletin_id": bulletin.pk}]
