"""Fixtures for running the system as it runs in production: gunicorn on loopback, a
Redis of the test's own that it can stop and start again, Celery workers it can kill.

All of them serve pytest-django's test database, so the tests using them are
`django_db(transaction=True)` (the data must be committed for another process to see
it) and marked `worker` (they need PostgreSQL and Redis; skipped on SQLite).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.worker.conftest import _database_url, _skip_reason

ROOT = Path(__file__).resolve().parents[2]
# Generous: on a busy machine four gunicorn workers warming up the PDF fonts at once
# have taken over a minute.
READY_TIMEOUT = 180


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The cast's seven passwords would otherwise take seconds to hash for every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason:
        for item in items:
            if item.get_closest_marker("worker") and "/ops/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout, what, log=None, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text()[-4000:] if log else ""
    pytest.fail(f"{what} did not come up:\n{tail}")


def _stop(process, *, timeout=20):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Redis ----------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server on a free loopback port, without persistence: stopping it is an
    outage, starting it again is a fresh, empty Redis (as after a crash)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        log = self.directory / "redis.log"
        command = [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--logfile", str(log),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait(
            self.ping,
            timeout=20,
            what="redis-server",
            log=log if log.exists() else None,
            process=self.process,
        )

    def stop(self):
        if self.process is not None:
            _stop(self.process)
            self.process = None
        _wait(lambda: not self.ping(), timeout=10, what="redis-server shutdown")


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on PATH")
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.stop()


# --- gunicorn -------------------------------------------------------------------------


class Server:
    def __init__(self, url, process, log, media):
        self.url, self.process, self.log, self.media = url, process, log, media

    def request(self, method, path, *, token=None, data=None, headers=None, timeout=30):
        """(status, parsed JSON or text, seconds) — HTTP errors are answers, not exceptions."""
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        elapsed = time.perf_counter() - started
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        return status, payload, elapsed


@contextlib.contextmanager
def serving(private_redis, tmp_path_factory, *, conn_max_age: int = 0):
    """gunicorn on 127.0.0.1 (4 workers × 8 threads) over the test database, with the
    private Redis as cache and broker."""
    port = free_port()
    media = tmp_path_factory.mktemp("gunicorn-media")
    log_path = tmp_path_factory.mktemp("gunicorn-log") / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": private_redis.url,
        "CONN_MAX_AGE": str(conn_max_age),
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "carbonplan.settings",
    }
    command = [
        sys.executable, "-m", "gunicorn", "carbonplan.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "4", "--threads", "8", "--worker-class", "gthread", "--no-control-socket",
        "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
        # The app (and its PDF warm-up) loaded once before the workers fork, not four
        # times at once: on a busy machine that took minutes.
        "--preload",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed at the end
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    try:
        _wait(healthy, timeout=READY_TIMEOUT, what="gunicorn", log=log_path, process=process)
        yield Server(url, process, log_path, media)
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def gunicorn_server(django_db_setup, private_redis, tmp_path_factory):
    if _skip_reason():
        pytest.skip(_skip_reason())
    # A fresh connection per request: the test database is truncated between tests and
    # dropped at the end, which idle pooled connections would hold up.
    with serving(private_redis, tmp_path_factory, conn_max_age=0) as server:
        yield server


# --- Celery workers -------------------------------------------------------------------


class Workers:
    """Starts Celery workers on the private Redis and a queue of the test's own."""

    def __init__(self, redis, media, logs, queue):
        self.redis, self.media, self.logs, self.queue = redis, media, logs, queue
        self.started = []

    def start(self, name, *, pool="solo"):
        log_path = self.logs / f"{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis.url,
            "CONN_MAX_AGE": "0",
            "MEDIA_ROOT": str(self.media),
            "DJANGO_SETTINGS_MODULE": "carbonplan.settings",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "carbonplan", "worker", f"--pool={pool}", "--concurrency=1",
            "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info",
            "-Q", self.queue, "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
        ]  # fmt: skip
        log = open(log_path, "w")  # noqa: SIM115 - closed in stop_all
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _wait(lambda: "ready" in log_path.read_text(), timeout=READY_TIMEOUT, what=f"worker {name}",
              log=log_path, process=process)  # fmt: skip
        handle = type("Worker", (), {"process": process, "log": log_path, "file": log, "name": name})
        self.started.append(handle)
        return handle

    def kill(self, worker):
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back by the worker."""
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()

    def stop_all(self):
        for worker in self.started:
            _stop(worker.process)
            worker.file.close()

    def send(self, job, **kwargs):
        """Queue `job` on the private Redis and the test's queue."""
        from carbonplan.celery import app

        with app.connection_for_write(self.redis.url) as connection:
            return job.apply_async(kwargs=kwargs, connection=connection, queue=self.queue)


@pytest.fixture
def workers(django_db_setup, private_redis, tmp_path):
    """Workers as production runs them: the settings' broker options (visibility timeout
    and restore sweep), on the private Redis's default queue — only these workers listen
    there, so the jobs a worker queues itself (a chord's parts, a sweep's) reach them."""
    if _skip_reason():
        pytest.skip(_skip_reason())
    if private_redis.process is None:  # an earlier test stopped it and failed before restarting
        private_redis.start()
    private_redis.client().flushall()  # nothing left from an earlier test's workers
    media = tmp_path / "worker-media"
    media.mkdir()
    pool = Workers(private_redis, media, tmp_path, queue="celery")
    yield pool
    pool.stop_all()
