"""What a page costs beyond its SQL: the queries one request of the page runs, replayed
with a bare cursor (no ORM, no view, no template), against the page's own time.

The statements are the ones the backend reports as executed (parameters inlined), so
the replay fetches the same rows; transaction bookkeeping (SAVEPOINT, RELEASE) and
writes (a session touched) are left out.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import harness

RATIO_TARGET = 3.0


@dataclass
class BareSql:
    name: str
    page_p50_ms: float | None
    sql_p50_ms: float | None = None
    statements: int = 0
    error: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.page_p50_ms or not self.sql_p50_ms:
            return None
        return self.page_p50_ms / self.sql_p50_ms

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.ratio is None:
            return ""
        return "PASS" if self.ratio <= RATIO_TARGET else "FAIL"


def page_statements(client, url) -> list[str]:
    """The SELECT statements one request of the page runs, as executed."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def replay(statements, *, runs: int) -> list[float]:
    """Milliseconds per run of all the statements, each fetched in full."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def bare_sql(province, page_results, *, runs: int = 20) -> list[BareSql]:
    """For every page timed (harness.time_pages' results), its bare SQL time and the
    ratio of the page's p50 to it."""
    timed = {r.name: r for r in page_results if r.group in ("page", "api")}
    clients = harness._clients(province)
    out = []
    for page in harness.PAGES:
        result = timed.get(page.name)
        url = page.url(province)
        if result is None or url is None or result.p50_ms is None:
            continue
        row = BareSql(page.name, result.p50_ms)
        try:
            statements = page_statements(clients[page.user], url)
            replay(statements, runs=2)  # warm, as the page was
            row.sql_p50_ms = statistics.median(replay(statements, runs=runs))
            row.statements = len(statements)
        except Exception as exc:  # a statement the backend cannot re-run as printed
            row.error = harness._describe(exc)
        out.append(row)
    return out


def explain_slowest(province, names) -> list[tuple[str, float, str]]:
    """[(page name, ms, plan)]: for each page named, its slowest SELECT (timed bare) and
    PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` of it — what to look at first as data grows."""
    if connection.vendor != "postgresql":
        return []
    clients = harness._clients(province)
    out = []
    for page in harness.PAGES:
        url = page.url(province)
        if url is None or not any(name in page.name for name in names):
            continue
        statements = page_statements(clients[page.user], url)
        replay(statements, runs=1)
        timed = [(statistics.median(replay([sql], runs=3)), sql) for sql in statements]
        took, sql = max(timed)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        out.append((page.name, took, plan))
    return out
