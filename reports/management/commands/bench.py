"""python manage.py bench [--scale 1.0]: a synthetic province, and how fast carbonplan is on it.

Builds (or reuses) the province at the given scale, times every page and job against
the issue's targets, then checks on a small separate province that the SQL queries per
page stay the same when its data grows tenfold. Exits non-zero only when they do not:
that is the assertion CI relies on; slow figures are reported, not failed.
"""

from __future__ import annotations

import logging
import os
import platform
import tempfile
import time
from types import SimpleNamespace

from celery import current_app
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from reports.bench import assessments, grouping, harness, replay, serve, workers
from reports.bench.generate import FULL_CITIES, FULL_COUNTIES, build_province, delete_province, plan_count

CHECK_PROVINCE = "基准省（查询数检查）"


def _ms(value):
    if value is None:
        return ""
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


class Command(BaseCommand):
    help = "生成模拟全省数据并测量各页面与后台任务的耗时和 SQL 查询数。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="数据规模，1.0 = 14 个市级＋122 个县级方案"
        )
        parser.add_argument("--quarters", type=int, default=20, help="每个方案的填报季度数")
        parser.add_argument("--requests", type=int, default=50, help="每个页面的计时请求次数")
        parser.add_argument(
            "--check-plans", type=int, default=2, help="查询数检查的小数据集方案数（随后增长到 10 倍）"
        )
        parser.add_argument("--check-quarters", type=int, default=4, help="查询数检查数据集的季度数")
        parser.add_argument("--job-runs", type=int, default=3, help="简报和方案导入的计时次数")
        parser.add_argument(
            "--no-full-rollup",
            action="store_true",
            help="不重算全省汇总（页面读取库中已有的汇总；该行不计时）",
        )
        parser.add_argument(
            "--gc-freeze", action="store_true", help="预热后执行 gc.freeze()（模拟服务器启动后冻结常驻对象）"
        )
        parser.add_argument("--skip-timing", action="store_true", help="只做查询数检查")
        parser.add_argument("--skip-jobs", action="store_true", help="不测后台任务（汇总、通报、简报、导入）")
        parser.add_argument(
            "--bare-sql-runs", type=int, default=20, help="每个页面的 SQL 裸执行计时次数（0 = 不测）"
        )
        parser.add_argument(
            "--serve", action="store_true", help="另起 gunicorn（仅 127.0.0.1），以并发已登录客户端压测"
        )
        parser.add_argument("--serve-clients", type=int, default=8, help="并发客户端数")
        parser.add_argument("--serve-requests", type=int, default=400, help="请求总数")
        parser.add_argument("--serve-workers", type=int, default=3, help="gunicorn 工作进程数")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="另打印全省与市级看板最慢一条 SQL 的 EXPLAIN (ANALYZE, BUFFERS)（仅 PostgreSQL）",
        )
        parser.add_argument(
            "--grouping",
            action="store_true",
            help="另比较按季度、单位、状态分组一个方案全部填报的三种做法（Python 字典、pandas、SQL）",
        )
        parser.add_argument(
            "--rollup-workers",
            type=int,
            default=0,
            help="另以 N 个进程的 Celery 工作进程（本机 Redis）按方案并行重算全省汇总并计时（0 = 不测）",
        )
        parser.add_argument(
            "--scales", help="另测成本随规模的增长，如 0.1,1,3（同一模拟省逐级增长；各规模页面与任务一张表）"
        )

    def handle(self, *args, **options):
        o = SimpleNamespace(**options)
        if o.scale <= 0 or o.requests < 1 or o.check_plans < 1 or o.quarters < 1 or o.check_quarters < 1:
            raise CommandError("--scale、--requests、--quarters、--check-plans、--check-quarters 须为正数。")
        self.began = time.perf_counter()
        self.verbose = o.verbosity > 1
        # Every force_login would otherwise log four lines of login bookkeeping.
        logging.getLogger("axes").setLevel(logging.WARNING)
        load_before = os.getloadavg()
        # Jobs run in this process even when REDIS_URL points at a worker: the figure is
        # the job's own time, and a worker may be attached to another database.
        celery = current_app.conf
        saved = celery.task_always_eager, celery.task_eager_propagates
        celery.task_always_eager = celery.task_eager_propagates = True
        try:
            # Generated bulletins and imports go to a scratch directory, not the real media.
            # Query logging off, as in production: DEBUG keeps every SQL string (counts are
            # taken with CaptureQueriesContext, which turns it on for its block).
            with (
                tempfile.TemporaryDirectory(prefix="carbonplan-bench-") as media,
                override_settings(MEDIA_ROOT=media, DEBUG=False),
            ):
                province, rows = self._timings(o) if not o.skip_timing else (None, [])
                bare = (
                    replay.bare_sql(province, rows, runs=o.bare_sql_runs)
                    if province is not None and o.bare_sql_runs > 0
                    else []
                )
                load = (
                    serve.loopback_load(
                        province, clients=o.serve_clients, requests=o.serve_requests, workers=o.serve_workers
                    )
                    if province is not None and o.serve
                    else None
                )
                grouped = (
                    grouping.compare(list(province.plans)[:10])
                    if province is not None and o.grouping
                    else None
                )
                plans = (
                    replay.explain_slowest(province, ["看板（全省）", "看板（市）"])
                    if province is not None and o.explain
                    else []
                )
                growth = self._growth(o) if o.scales else None
                check = self._query_check(o.check_plans, o.check_quarters)
        finally:
            celery.task_always_eager, celery.task_eager_propagates = saved
        self._print(o, province, rows, check, load_before)
        self._print_extra(bare, load, growth)
        for name, took, plan in plans:
            self.stdout.write("")
            self.stdout.write(f"{name} 最慢的一条 SQL（裸执行 {_ms(took)}）：")
            self.stdout.write("")
            self.stdout.write(plan)
        if grouped:
            self.stdout.write("")
            self.stdout.write("一个方案全部季度的填报按季度×单位×状态分组（10 个方案的中位数，每个方案）：")
            self.stdout.write("")
            self.stdout.write("| 做法 | 每个方案 | 填报行数（10 个方案） |")
            self.stdout.write("|---|---:|---:|")
            for name, ms, rows in grouped:
                self.stdout.write(f"| {name} | {_ms(ms)} | {rows:,} |")
        grew = [name for name, (small, big) in check["counts"].items() if _grew(small, big)]
        if grew:
            raise CommandError("SQL 查询数随数据量增长：" + "，".join(grew))

    def log(self, msg):
        """Where the run is: in the output with -v 2, else on stderr, so a long run shows
        its progress and the tables stay clean."""
        line = f"[{time.perf_counter() - self.began:6.1f} s] {msg}"
        (self.stdout if self.verbose else self.stderr).write(line)

    def _timings(self, o):
        cities, counties = plan_count(o.scale)
        self.stdout.write(f"生成/复用模拟省：{cities} 个市级＋{counties} 个县级方案，{o.quarters} 个季度 …")
        started = time.perf_counter()
        # With a full rollup to time next, the new plans' figures are left to it.
        province = build_province(
            scale=o.scale, quarters=o.quarters, user_prefix="bench", compute=o.no_full_rollup, log=self.log
        )
        self.stdout.write(f"数据就绪（{time.perf_counter() - started:.0f} s）：{province.counts}")
        # Pages read the stored rollups, so the nightly recompute comes first.
        if o.no_full_rollup:
            name, target = harness.JOB_NAMES["full_rollup"]
            rollup = harness.Result("job", name, target_ms=target, note="本次未测（--no-full-rollup）")
        else:
            self.log("  full_rollup …")
            rollup = harness.full_rollup(province)
            self.log(f"    {rollup.name}: {rollup.verdict} {_ms(rollup.p50_ms)}")
        rollups = [rollup]
        if o.rollup_workers and not o.no_full_rollup:
            self.log("  full_rollup on workers …")
            rollups.append(workers.full_rollup_on_workers(province, processes=o.rollup_workers, log=self.log))
        # The year-end scores read the stored figures, and the assessment pages the scores.
        self.log("  province assessments …")
        rollups.append(assessments.province_assessments(province))
        if o.rollup_workers:
            rollups.append(workers.assessments_on_workers(province, processes=o.rollup_workers, log=self.log))
        rows = (
            harness.time_pages(province, requests=o.requests, gc_freeze=o.gc_freeze, log=self.log) + rollups
        )
        if not o.skip_jobs:
            rows += harness.jobs(province, runs=max(1, o.job_runs), log=self.log)
        return province, rows

    def _growth(self, o) -> tuple[list, dict]:
        """The same pages and jobs at each of the scales, growing one province: p95 (pages)
        or time (jobs) by name and scale."""
        scales = sorted(float(x) for x in o.scales.split(",") if x.strip())
        table = {}
        for scale in scales:
            self.stdout.write(f"规模 {scale:g} …")
            grown = SimpleNamespace(**{**vars(o), "scale": scale, "requests": min(o.requests, 20)})
            _province, rows = self._timings(grown)
            for r in rows:
                table.setdefault(r.name, {})[scale] = r.value_ms if not (r.missing or r.error) else None
        return scales, table

    def _print_extra(self, bare, load, growth):
        out = self.stdout.write
        if bare:
            out("")
            out(f"页面与其裸 SQL（页面执行的同一批 SELECT，用游标重放），目标 ≤ {replay.RATIO_TARGET:g}×：")
            out("")
            out("| 页面与裸 SQL | 页面 p50 | 裸 SQL p50 | 语句数 | 页面 / 裸 SQL | 结果 |")
            out("|---|---:|---:|---:|---:|---|")
            for b in bare:
                ratio = f"{b.ratio:.1f}×" if b.ratio else ""
                out(
                    f"| {b.name} | {_ms(b.page_p50_ms)} | {_ms(b.sql_p50_ms) if b.sql_p50_ms else ''} | "
                    f"{b.statements} | {ratio} | {b.verdict or ''}{' ' + b.error if b.error else ''} |"
                )
        if load is not None:
            out("")
            for line in serve.table(load):
                out(line)
        if growth:
            scales, table = growth
            out("")
            out("成本随规模增长（页面为 p95，任务为耗时）：")
            out("")
            out("| 项目 | " + " | ".join(f"规模 {s:g}" for s in scales) + " |")
            out("|---|" + "---:|" * len(scales))
            for name, by_scale in table.items():
                out(f"| {name} | " + " | ".join(_ms(by_scale.get(s)) for s in scales) + " |")

    def _query_check(self, plans, quarters):
        """Queries per page on a small province, then on the same province grown tenfold."""
        self.stdout.write(f"查询数检查：{plans} 个方案 → {plans * 10} 个方案 …")
        # Always from scratch: a province left by an earlier run would already be 10×.
        delete_province(CHECK_PROVINCE)
        small = build_province(
            name=CHECK_PROVINCE,
            total_plans=plans,
            quarters=quarters,
            user_prefix="benchqc",
            log=self.log,
        )
        harness.rollup_all(small)
        assessments.compute_all(assessments.prepare(small))
        before = harness.page_query_counts(small)
        big = build_province(
            name=CHECK_PROVINCE,
            total_plans=plans * 10,
            quarters=quarters,
            user_prefix="benchqc",
            log=self.log,
        )
        harness.rollup_all(big)
        assessments.compute_all(assessments.prepare(big))
        after = harness.page_query_counts(big)
        return {
            "small": small.counts,
            "big": big.counts,
            "counts": {name: (before[name], after[name]) for name in before},
        }

    def _print(self, o, province, rows, check, load_before):
        out = self.stdout.write
        out("")
        load = "/".join(f"{x:.1f}" for x in load_before), "/".join(f"{x:.1f}" for x in os.getloadavg())
        out(
            f"数据库：{_database()}；Python {platform.python_version()}；{os.cpu_count()} 核；"
            f"负载（1/5/15 分钟）开始 {load[0]}，结束 {load[1]}"
        )
        if province is not None:
            c = province.counts
            full = FULL_CITIES + FULL_COUNTIES
            out(
                f"规模 {o.scale:g}（1 = 一个全省 {full} 个方案）：{c['plans']} 个方案，{c['tasks']} 项任务，"
                f"{c['reports']} 份进展填报，{c['indicator_values']} 个指标值，{o.quarters} 个季度；"
                f"页面各 {o.requests} 次请求（预热 3 次{'，之后 gc.freeze()' if o.gc_freeze else ''}），"
                "服务端耗时（Django 测试客户端，进程内）。"
            )
            out("")
            out("| 项目 | p50 | p95 / 最慢 | 次数 | SQL 查询 | 目标 | 结果 | 说明 |")
            out("|---|---:|---:|---:|---:|---:|---|---|")
            for r in rows:
                if r.missing:
                    out(f"| {r.name} | | | | | ≤ {_ms(r.target_ms)} | {harness.NOT_BUILT} | |")
                    continue
                if r.error:
                    out(f"| {r.name} | | | | {r.queries or ''} | ≤ {_ms(r.target_ms)} | ERROR | {r.error} |")
                    continue
                out(
                    f"| {r.name} | {_ms(r.p50_ms)} | {_ms(r.p95_ms)} | {r.runs} | {r.queries if r.queries is not None else ''} "
                    f"| ≤ {_ms(r.target_ms)} | {r.verdict} | {r.note} |"
                )
        s, b = check["small"], check["big"]
        out("")
        out(
            f"SQL 查询数：1× = {s['plans']} 个方案 / {s['reports']} 份填报，"
            f"10× = {b['plans']} 个方案 / {b['reports']} 份填报（单位首页用覆盖全部县发改局的账号）。"
        )
        out("")
        out("| 页面 | 1× | 10× | 结果 |")
        out("|---|---:|---:|---|")
        for name, (small, big) in check["counts"].items():
            if small == harness.NOT_BUILT:
                verdict = harness.NOT_BUILT
            elif not isinstance(small, int) or not isinstance(big, int):
                verdict = "ERROR（未检查）"
            else:
                verdict = "FAIL" if _grew(small, big) else "PASS"
            out(f"| {name} | {small} | {big} | {verdict} |")


def _grew(small, big) -> bool:
    """True when a page made more queries at 10× than at 1×. A page that is not built or
    fails is shown as such in the table; its own tests catch the failure."""
    return isinstance(small, int) and isinstance(big, int) and big > small


def _database() -> str:
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    return (
        f"{connection.vendor} {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else connection.vendor
    )
