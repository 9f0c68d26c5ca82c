"""PostgreSQL restarted (an operator's restart, a failover) in the middle of a burst of
submissions at the deadline: each client is answered with success or a clear 503 that
says to try again, never a server error, and every write a client was told had
succeeded is in the database afterwards.

The server restarted is the one the test run uses, so the test needs to be able to
restart it: one started by `bin/services` (CI's PostgreSQL pass, or
CARBONPLAN_SERVICES_DIR pointing at it); elsewhere it is skipped.
"""

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tasks.models import ProgressReport, TaskAssignment
from tests import factories as f
from tests.ops.conftest import ROOT, serving
from tests.reports.conftest import build_plan
from tests.worker.conftest import _skip_reason

CLIENTS = 12
RETRIES = 20


def _restartable_cluster():
    """The bin/services cluster the test run's database is on, or None."""
    run = os.environ.get("CARBONPLAN_SERVICES_DIR")
    pid_file = Path(run or "/nonexistent") / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    port = str(connection.settings_dict.get("PORT") or 5432)
    return run if len(lines) > 3 and lines[3].strip() == port else None


@pytest.fixture(scope="module")
def production_server(django_db_setup, private_redis, tmp_path_factory):
    """gunicorn as production runs it: connections kept for a minute, checked before use."""
    if _skip_reason():
        pytest.skip(_skip_reason())
    with serving(private_redis, tmp_path_factory, conn_max_age=60) as server:
        yield server


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_during_a_burst_of_submissions_answers_clearly_and_keeps_every_acknowledged_write(
    production_server,
):
    run = _restartable_cluster()
    if run is None:
        pytest.skip(
            "needs the test database on a PostgreSQL started by bin/services (CARBONPLAN_SERVICES_DIR)"
        )
    server = production_server
    data = build_plan(48, title="重启方案")
    # Every agency's report goes to the office, supporters' too (they carry a percent).
    data.plan.review_mode = data.plan.ReviewMode.OFFICE_REVIEWS_ALL
    data.plan.save(update_fields=["review_mode"])
    clients = []
    for i in range(CLIENTS):
        agency = data.agencies[i % 3]
        user = f.UserFactory(username=f"restart-{i}")
        f.role(user, "staff", agency=agency)
        mine = TaskAssignment.objects.filter(agency=agency, role="support", task__action__plan=data.plan)
        # The agency's supporting assignments shared among its four people.
        tasks = [a.task_id for a in mine.order_by("task__seq")][i // 3 :: CLIENTS // 3]
        clients.append((Token.objects.create(user=user).key, tasks))
    answers, lock = [], threading.Lock()
    started = threading.Event()

    def ask(token, method, path, body=None):
        """The request, tried again after a 503 as a client following Retry-After would."""
        for _ in range(RETRIES):
            answer = server.request(method, path, token=token, data=body)
            with lock:
                answers.append((method, path, answer[0], answer[1]))
            started.set()
            if answer[0] != 503:
                return answer
            time.sleep(0.5)
        return answer

    def report(token, tasks):
        for task in tasks:
            body = {"task": task, "period": data.period.pk, "status": "in_progress", "percent": "60",
                    "progress_text": f"重启期间报送{task}"}  # fmt: skip
            status, created, _ = ask(token, "POST", "/api/progress-reports/", body)
            if already_there(status, created):  # stored before the connection was cut, answered 503
                created = {"id": created["id"]}
            elif status != 201:
                continue
            ask(token, "POST", f"/api/progress-reports/{created['id']}/submit/")

    restarted = {}

    def restart():
        started.wait(30)
        time.sleep(1.0)  # well into the burst
        restarted["before"] = len(answers)
        subprocess.run(
            ["bin/services", "restart-postgres"], cwd=ROOT, check=True, env=os.environ, capture_output=True
        )
        restarted["after"] = len(answers)

    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        restarting = pool.submit(restart)
        list(pool.map(lambda client: report(*client), clients))
        restarting.result()
    connection.close()  # this process's connection was cut too

    unexpected = [a for a in answers if a[2] not in (200, 201, 409, 503) and not already_there(a[2], a[3])]
    assert not unexpected, unexpected
    assert 0 < restarted["before"] < len(answers), "the restart did not fall inside the burst"
    refused = [body for _m, _p, status, body in answers if status == 503]
    for body in refused:
        assert body["errors"][0]["code"] in ("database_unavailable", "database_busy"), body
    log = server.log.read_text()
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-4000:]

    created = {b["id"]: b for m, p, s, b in answers if m == "POST" and p.endswith("reports/") and s == 201}
    submitted = {int(p.split("/")[-3]) for m, p, s, _b in answers if p.endswith("/submit/") and s == 200}
    stored = {r.pk: r for r in ProgressReport.objects.filter(pk__in=created)}
    assert set(stored) == set(created)
    for pk, body in created.items():
        assert stored[pk].progress_text == body["progress_text"]
    assert set(
        ProgressReport.objects.filter(pk__in=submitted, state="submitted").values_list("pk", flat=True)
    ) == (submitted)
    # And every client got through in the end: all its reports are in, submitted.
    expected = sum(len(tasks) for _token, tasks in clients)
    assert ProgressReport.objects.filter(
        progress_text__startswith="重启期间报送", state="submitted"
    ).count() == (expected)
    print(f"\n{len(answers)} answers, {len(refused)} of them 503 while the database restarted")


def already_there(status, body) -> bool:
    """A creation answered as a duplicate: the retry of a POST whose first try was stored
    and then answered 503 when the connection was cut. The API says so with a 409 (the
    database's unique key caught it) or a 400 with code `exists` (the service found the
    report first), both carrying the stored report's id."""
    if status == 409:
        return True
    errors = body.get("errors") if status == 400 and isinstance(body, dict) else None
    return bool(errors) and errors[0].get("code") == "exists" and "id" in body
