"""Faults in the jobs, on the production stack (PostgreSQL, Redis, real Celery workers
with the production settings): a worker killed in the middle of the full rollup and of
a bulletin, and the limits that bound how long a lost job waits.

Redis hands a job held by a dead worker to another one only once the broker's
visibility timeout has passed since the worker took it (four minutes here). The rollup
test does not wait that long: it moves the time the killed worker took the job back by
the timeout in Redis's own record, as if the minutes had passed, and the next worker's
sweep finds it; everything else (the kill, the redelivery, the jobs) is real. A bulletin
does not wait for the broker: its run stops beating, the list shows it stalled within
half a minute, and the minute's sweep (beat's job, run here as beat runs it) hands it on.
"""

import json
import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from reports import jobs
from reports.bulletin_runs import STALLED_AFTER, SWEEP_EVERY
from reports.marks import REFRESH_COALESCE_SECONDS
from reports.models import Bulletin, Rollup
from reports.services import ROLLUP_COALESCE_SECONDS, bulletin_request
from tests import factories as f
from tests.ops.test_faults import fresh_computation, snapshot
from tests.reports.conftest import build_plan

FIVE_MINUTES = 300


def _wait(predicate, *, timeout, what, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"timed out waiting for {what}\n{tails}")


# --- the limits (no servers) --------------------------------------------------------------


def test_a_lost_job_is_handed_on_within_five_minutes_and_a_running_one_never():
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    timeout = options["visibility_timeout"]
    # Redis looks for lost jobs every interval × throttle seconds.
    sweep = options["unacked_restore_interval"] * options["unacked_restore_throttle"]
    assert timeout + sweep <= FIVE_MINUTES
    # A job runs at most JOB_TIME_LIMIT (its pool process is killed then) after waiting
    # at most JOB_MAX_COUNTDOWN in the worker that took it: handed out again only when
    # it cannot still be running.
    limit, countdown = django_settings.CELERY_TASK_TIME_LIMIT, django_settings.JOB_MAX_COUNTDOWN
    assert django_settings.CELERY_TASK_SOFT_TIME_LIMIT < limit
    assert timeout >= limit + countdown
    for wait in (REFRESH_COALESCE_SECONDS, ROLLUP_COALESCE_SECONDS, STALLED_AFTER.total_seconds() + 1):
        assert wait <= countdown
    for registered in (jobs.recompute_plan_quarters, jobs.recompute_stale_rollups, jobs.send_due_reminders):
        assert registered.retry_backoff_max <= countdown
    from agencies import jobs as agency_jobs

    assert agency_jobs.send_delivery.retry_backoff_max <= countdown
    # A stalled bulletin is queued again by the sweep well within the same five minutes.
    assert (STALLED_AFTER + SWEEP_EVERY).total_seconds() <= FIVE_MINUTES


# --- a worker killed in the middle of the full rollup ---------------------------------------


def _unacked(redis):
    """{delivery tag: (job name, seconds since a worker took it)} of jobs held by workers."""
    now = time.time()
    held = {}
    for tag, score in redis.zrange("unacked_index", 0, -1, withscores=True):
        message = json.loads(redis.hget("unacked", tag))[0]
        held[tag] = (message["headers"]["task"], now - score)
    return held


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_full_rollup_has_its_part_redone_and_the_figures_equal_a_fresh_computation(
    workers, private_redis
):
    plans = [build_plan(150, title=f"全量汇总{i}") for i in range(3)]
    today = timezone.localdate()
    redis = private_redis.client()
    first = workers.start("first")
    workers.send(jobs.recompute_all_rollups, changed_only=False, today=today.isoformat())
    _wait(
        lambda: re.search(r"recompute_plan_quarters\[[^]]+\] received", first.log.read_text()),
        timeout=60, what="the first plan's part to start", logs=[first.log],
    )  # fmt: skip
    workers.kill(first)
    log = first.log.read_text()
    assert "rollup_region_quarters[" not in log
    assert len(re.findall(r"recompute_plan_quarters\[[^]]+\] succeeded", log)) < 3, (
        "the parts finished before the kill"
    )
    held = _unacked(redis)
    assert [name for name, _age in held.values()] == ["reports.jobs.recompute_plan_quarters"], held
    assert Rollup.objects.filter(scope="region").count() == 0

    timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    (tag,) = held
    # As if the visibility timeout had passed since the killed worker took the part.
    redis.zadd("unacked_index", {tag: redis.zscore("unacked_index", tag) - timeout})
    second = workers.start("second")
    _wait(
        lambda: re.search(r"rollup_region_quarters\[[^]]+\] succeeded", second.log.read_text()),
        timeout=90, what="the region pass after the redone part", logs=[first.log, second.log],
    )  # fmt: skip
    _wait(
        lambda: Rollup.objects.filter(scope="region").exists() and not _unacked(redis),
        timeout=30, what="the chord to finish", logs=[second.log],
    )  # fmt: skip
    redone = re.findall(r"recompute_plan_quarters\[([^]]+)\] succeeded", second.log.read_text())
    killed = re.findall(r"recompute_plan_quarters\[([^]]+)\] received", log)[-1]
    assert killed in redone
    for data in plans:
        stored = snapshot(data.plan, data.period)
        assert stored[0], "no figures stored"
        assert stored == fresh_computation(data.plan, data.period)


# --- a worker killed in the middle of a bulletin --------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_a_bulletin_shows_it_stalled_and_the_next_worker_makes_that_one_version(
    workers, settings, monkeypatch, client
):
    settings.MEDIA_ROOT = workers.media
    data = build_plan(40, title="断电方案")
    office = f.UserFactory(username="kill-office")
    f.role(office, "office", plan=data.plan)
    client.force_login(office)
    real = jobs.generate_bulletin
    # The office's request goes to the private Redis, where only these workers listen.
    monkeypatch.setattr(
        jobs, "generate_bulletin", SimpleNamespace(delay=lambda **kw: workers.send(real, **kw))
    )
    first = workers.start("first")
    bulletin = bulletin_request(plan=data.plan, period=data.period, by=office)
    _wait(
        lambda: Bulletin.objects.filter(pk=bulletin.pk, state="running", progress__gte=25).exists(),
        timeout=60, what="the first worker to start the bulletin", logs=[first.log],
    )  # fmt: skip
    workers.kill(first)
    killed_at = time.monotonic()
    killed_in = Bulletin.objects.get(pk=bulletin.pk)
    assert (killed_in.state, killed_in.attempt) == ("running", 1) and not killed_in.pdf
    url = reverse("reports:plan-bulletins", args=[data.plan.pk])
    assert "已停滞" not in client.get(url).content.decode()

    # Its heartbeat has stopped: within half a minute the list says so, and when it is retried.
    page = _wait(
        lambda: (lambda html: html if "已停滞" in html else None)(client.get(url).content.decode()),
        timeout=60, what="the list to show the bulletin stalled",
    )  # fmt: skip
    assert time.monotonic() - killed_at <= STALLED_AFTER.total_seconds() + 10
    stalled = Bulletin.objects.get(pk=bulletin.pk)
    retry = timezone.localtime(stalled.heartbeat_at + STALLED_AFTER + SWEEP_EVERY).strftime("%H:%M")
    assert f"将于 {retry} 前自动重新生成" in page
    status = client.get(reverse("reports:bulletin-status", args=[bulletin.pk])).json()
    assert status["state_label"] == "已停滞" and retry in status["message"]

    second = workers.start("second")
    # The minute's sweep, as beat runs it.
    assert jobs.resume_stalled_bulletins.apply().get() == {"queued": [bulletin.pk]}
    done = _wait(
        lambda: Bulletin.objects.filter(pk=bulletin.pk, state__in=["done", "failed"]).first(),
        timeout=90, what="the next worker to make the bulletin", logs=[first.log, second.log],
    )  # fmt: skip
    assert (done.state, done.error, done.progress, done.attempt) == ("done", "", 100, 2)
    assert time.monotonic() - killed_at < FIVE_MINUTES
    assert Bulletin.objects.filter(plan=data.plan, period=data.period).count() == 1
    assert sorted(p.name for p in (workers.media / "bulletins").iterdir()) == sorted(
        getattr(done, field).name.rsplit("/", 1)[-1] for field in ("pdf", "docx", "xlsx")
    )
    assert "succeeded" not in first.log.read_text()
    page = client.get(url).content.decode()
    assert "已停滞" not in page and reverse("reports:bulletin-download", args=[bulletin.pk, "pdf"]) in page
    # The sweep finds nothing more to do.
    assert jobs.resume_stalled_bulletins.apply().get() == {"queued": []}
