"""Faults: Redis going away at the deadline, a worker killed mid-bulletin, a plan
import breaking halfway. Nothing the users saved may be lost, and nothing half-done
may be left behind."""

import http.cookiejar
import logging
import os
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from rest_framework.authtoken.models import Token

from agencies.models import Agency, AuditEntry
from indicators.models import Indicator
from plans.importing import parse_file
from plans.models import Action, Plan, Region
from reports import jobs
from reports.bulletin_runs import UNSENT
from reports.models import Bulletin, FigureMark, Rollup, TaskLight, WarningRule
from reports.rollups import rollup_plan_period
from reports.services import bulletin_request, rollup_pending_key, rollup_request
from tasks.models import ProgressReport, Task, TaskAssignment
from tasks.services import report_approve
from tests import factories as f
from tests.ops.conftest import free_port
from tests.plans.docs import YUEYANG
from tests.reports.conftest import build_plan

CATCH_UP_WARNING = "the catch-up job will recompute it"


def snapshot(plan, period):
    rollups = sorted(
        tuple(sorted((k, str(v)) for k, v in model_to_dict(r, exclude=["id", "computed_at"]).items()))
        for r in Rollup.objects.filter(plan=plan, period=period)
    )
    lights = sorted(
        (light.task_id, light.level, tuple(light.reasons))
        for light in TaskLight.objects.filter(period=period, task__action__plan=plan)
    )
    return rollups, lights


def fresh_computation(plan, period):
    """What an in-process recompute from scratch gives."""
    Rollup.objects.filter(plan=plan, period=period).delete()
    TaskLight.objects.filter(period=period, task__action__plan=plan).delete()
    rollup_plan_period(plan=plan, period=period)
    return snapshot(plan, period)


@pytest.fixture
def celery_not_eager():
    from carbonplan.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = before


# --- the rollup hook when Redis is away (in-process; any database) ----------------------


@pytest.mark.django_db(transaction=True)
def test_a_commit_hook_finding_the_cache_down_logs_a_warning_and_does_not_raise(settings, caplog, world):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    with caplog.at_level(logging.WARNING, logger="reports.services"), transaction.atomic():
        report = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a)
        rollup_request(plan_id=world.plan_a.pk, period_id=world.period_a.pk)
    assert ProgressReport.objects.filter(pk=report.pk).exists()
    assert CATCH_UP_WARNING in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_commit_hook_finding_the_broker_down_logs_a_warning_and_releases_its_flag(
    monkeypatch, caplog, world, celery_not_eager
):
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    real = jobs.recompute_plan_period

    def apply_async(**options):
        with celery_not_eager.connection_for_write(dead_broker) as connection:
            return real.apply_async(connection=connection, **options)

    monkeypatch.setattr(jobs, "recompute_plan_period", SimpleNamespace(apply_async=apply_async))
    key = rollup_pending_key(world.plan_a.pk, world.period_a.pk)
    cache.delete(key)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="reports.services"), transaction.atomic():
        rollup_request(plan_id=world.plan_a.pk, period_id=world.period_a.pk)
    assert CATCH_UP_WARNING in caplog.text
    assert time.monotonic() - started < 15  # the user waits a moment, not forever
    # The flag is released, so the next request (broker back) queues a job at once.
    assert cache.get(key) is None


# --- the catch-up job (in-process; any database) ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_catch_up_job_recomputes_only_plans_whose_reports_changed_after_their_rollup(settings, caplog):
    a = build_plan(6, title="甲方案")
    b = build_plan(3, title="乙方案")
    office = f.UserFactory(username="catch-up-office")
    # Neither has a rollup yet: both have reports, so both are stale.
    assert sorted(map(tuple, jobs.recompute_stale_rollups.apply().get()["recomputed"])) == sorted(
        [(a.plan.pk, a.period.pk), (b.plan.pk, b.period.pk)]
    )
    assert jobs.recompute_stale_rollups.apply().get() == {"recomputed": []}
    before = Rollup.objects.get(plan=a.plan, scope="plan").approved

    submitted = ProgressReport.objects.filter(period=a.period, state="submitted").first()
    cache_in_use = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # Redis is down
        }
    }
    with caplog.at_level(logging.WARNING, logger="reports.services"):
        report_approve(report=submitted, by=office)
    assert CATCH_UP_WARNING in caplog.text  # the approval's rollup request was lost
    settings.CACHES = cache_in_use
    assert ProgressReport.objects.get(pk=submitted.pk).state == "approved"
    assert Rollup.objects.get(plan=a.plan, scope="plan").approved == before
    assert jobs.recompute_stale_rollups.apply().get() == {"recomputed": [[a.plan.pk, a.period.pk]]}
    assert Rollup.objects.get(plan=a.plan, scope="plan").approved == before + 1
    assert snapshot(a.plan, a.period) == fresh_computation(a.plan, a.period)

    rule = WarningRule.objects.create(plan=b.plan, yellow_returns=1)  # a changed rule counts too
    assert rule.pk
    assert jobs.recompute_stale_rollups.apply().get() == {"recomputed": [[b.plan.pk, b.period.pk]]}


# --- Redis stopped at the deadline (gunicorn + PostgreSQL + a Redis of our own) ---------


def _logged_in_browser(server, user):
    """A cookie-keeping HTTP client with a session for `user` (as after a login)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    host = urllib.parse.urlsplit(server.url).hostname
    jar.set_cookie(
        http.cookiejar.Cookie(
            0, django_settings.SESSION_COOKIE_NAME, session.session_key, None, False, host, False, False,
            "/", True, False, None, False, None, None, {},
        )
    )  # fmt: skip
    return opener, jar


def _submit_form(server, opener, jar, path, fields, *, action=None):
    """The form of the page at `path` sent (to `action`, its own path by default)."""
    with opener.open(server.url + path, timeout=30) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    request = urllib.request.Request(server.url + (action or path), data=body, method="POST")
    request.add_header("Referer", server.url + path)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_agencies_submit_and_the_office_approves_and_rollups_catch_up_when_it_returns(
    gunicorn_server, private_redis, workers, settings
):
    """Pages and submissions keep working, the office is told the figures are pending,
    and what the outage's writes asked for (the figures' refresh, a bulletin) is done by
    a worker once Redis is back: the stale marks and the queued bulletin are the outbox."""
    server = gunicorn_server
    settings.MEDIA_ROOT = workers.media
    data = build_plan(12, title="断缓存方案")
    # The office reviews every agency's report here, supporters' included.
    data.plan.review_mode = data.plan.ReviewMode.OFFICE_REVIEWS_ALL
    data.plan.save(update_fields=["review_mode"])
    office = f.UserFactory(username="outage-office")
    f.role(office, "office", plan=data.plan)
    office_token = Token.objects.create(user=office).key
    staff = []
    for agency in data.agencies:
        user = f.UserFactory(username=f"outage-{agency.pk}")
        f.role(user, "staff", agency=agency)
        staff.append((agency, Token.objects.create(user=user).key))
    rollup_plan_period(plan=data.plan, period=data.period)
    stored_before = snapshot(data.plan, data.period)
    approved_before = Rollup.objects.get(plan=data.plan, scope="plan").approved

    private_redis.stop()
    answers = []

    def report_as_supporter(agency, token):
        # Each agency reports on the tasks it supports (build_plan gave it none there yet).
        for assignment in TaskAssignment.objects.filter(
            agency=agency, role="support", task__action__plan=data.plan
        ):
            answer = server.request(
                "POST", "/api/progress-reports/", token=token,
                data={"task": assignment.task_id, "period": data.period.pk, "status": "in_progress",
                      "percent": "50", "progress_text": "停电期间报送"},
            )  # fmt: skip
            answers.append(("create", answer))
            if answer[0] == 201:
                answers.append(
                    (
                        "submit",
                        server.request(
                            "POST", f"/api/progress-reports/{answer[1]['id']}/submit/", token=token
                        ),
                    )
                )

    with ThreadPoolExecutor(len(staff)) as pool:
        list(pool.map(lambda pair: report_as_supporter(*pair), staff))
    to_approve = list(
        ProgressReport.objects.filter(period=data.period, state="submitted").values_list("pk", flat=True)
    )
    for pk in to_approve:
        answers.append(
            ("approve", server.request("POST", f"/api/progress-reports/{pk}/approve/", token=office_token))
        )
    # The office also tightens the warning rule: its save asks for a recompute at once.
    opener, jar = _logged_in_browser(server, office)
    status, page = _submit_form(
        server, opener, jar, reverse("reports:warning-rule", args=[data.plan.pk]),
        {"red_behind_pct": "20", "yellow_behind_pct": "5", "yellow_returns": "1",
         "red_when_missing_after_deadline": "on", "red_when_lagging": "on", "yellow_when_late": "on"},
    )  # fmt: skip
    answers.append(("warning-rule", (status, None, 0)))
    # The office asks for the quarter's bulletin: stored, to be made once Redis is back.
    bulletins = reverse("reports:plan-bulletins", args=[data.plan.pk])
    status, bulletin_page = _submit_form(
        server, opener, jar, bulletins, {"period": data.period.label},
        action=reverse("reports:bulletin-generate", args=[data.plan.pk]),
    )  # fmt: skip
    answers.append(("bulletin", (status, None, 0)))
    # The dashboard answers, and says its figures wait for these changes.
    with opener.open(server.url + reverse("reports:dashboard", args=[data.plan.pk]), timeout=30) as response:
        answers.append(("dashboard", (response.status, None, 0)))
        dashboard = response.read().decode()

    assert [(step, a[0]) for step, a in answers if not 200 <= a[0] < 300] == []
    assert "预警规则已保存" in page
    creates = [a for step, a in answers if step == "create"]
    assert len(creates) == 12  # one supporting assignment per task
    assert ProgressReport.objects.filter(period=data.period, progress_text="停电期间报送").count() == 12
    assert ProgressReport.objects.filter(pk__in=to_approve, state="approved").count() == len(to_approve) > 12
    assert WarningRule.objects.get(plan=data.plan).yellow_returns == 1
    # The server logged that it could not queue, and the stored rollups are now stale.
    warnings_during_outage = server.log.read_text().count(CATCH_UP_WARNING)
    assert warnings_during_outage >= 1
    assert "Traceback" not in server.log.read_text()
    assert snapshot(data.plan, data.period) == stored_before
    assert "统计待更新" in dashboard
    assert "已开始生成" in bulletin_page
    bulletin = Bulletin.objects.get(plan=data.plan, period=data.period)
    assert (bulletin.state, bulletin.message) == ("queued", UNSENT)
    assert "the sweep will queue it" in server.log.read_text()

    private_redis.start()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url}
    }
    worker = workers.start("after-outage")
    # Beat's minute jobs, sent as beat sends them: the catch-up of the stale figures and
    # the sweep that queues the bulletin the broker never got.
    workers.send(jobs.recompute_stale_rollups)
    workers.send(jobs.resume_stalled_bulletins)
    _wait(
        lambda: not FigureMark.objects.filter(plan=data.plan).exists()
        and Bulletin.objects.filter(pk=bulletin.pk, state__in=["done", "failed"]).exists(),
        timeout=90, what="the worker to catch up", logs=[worker.log],
    )  # fmt: skip
    assert Bulletin.objects.get(pk=bulletin.pk).state == "done"
    caught_up = snapshot(data.plan, data.period)
    assert Rollup.objects.get(plan=data.plan, scope="plan").approved == approved_before + len(to_approve)
    assert caught_up == fresh_computation(data.plan, data.period)
    with opener.open(server.url + reverse("reports:dashboard", args=[data.plan.pk]), timeout=30) as response:
        assert "统计待更新" not in response.read().decode()
    # And the server queues normally again: nothing is stuck behind a stale flag.
    status, page = _submit_form(
        server, opener, jar, reverse("reports:warning-rule", args=[data.plan.pk]),
        {"red_behind_pct": "20", "yellow_behind_pct": "5", "yellow_returns": "2",
         "red_when_missing_after_deadline": "on", "red_when_lagging": "on", "yellow_when_late": "on"},
    )  # fmt: skip
    assert status == 200 and "预警规则已保存" in page
    assert server.log.read_text().count(CATCH_UP_WARNING) == warnings_during_outage


# --- a worker killed while it generates a bulletin --------------------------------------


def _wait(predicate, *, timeout, what, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"timed out waiting for {what}\n{tails}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_during_a_bulletin_is_replaced_and_the_job_rejected_back_to_the_queue(
    workers, settings, monkeypatch
):
    """acks_late + reject_on_worker_lost: the worker sees its pool process die (the
    out-of-memory killer's usual victim) and hands the job back at once; the run it
    killed beat moments ago, so the job looks again once that lease has run out, and a
    fresh process makes the bulletin (a worker killed whole: tests/ops/test_job_faults.py)."""
    settings.MEDIA_ROOT = workers.media
    data = build_plan(40, title="断进程方案")
    office = f.UserFactory(username="pool-office")
    f.role(office, "office", plan=data.plan)
    real = jobs.generate_bulletin
    monkeypatch.setattr(
        jobs, "generate_bulletin", SimpleNamespace(delay=lambda **kw: workers.send(real, **kw))
    )
    node = workers.start("prefork", pool="prefork")
    bulletin = bulletin_request(plan=data.plan, period=data.period, by=office)
    _wait(
        lambda: Bulletin.objects.filter(pk=bulletin.pk, state="running").exists(),
        timeout=60, what="the pool process to start the bulletin", logs=[node.log],
    )  # fmt: skip
    pid = node.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    os.kill(int(children[0]), signal.SIGKILL)
    assert Bulletin.objects.get(pk=bulletin.pk).state == "running", "the bulletin finished before the kill"

    done = _wait(
        lambda: Bulletin.objects.filter(pk=bulletin.pk, state__in=["done", "failed"]).first(),
        timeout=90, what="the job to run again in a new pool process", logs=[node.log],
    )  # fmt: skip
    assert (done.state, done.error, done.progress) == ("done", "", 100)
    assert Bulletin.objects.filter(plan=data.plan, period=data.period).count() == 1
    # The bulletin is stored as done a moment before the worker logs the job's success.
    log = _wait(
        lambda: (text := node.log.read_text()).count("succeeded") and text,
        timeout=30, what="the worker to log the job's success", logs=[node.log],
    )  # fmt: skip
    assert "WorkerLostError" in log and log.count("succeeded") == 1
    assert node.process.poll() is None  # the worker itself lived on
    assert sorted(p.name for p in (workers.media / "bulletins").iterdir()) == sorted(
        getattr(done, field).name.rsplit("/", 1)[-1] for field in ("pdf", "docx", "xlsx")
    )


# --- a plan import is one transaction ---------------------------------------------------


def _row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Region, Plan, Action, Task, TaskAssignment, Indicator, Agency, AuditEntry)
    }


@pytest.mark.django_db(transaction=True)
def test_an_import_failing_after_most_rows_are_written_leaves_no_rows_at_all(monkeypatch):
    from plans import services

    written = {}

    def fail_late(parsed, tasks_by_pos):
        # Called after the plan, actions, tasks, agencies, assignments and indicators.
        written.update(_row_counts())
        raise RuntimeError("磁盘已满")

    before = _row_counts()
    monkeypatch.setattr(services, "_duplicate_links", fail_late)
    with pytest.raises(RuntimeError, match="磁盘已满"):
        call_command("import_plan", str(YUEYANG))
    assert written["Task"] > 20 and written["Agency"] > 10 and written["Indicator"] > 0
    assert _row_counts() == before


@pytest.mark.django_db(transaction=True)
def test_an_agency_name_too_long_for_its_column_stops_the_import_with_a_message_and_no_rows():
    parsed, text = parse_file(YUEYANG)
    last_task = parsed["actions"][-1]["tasks"][-1]
    last_task["lead"] = ["县" + "超长单位名称" * 30 + "局"]
    region = f.RegionFactory(name="岳阳县")
    before = _row_counts()
    from plans.services import plan_create_from_parsed

    with pytest.raises(Exception) as caught:
        plan_create_from_parsed(parsed=parsed, region=region, source_text=text, source_name=YUEYANG.name)
    assert _row_counts() == before
    assert "100" in str(caught.value)  # the message names the limit
