"""A real Celery worker against pytest-django's test database and the running Redis.

The worker is a subprocess (`celery -A carbonplan worker --pool=solo`) started once
per module with DATABASE_URL pointing at the test database, listening on a queue of
its own so jobs queued by any other process on the same Redis never reach it.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60


def _skip_reason():
    if not os.environ.get("REDIS_URL"):
        return "needs a Redis broker: set REDIS_URL (without it Celery runs jobs in-process)"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return "needs PostgreSQL: a worker process cannot share the test run's SQLite database"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason:
        for item in items:
            if item.get_closest_marker("worker"):
                item.add_marker(pytest.mark.skip(reason=reason))


def _database_url():
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    if _skip_reason():
        pytest.skip(_skip_reason())
    from carbonplan.celery import app, route_jobs_to

    queue = f"carbonplan-test-{uuid.uuid4().hex[:8]}"
    media = tmp_path_factory.mktemp("worker-media")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "carbonplan.settings",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "carbonplan", "worker", "--pool=solo", "--without-mingle",
        "--without-gossip", "--without-heartbeat", "-l", "info", "-Q", queue, "-n", f"{queue}@%h",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + READY_TIMEOUT
    while "ready" not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Celery worker did not start:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.2)
    previous_queue = app.conf.task_default_queue
    route_jobs_to(queue)
    handle = type("Worker", (), {"process": process, "log": log_path, "media": media, "queue": queue})
    yield handle
    route_jobs_to(previous_queue)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def wait_for(predicate, *, timeout=90, worker=None, what="the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    tail = worker.log.read_text()[-4000:] if worker else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")
