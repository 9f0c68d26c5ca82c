"""The embedded default as `bin/demo` runs it, for a deadline-hour burst (tests/ops/burst.py).

`bin/demo` builds the demo into a SQLite file and serves it with `manage.py runserver`
(one process, a thread per request, Celery jobs in-process). `EmbeddedSite` does the same
in a temporary directory, on a free port of 127.0.0.1, with the settings a user gets
(nothing set but the file's path and the media folder); `build` prepares the burst's
accounts and tasks in it, and `verify` reads the database afterwards to check that
every write a client was told had succeeded is there.

The server records, for every transaction, how long it waited to begin and how long it
held SQLite's write lock (with `transaction_mode` IMMEDIATE a transaction holds it from
BEGIN to COMMIT), labelled with the request and whether a rollup recompute ran it; and
for every write outside a transaction, how long it took.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "carbonplan-burst-2026"
DEMO_PLAN_TITLE = "岳阳县碳达峰实施方案"
# A username many people mistype at once: its lockout record is written by all of them.
SHARED_TYPO = "burst-typo"
AUTOSAVES = 5
APPROVALS = 8
READY_TIMEOUT = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(directory: Path) -> dict:
    """The environment of `bin/demo` pointed at `directory`: the embedded default, even
    when the test run itself is configured for PostgreSQL and Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CONN_MAX_AGE")}
    env.update(
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        MEDIA_ROOT=str(directory / "media"),
        DJANGO_SETTINGS_MODULE="carbonplan.settings",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(code: str, env: dict, *args) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        raise RuntimeError(f"{code[:80]}… failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


# --- the database: the demo, plus the burst's accounts --------------------------------------

_IN_SITE = "import django, json, sys; django.setup(); from tests.ops import embedded; "


def build(directory: Path, *, agency_clients: int) -> dict:
    """`manage.py demo` into `directory`, then the burst's cast (see prepare_cast)."""
    env = site_env(directory)
    done = subprocess.run(
        [sys.executable, "manage.py", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        raise RuntimeError(f"manage.py demo failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    out = _run(
        _IN_SITE + "print(json.dumps(embedded.prepare_cast(int(sys.argv[1]))))", env, str(agency_clients)
    )
    return json.loads(out.strip().splitlines()[-1])


def prepare_cast(agency_clients: int) -> dict:
    """Runs inside the site's database. The demo county's latest quarter becomes the
    one due today (opened three weeks ago, nothing reported in it yet); each agency
    client gets an account of its own on a lead agency of the plan and two of that
    agency's tasks, so every write it makes is its own and can be checked. A burst
    larger than the plan's tasks allow gets more tasks, copies of the plan's."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Max

    from agencies.models import Role
    from plans.models import Plan
    from tasks.models import ProgressReport, Task, TaskAssignment
    from tasks.periods import today_local

    today = today_local()
    plan = Plan.objects.get(title=DEMO_PLAN_TITLE)
    period = plan.periods.order_by("-year", "-quarter").first()
    ProgressReport.objects.filter(period=period).delete()
    type(period).objects.filter(pk=period.pk).update(
        opens_on=today - dt.timedelta(days=21), deadline=today, is_closed=False
    )
    leads = list(
        TaskAssignment.objects.filter(
            task__action__plan=plan, role=TaskAssignment.Role.LEAD, task__archived_at__isnull=True
        )
        .select_related("task")
        .order_by("task__action__seq", "task__seq")
    )

    def pairs_in_turn():
        # Two tasks per client, agencies taken in turn; one with many tasks serves
        # several colleagues, and a task left over is not paired with another agency's.
        free = defaultdict(list)
        for a in leads:
            free[a.agency_id].append(a.task_id)
        pairs = {
            agency: [tasks[i : i + 2] for i in range(0, len(tasks) - 1, 2)] for agency, tasks in free.items()
        }
        order = []
        while any(pairs.values()):
            for agency in sorted(pairs):
                if pairs[agency]:
                    order.append((agency, pairs[agency].pop(0)))
        return order

    originals, order = list(leads), pairs_in_turn()
    for copy in range(agency_clients - len(order)):
        original = originals[copy % len(originals)]
        for twin in (1, 2):
            action = original.task.action
            seq = (Task.objects.filter(action=action).aggregate(m=Max("seq"))["m"] or 0) + 1
            task = Task.objects.create(
                action=action, seq=seq, title=f"{original.task.title}（{copy + 1}-{twin}）"
            )
            leads.append(TaskAssignment.objects.create(task=task, agency=original.agency, role="lead"))
        order = pairs_in_turn()
    encoded = make_password(PASSWORD)  # one hash for all: hashing is slow by design
    User = get_user_model()
    clients = []
    for number, (agency_id, tasks) in enumerate(order[:agency_clients]):
        user = User.objects.create(username=f"burst{number:02d}", password=encoded)
        Role.objects.create(user=user, kind="staff", agency_id=agency_id)
        clients.append(
            {
                "username": user.username,
                "agency": agency_id,
                "tasks": tasks,
                "period": period.pk,
                "plan": plan.pk,
            }
        )
    for username in ("office", "leader"):
        User.objects.filter(username=username).update(password=encoded)
    lead_of = {(a.task_id, a.agency_id) for a in leads}
    # Late reports of earlier quarters, for the office to approve beside the new ones.
    approvable = [
        r.pk
        for r in ProgressReport.objects.filter(
            period__plan=plan, state=ProgressReport.State.SUBMITTED
        ).order_by("-period__year", "-period__quarter", "pk")
        if (r.task_id, r.agency_id) in lead_of
    ]
    return {
        "plan": plan.pk,
        "period": period.pk,
        "agencies": clients,
        "approvals": approvable[:APPROVALS],
        "password": PASSWORD,
    }


# --- the server ---------------------------------------------------------------------------

SERVER_LAUNCHER = """
import sys
import django
django.setup()
from tests.ops.embedded import record_transactions
record_transactions(sys.argv[2])
from django.core.management import call_command
call_command("runserver", sys.argv[1], use_reloader=False)
"""


def record_transactions(path: str):
    """Log each transaction's wait to begin and its time from BEGIN to COMMIT/ROLLBACK
    (the write lock's hold under IMMEDIATE), one JSON line each, with the request path
    and whether the rollup recompute ran it. Measures; changes nothing."""
    from django.core.signals import request_started
    from django.db.backends.signals import connection_created

    from carbonplan.sqlite3.base import DatabaseWrapper

    local = threading.local()
    out = open(path, "a", buffering=1)  # noqa: SIM115 - for the life of the server
    write_lock = threading.Lock()

    def started(sender, environ=None, **kwargs):
        local.request = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}" if environ else ""

    request_started.connect(started, weak=False)
    begin, commit, rollback = (
        DatabaseWrapper._start_transaction_under_autocommit,
        DatabaseWrapper._commit,
        DatabaseWrapper._rollback,
    )

    def timed_begin(self):
        asked = time.perf_counter()
        begin(self)
        frame, rollup, where = sys._getframe(1), False, ""
        while frame is not None:
            name = frame.f_code.co_filename
            rollup = rollup or name.endswith(os.path.join("reports", "rollups.py"))
            if not where and not any(part in name for part in ("django/db/", "contextlib", "embedded.py")):
                where = f"{'/'.join(Path(name).parts[-2:])}:{frame.f_lineno} {frame.f_code.co_name}"
            frame = frame.f_back
        self._burst_began = (asked, time.perf_counter(), rollup, where)

    def ended(self, how):
        began = getattr(self, "_burst_began", None)
        if began is None:
            return
        self._burst_began = None
        asked, got, rollup, where = began
        line = {
            "request": getattr(local, "request", ""),
            "rollup": rollup,
            "where": where,
            "wait": got - asked,
            "hold": time.perf_counter() - got,
            "end": how,
        }
        with write_lock:
            out.write(json.dumps(line) + "\n")

    def timed_commit(self):
        try:
            return commit(self)
        finally:
            ended(self, "commit")

    def timed_rollback(self):
        try:
            return rollback(self)
        finally:
            ended(self, "rollback")

    def timed_statement(execute, sql, params, many, context):
        # A write outside a transaction takes the lock for its statement alone.
        connection = context["connection"]
        if connection.in_atomic_block or sql.lstrip()[:6].upper() not in ("INSERT", "UPDATE", "DELETE"):
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            line = {
                "request": getattr(local, "request", ""),
                "rollup": False,
                "statement": " ".join(
                    w.strip('"') for w in sql.split()[:3] if w.upper() not in ("INTO", "FROM", "SET")
                ),
                "seconds": time.perf_counter() - started,
            }
            with write_lock:
                out.write(json.dumps(line) + "\n")

    def wrap(sender, connection, **kwargs):
        connection.execute_wrappers.append(timed_statement)

    connection_created.connect(wrap, weak=False)
    DatabaseWrapper._start_transaction_under_autocommit = timed_begin
    DatabaseWrapper._commit = timed_commit
    DatabaseWrapper._rollback = timed_rollback


class EmbeddedSite:
    """`manage.py runserver` on the site's SQLite file, as `bin/demo` starts it."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "server.log"
        self.transactions = directory / "transactions.jsonl"
        self.process = None

    def __enter__(self):
        self.transactions.write_text("")
        log = open(self.log, "w")  # noqa: SIM115 - closed in __exit__
        self._log_file = log
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_LAUNCHER, f"127.0.0.1:{self.port}", str(self.transactions)],
            cwd=ROOT,
            env=site_env(self.directory),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"runserver did not come up:\n{self.log.read_text()[-4000:]}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()

    def transaction_log(self) -> list[dict]:
        return [json.loads(line) for line in self.transactions.read_text().splitlines() if line.strip()]


# --- checking what the database holds -----------------------------------------------------


def verify(directory: Path, outcome) -> list[str]:
    """The acknowledged writes missing from the site's database (empty: none lost)."""
    claims = {
        "autosaves": outcome.autosaves,
        "submitted": outcome.submitted,
        "created": outcome.created,
        "approved": outcome.approved,
        "tokens": outcome.tokens,
        "typo": dict(outcome.typo),
    }
    path = directory / "claims.json"
    path.write_text(json.dumps(claims, ensure_ascii=False))
    out = _run(
        _IN_SITE + "print(json.dumps(embedded.missing_writes(sys.argv[1])))", site_env(directory), str(path)
    )
    return json.loads(out.strip().splitlines()[-1])


def missing_writes(claims_path: str) -> list[str]:
    """Runs inside the site's database: each claim checked against what is stored."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from rest_framework.authtoken.models import Token

    from tasks.models import ProgressReport, ProgressReportVersion

    claims = json.loads(Path(claims_path).read_text())
    problems = []
    texts = defaultdict(set)
    for report_id, snapshot in ProgressReportVersion.objects.values_list("report_id", "snapshot"):
        texts[report_id].add(snapshot.get("progress_text"))
    last = {}
    for agency, task, period, text in claims["autosaves"]:
        report = ProgressReport.objects.filter(agency_id=agency, task_id=task, period_id=period).first()
        if report is None or text not in texts[report.pk]:
            problems.append(f"autosave of task {task} by agency {agency} not stored: {text}")
        last[(agency, task, period)] = (report, text)
    for (agency, task, _period), (report, text) in last.items():
        if report is not None and report.progress_text != text:
            problems.append(
                f"report of task {task} by agency {agency} holds {report.progress_text!r}, not {text!r}"
            )
    for agency, task, period in claims["submitted"]:
        state = ProgressReport.objects.filter(agency_id=agency, task_id=task, period_id=period).values_list(
            "state", flat=True
        )
        if list(state) not in (["submitted"], ["approved"]):
            problems.append(f"submission of task {task} by agency {agency} not stored: {list(state)}")
    for report_id, text in claims["created"]:
        if text not in texts.get(report_id, ()):
            problems.append(f"API save of report {report_id} not stored: {text}")
    for report_id in claims["approved"]:
        report = ProgressReport.objects.filter(pk=report_id).first()
        approved = ProgressReportVersion.objects.filter(report_id=report_id, event="approved").exists()
        if report is None or report.state != "approved" or not approved:
            problems.append(f"approval of report {report_id} not stored")
    for username, key in claims["tokens"]:
        if not Token.objects.filter(key=key, user__username=username).exists():
            problems.append(f"token of {username} not stored")
    # Every failed password for the shared username is counted: the first LIMIT-1 are
    # refused with the form again, the rest locked out; none is forgotten.
    limit = settings.AXES_FAILURE_LIMIT
    refused, locked = claims["typo"].get("200", 0), claims["typo"].get("429", 0)
    recorded = sum(
        AccessAttempt.objects.filter(username=SHARED_TYPO).values_list("failures_since_start", flat=True)
    )
    if refused > limit - 1 or recorded < refused + (1 if locked else 0):
        problems.append(
            f"failed logins of {SHARED_TYPO}: {refused} refused, {locked} locked out, {recorded} recorded"
        )
    return problems
