"""The full province rollup as production runs it: the Celery chord of reports.jobs
(one job per plan, then the region pass) on a real worker with N processes, started
here against the same database and Redis and stopped here by its own process id.

Only a Redis on this machine's loopback is used: the benchmark never sends work to
another host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import harness, serve

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READY_TIMEOUT = 120


def unavailable() -> str:
    """Why a worker run cannot happen here, or ""."""
    if connection.vendor != "postgresql":
        return "需要 PostgreSQL（工作进程不能共享 SQLite）"
    if not settings.REDIS_URL:
        return "需要 REDIS_URL（Celery 代理）"
    if urlsplit(settings.REDIS_URL).hostname not in LOOPBACK:
        return "REDIS_URL 不在本机回环地址上，不向其他主机发送任务"
    return ""


def _start_worker(processes: int, queue: str, log_path: Path) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL}
    command = [
        sys.executable, "-m", "celery", "-A", "carbonplan", "worker", "--pool=prefork",
        f"--concurrency={processes}", "--without-mingle", "--without-gossip", "-l", "warning",
        "-Q", queue, "-n", f"{queue}@%h",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until stopped
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process


def _wait_ready(app, queue, process, log_path):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Celery worker exited: {log_path.read_text()[-2000:]}")
        replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0)
        if replies:
            return
    raise RuntimeError(f"Celery worker did not answer within {READY_TIMEOUT} s")


@contextmanager
def worker_queue(processes: int, log=lambda msg: None):
    """A Celery worker with `processes` processes listening on a queue of its own, this
    process's jobs routed there (not run in-process) while inside; yields the queue. The
    worker is stopped by its process id afterwards."""
    import tempfile

    from carbonplan.celery import app, route_jobs_to

    queue = f"carbonplan-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="carbonplan-worker-") as scratch:
        log_path = Path(scratch) / "worker.log"
        process = _start_worker(processes, queue, log_path)
        saved = app.conf.task_always_eager, app.conf.task_default_queue
        try:
            _wait_ready(app, queue, process, log_path)
            app.conf.task_always_eager = False
            route_jobs_to(queue)
            yield queue
        finally:
            app.conf.task_always_eager = saved[0]
            route_jobs_to(saved[1])
            serve.stop(process)


def full_rollup_on_workers(province, *, processes: int = 2, log=lambda msg: None) -> harness.Result:
    """Every plan and quarter of the province from scratch through the chord on a worker
    with `processes` processes; the time runs from dispatch to the region pass's end."""
    from reports.jobs import rollup_chord
    from reports.models import IndicatorRollup, Rollup, TaskLight
    from tasks.models import ReportingPeriod

    name = f"全省汇总重算（Celery {processes} 进程）"
    target = harness.JOB_NAMES["full_rollup"][1]
    why = unavailable()
    if why:
        return harness.Result("job", name, target_ms=target, missing=True, note=why)
    periods = list(
        ReportingPeriod.objects.filter(plan_id__in=province.plans).order_by("plan_id", "year", "quarter")
    )
    for model, key, ids in (
        (Rollup, "plan_id__in", province.plans),
        (IndicatorRollup, "plan_id__in", province.plans),
        (TaskLight, "period__in", periods),
    ):
        model.objects.filter(**{key: ids}).delete()
    with worker_queue(processes, log) as queue:
        started = time.perf_counter()
        result = rollup_chord(periods, timezone.localdate(), queue=queue).apply_async()
        regions = result.get(timeout=1800)
        took = (time.perf_counter() - started) * 1000
    log(f"    {name}: {took:.0f} ms")
    note = f"{len(periods)} 个方案×季度，从零开始，{len({p.plan_id for p in periods})} 个方案任务＋地区汇总 {regions['regions']} 项"
    return harness._job_result(name, target, [took], note)


def assessments_on_workers(province, *, processes: int = 2, log=lambda msg: None) -> harness.Result:
    """Every plan's year-end round computed by a worker with `processes` processes, one
    job per round, timed from dispatch to the last job's end."""
    from . import assessments

    name = f"全省年度考核计算（Celery {processes} 进程）"
    why = unavailable()
    if why:
        return harness.Result("job", name, target_ms=assessments.TARGET_MS, missing=True, note=why)
    with worker_queue(processes, log) as queue:
        result = assessments.province_assessments(
            province, compute=lambda ids: assessments.compute_all(ids, queue=queue), name=name
        )
    log(f"    {name}: {result.p50_ms or 0:.0f} ms")
    return result
