"""A run through a real server: gunicorn as the README runs it, on 127.0.0.1 only, with a
bounded load of logged-in clients over a mix of office, agency and leader pages and
API calls. Reports throughput and p50/p95/p99 per page.

The server is started here and stopped here (by its own process id); it reads the
same database as this process, with sessions made by force_login.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import Client

from . import harness

HOST = "127.0.0.1"
# How often each page comes up in the mix: the office's and agencies' everyday pages
# most, the region boards and API lists less.
WEIGHTS = {"page": 3, "api": 1}


@dataclass
class LoadResult:
    clients: int
    requests: int
    workers: int
    seconds: float = 0.0
    per_page: dict = field(default_factory=dict)  # name → [ms]
    errors: dict = field(default_factory=dict)  # name → count
    failure: str = ""

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def stop(proc, timeout=30):
    """Stop a process this benchmark started, by its own id: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(port, proc, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=10):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s")


def _session_cookies(province) -> dict[str, str]:
    cookies = {}
    for key, user in province.users.items():
        client = Client()
        client.force_login(user)
        cookies[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def _mix(province, requests) -> list[tuple[str, str, str]]:
    """[(page name, url, user key)] of `requests` requests, the pages interleaved by weight."""
    pages = [(p.name, p.url(province), p.user) for p in harness.PAGES]
    weighted = [
        (name, url, user)
        for (name, url, user), page in zip(pages, harness.PAGES, strict=True)
        if url is not None
        for _ in range(WEIGHTS.get(page.group, 1))
    ]
    return [weighted[i % len(weighted)] for i in range(requests)] if weighted else []


def loopback_load(province, *, clients: int = 8, requests: int = 400, workers: int = 3) -> LoadResult:
    result = LoadResult(clients=clients, requests=requests, workers=workers)
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "SECURE_COOKIES": "false",
    }
    # As the README runs it: static files collected first (DEBUG off serves the manifest).
    manage = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(manage, cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
    log = open(Path(settings.MEDIA_ROOT) / "gunicorn.log", "wb")  # noqa: SIM115 — closed below
    command = [sys.executable, "-m", "gunicorn", "carbonplan.wsgi", "--bind", f"{HOST}:{port}"]
    command += ["--workers", str(workers), "--no-control-socket"]
    proc = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log)
    try:
        _wait_until_up(port, proc)
        cookies = _session_cookies(province)
        mix = _mix(province, requests)

        def fetch(item):
            name, url, user = item
            request = urllib.request.Request(
                f"http://{HOST}:{port}{url}",
                headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[user]}"},
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                ok = False
            return name, (time.perf_counter() - started) * 1000, ok

        # Warm every worker a little before the clock starts.
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(fetch, mix[: min(len(mix), 2 * workers * len(harness.PAGES))]))
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            outcomes = list(pool.map(fetch, mix))
        result.seconds = time.perf_counter() - started
        result.requests = len(outcomes)
        for name, ms, ok in outcomes:
            result.per_page.setdefault(name, []).append(ms)
            if not ok:
                result.errors[name] = result.errors.get(name, 0) + 1
    except RuntimeError as exc:
        result.failure = str(exc)
    finally:
        stop(proc, timeout=20)
        log.close()
    return result


def table(result: LoadResult) -> list[str]:
    lines = [
        f"真实服务器：gunicorn {result.workers} 个工作进程，仅 {HOST}；{result.clients} 个并发已登录客户端，"
        f"{result.requests} 次请求，用时 {result.seconds:.1f} s，吞吐 {result.throughput:.1f} 次/秒。",
        "",
        "| 页面 | 次数 | p50 | p95 | p99 | 错误 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    if result.failure:
        return [f"真实服务器运行失败：{result.failure}"]
    for name, times in result.per_page.items():
        p50, p95, p99 = (harness.percentile(times, pct) for pct in (50, 95, 99))
        lines.append(
            f"| {name} | {len(times)} | {p50:.0f} ms | {p95:.0f} ms | {p99:.0f} ms | {result.errors.get(name, 0)} |"
        )
    return lines
