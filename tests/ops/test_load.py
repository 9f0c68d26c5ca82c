"""Deadline day through gunicorn on loopback: fifty agencies report at once.

Each of 50 users (one per agency, one task each) creates a draft, changes it with the
version it read, and submits twice at the same moment (a double click). Bounded: 300
requests, a 60-second limit. Latency percentiles are printed, not asserted: they
depend on the machine.
"""

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token

from agencies.models import AuditEntry
from tasks.models import ProgressReport, ProgressReportVersion
from tests import factories as f

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

USERS = 50
TIME_LIMIT = 60


def _agencies_with_a_task_each(n):
    region = f.RegionFactory(name="负载县")
    plan = f.PlanFactory(region=region, title="负载县碳达峰实施方案")
    action = f.ActionFactory(plan=plan, seq=1, title="能源绿色低碳转型行动")
    period = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    people = []
    for i in range(n):
        agency = f.AgencyFactory(region=region, name=f"负载县单位{i:02d}")
        task = f.TaskFactory(action=action, seq=i + 1, title=f"负载任务{i + 1}")
        f.AssignmentFactory(task=task, agency=agency, role="lead")
        user = f.UserFactory(username=f"load{i:02d}")
        f.role(user, "staff", agency=agency)
        # Tokens made here, not through /api/auth/token/: that endpoint is rate limited
        # per address, and all fifty users come from 127.0.0.1.
        people.append((user, Token.objects.create(user=user).key, task))
    return plan, period, people


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_fifty_agencies_submitting_at_once_store_every_report_exactly_once(gunicorn_server, capsys):
    server = gunicorn_server
    plan, period, people = _agencies_with_a_task_each(USERS)
    start = threading.Barrier(USERS)
    results = []  # (user, step, status, seconds, body)
    lock = threading.Lock()

    def record(user, step, answer):
        status, body, seconds = answer
        with lock:
            results.append((user.username, step, status, seconds, body))
        return status, body

    def one_agency(user, token, task):
        start.wait(timeout=30)
        status, body = record(
            user,
            "create",
            server.request(
                "POST",
                "/api/progress-reports/",
                token=token,
                data={"task": task.pk, "period": period.pk, "status": "in_progress", "percent": "30",
                      "progress_text": f"{user.username}：已完成项目选址"},
            ),
        )  # fmt: skip
        if status != 201:
            return
        report_id, version = body["id"], body["version"]
        status, body = record(
            user,
            "patch",
            server.request(
                "PATCH",
                f"/api/progress-reports/{report_id}/",
                token=token,
                data={"version": version, "percent": "45", "problems": f"{user.username}：资金到位偏慢"},
            ),
        )
        if status != 200:
            return
        # A double click: both submits leave at the same moment.
        with ThreadPoolExecutor(2) as pair:
            answers = list(
                pair.map(
                    lambda _: server.request(
                        "POST", f"/api/progress-reports/{report_id}/submit/", token=token
                    ),
                    range(2),
                )
            )
        for answer in answers:
            record(user, "submit", answer)

    # A running server has its code loaded: the first request of each worker thread
    # (imports, URLconf) is not what an agency waits for at the deadline.
    warm_token = people[0][1]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda _: server.request("GET", "/api/progress-reports/", token=warm_token), range(64)))
    # One request at a time, for comparison: what the machine gives without contention.
    alone = statistics.median(
        server.request("GET", f"/api/tasks/{people[0][2].pk}/", token=warm_token)[2] for _ in range(10)
    )

    began = time.monotonic()
    with ThreadPoolExecutor(USERS) as pool:
        futures = [pool.submit(one_agency, *person) for person in people]
        for future in futures:
            future.result(timeout=TIME_LIMIT)
    elapsed = time.monotonic() - began

    server_errors = [r for r in results if r[2] >= 500]
    assert server_errors == [], server_errors[:3]
    by_step = {}
    for _user, step, status, _seconds, _body in results:
        by_step.setdefault(step, []).append(status)
    assert by_step["create"] == [201] * USERS
    assert by_step["patch"] == [200] * USERS
    assert by_step["submit"] == [200] * (2 * USERS)
    assert all(body["state"] == "submitted" for _u, step, _s, _t, body in results if step == "submit")
    assert elapsed < TIME_LIMIT
    assert "Traceback" not in server.log.read_text()

    reports = ProgressReport.objects.filter(period=period)
    assert reports.count() == USERS
    assert set(reports.values_list("state", flat=True)) == {"submitted"}
    assert sorted(reports.values_list("task_id", flat=True)) == sorted(task.pk for _u, _t, task in people)
    assert set(reports.values_list("percent", flat=True)) == {45}
    for report in reports:
        assert report.problems == f"{report.created_by.username}：资金到位偏慢"
    versions = ProgressReportVersion.objects.filter(report__period=period)
    # Exactly one submission per report however many clicks: one submitted event each.
    submitted = versions.filter(event=ProgressReportVersion.Event.SUBMITTED)
    assert submitted.count() == USERS
    assert submitted.values("report_id").distinct().count() == USERS
    assert AuditEntry.objects.filter(action="report.submit").count() == USERS

    latencies = [seconds for *_rest, seconds, _body in results]
    steps = "; ".join(
        f"{step} p50 {statistics.median(t) * 1000:.0f} ms p95 {_percentile(t, 0.95) * 1000:.0f} ms"
        for step in ("create", "patch", "submit")
        for t in [[seconds for _u, s, _st, seconds, _b in results if s == step]]
    )
    with capsys.disabled():
        print(
            f"\n[load] {len(results)} requests from {USERS} agencies in {elapsed:.1f} s through gunicorn "
            f"(4 workers × 8 threads): p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {_percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
            f"({steps}); one request alone {alone * 1000:.0f} ms; "
            f"{reports.count()} reports, {submitted.count()} submit events"
        )
