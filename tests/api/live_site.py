"""A live API for the fuzz test: its own database, gunicorn with two workers, and the
schemathesis CLI with two workers against it, once per role.

The database is the test run's kind — a SQLite file on the SQLite run, a PostgreSQL
database of its own (created beside the test database, dropped afterwards) on the
PostgreSQL run — migrated and seeded by subprocesses with the settings the server
uses, so nothing the fuzzer creates reaches the other tests. The server runs the
project's settings with two test conveniences (tests/api/site_settings.py): a fast
password hasher, so the token and password endpoints cost a millisecond rather than
half a second an example, and no broker (jobs in-process).
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings

from tests.ops.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ROLES = ("office", "agency", "leader")


def _env(database_url: str, media: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CONN_MAX_AGE")}
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="tests.api.site_settings",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
        # Group robots' webhooks may point at the fake robot on loopback, as a private
        # deployment's allow-list would let them.
        CHANNEL_WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",
        CHANNEL_TIMEOUT_SECONDS="2",
    )
    return env


class Database:
    """The live API's database, of the test run's engine."""

    def __init__(self, directory: Path):
        self.directory = directory
        db = settings.DATABASES["default"]
        self.postgres = db["ENGINE"].endswith("postgresql")
        if self.postgres:
            self.name = f"{db['NAME']}_fuzz_{uuid.uuid4().hex[:8]}"
            from tests.worker.conftest import _database_url

            self.url = _database_url().rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite:///{directory / 'api.sqlite3'}"

    def _admin(self, sql: str):
        from django.db import connection

        with connection._nodb_cursor() as cursor:
            cursor.execute(sql)

    def create(self):
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class LiveAPI:
    """Migrated, seeded and served; `fuzz(role)` runs the schemathesis CLI as that role."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.media = directory / "media"
        self.database = Database(directory)
        self.env = _env(self.database.url, self.media)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "gunicorn.log"
        self.process = None
        self.cast = None

    def _run(self, *args, timeout=600):
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise RuntimeError(f"{args[:2]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return done.stdout

    def __enter__(self):
        from tests.agencies.robot_server import RobotServer

        # The seeded group robot's webhook: POST /api/channels/<id>/test/ really sends.
        self.robot = RobotServer().start()
        self.env["CARBONPLAN_FUZZ_ROBOT"] = self.robot.webhook()
        self.database.create()
        try:
            self._run("manage.py", "migrate", "--verbosity", "0")
            out = self._run(
                "-c",
                "import django, json; django.setup(); from tests.api import seed; print(json.dumps(seed.seed()))",
            )
            self.cast = json.loads(out.strip().splitlines()[-1])
            (self.directory / "ids.json").write_text(json.dumps(self.cast["ids"]))
            self._serve()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _serve(self):
        log = open(self.log, "w")  # noqa: SIM115 - closed in __exit__
        self._log_file = log
        command = [
            sys.executable, "-m", "gunicorn", "carbonplan.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", "2", "--no-control-socket", "--timeout", "120", "--graceful-timeout", "5",
            "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up:\n{self.log.read_text()[-4000:]}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log_file", None):
            self._log_file.close()
        self.database.drop()
        self.robot.stop()

    def fuzz(self, role: str, *, examples: int, seed: int, workers: int = 2) -> dict:
        """`schemathesis run` as `role`; its JSON report, with the console output."""
        report = self.directory / f"{role}.json"
        command = [
            shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis", "run",
            f"{self.url}/api/schema/", "--header", f"Authorization: Token {self.cast['tokens'][role]}",
            "--checks", CHECKS, "--max-examples", str(examples), "--workers", str(workers),
            "--seed", str(seed), "--no-shrink", "--generation-database", "none", "--request-timeout", "60",
            "--report", "json", "--report-json-path", str(report), "--no-color", "--output-truncate", "false",
        ]  # fmt: skip
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
            "CARBONPLAN_FUZZ_IDS": str(self.directory / "ids.json"),
            "PYTHONPATH": str(ROOT),
        }
        started = time.monotonic()
        # From the temporary directory: the CLI keeps a cache of its own where it runs.
        done = subprocess.run(
            command, cwd=self.directory, env=env, capture_output=True, text=True, timeout=1800
        )
        result = json.loads(report.read_text()) if report.exists() else {}
        result["console"] = done.stdout[-30_000:] + done.stderr[-5_000:]
        result["wall_seconds"] = time.monotonic() - started
        result["returncode"] = done.returncode
        return result
