"""Times pages and jobs against a generated province, and counts their SQL queries.

Pages go through the Django test Client in-process (no network, no web server), so the
figure is server time: URL routing, middleware, views, queries and template rendering.
Anything not built yet is reported as such; nothing is estimated.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

NOT_BUILT = "n/a (not built)"
# Time one page may take in total, once it has MIN_RUNS timed requests.
PAGE_BUDGET_S = 90
MIN_RUNS = 5


@dataclass
class Result:
    """One line of the table. Times in milliseconds; `value_ms` is the figure the target
    is checked against (p95 for pages, the single or median run for jobs)."""

    group: str
    name: str
    target_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    runs: int = 0
    queries: int | None = None
    note: str = ""
    missing: bool = False
    error: str = ""

    @property
    def value_ms(self):
        return self.p95_ms

    @property
    def verdict(self) -> str:
        if self.missing:
            return NOT_BUILT
        if self.error:
            return "ERROR"
        if self.target_ms is None or self.value_ms is None:
            return ""
        return "PASS" if self.value_ms <= self.target_ms else "FAIL"


def percentile(values, pct):
    """Nearest-rank percentile: the value below which pct% of the runs fall."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def optional(module: str, name: str):
    """A function of another module if it exists yet, else None."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def url_or_none(name, **kwargs) -> str | None:
    """The page's URL, or None while nobody has built it."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


# --- pages ---------------------------------------------------------------------------------
@dataclass
class Page:
    name: str
    user: str  # key of Province.users
    url: Callable  # province -> url or None (not built)
    target_ms: float
    group: str = "page"


def first_city(province) -> int:
    from plans.models import Region

    return Region.objects.filter(parent=province.region).order_by("id").values_list("pk", flat=True).first()


def _plan_url(name):
    return lambda province: url_or_none(name, pk=province.plans[-1])


def _assessment_url(kind):
    """The last plan's latest year-end round page ("round"), or its API list ("api");
    None while none exists."""

    def url(province):
        from reports.models import Assessment

        assessment = Assessment.objects.filter(plan_id=province.plans[-1]).order_by("-year", "-round").first()
        if assessment is None:
            return None
        if kind == "round":
            return url_or_none("reports:assessment", assessment_id=assessment.pk)
        base = url_or_none("assessment-list")
        return f"{base}?plan={assessment.plan_id}&year={assessment.year}" if base else None

    return url


def _with_query(base, query):
    return lambda province: (lambda url: f"{url}{query(province)}" if url else None)(base(province))


def city_task(province):
    """The first task of the first city plan: one a city office hands down to its counties."""
    from plans.models import Plan
    from tasks.models import Task

    plan = Plan.objects.filter(pk__in=province.plans, region__level="city").order_by("id").first()
    if plan is None:
        return None
    return Task.objects.filter(action__plan=plan).active().order_by("action__seq", "seq").first()


def _city_task_url(name):
    def url(province):
        task = city_task(province)
        if task is None:
            return None
        if name == "reports:dashboard-task":
            return url_or_none(name, pk=task.action.plan_id, task_pk=task.pk)
        return url_or_none(name, task_id=task.pk)

    return url


PAGES = [
    Page("首页（省专班办公室）/", "office", lambda province: url_or_none("home"), 100),
    Page("首页（省领导）/", "leader", lambda province: url_or_none("home"), 100),
    Page("首页（县单位）/", "agency", lambda province: url_or_none("home"), 100),
    Page(
        "市任务页及下级承接 /reports/plans/<市>/dashboard/tasks/<id>/",
        "office",
        _city_task_url("reports:dashboard-task"),
        100,
    ),
    Page("任务下达页 /tasks/<id>/hand-down/", "office", _city_task_url("tasks:hand_down"), 100),
    Page("办公室看板（方案）/reports/plans/<id>/dashboard/", "office", _plan_url("reports:dashboard"), 100),
    Page(
        "办公室看板（全省）/reports/regions/<id>/",
        "office",
        lambda province: url_or_none("reports:region", pk=province.region.pk),
        100,
    ),
    Page(
        "办公室看板（市）/reports/regions/<市>/",
        "office",
        lambda province: url_or_none("reports:region", pk=first_city(province)),
        100,
    ),
    Page("单位首页 /tasks/", "agency", lambda province: url_or_none("tasks:agency_home"), 100),
    Page("领导视图 /reports/plans/<id>/leader/", "leader", _plan_url("reports:leader"), 100),
    Page("重点项目台账 /reports/plans/<id>/projects/", "office", _plan_url("reports:projects"), 100),
    # Not named in the targets, but the office's other everyday lists: held to the
    # dashboard's figure.
    Page("审核列表 /tasks/review/", "office", lambda province: url_or_none("tasks:review"), 100),
    Page(
        "催办列表 /reports/plans/<id>/missing/",
        "office",
        lambda province: url_or_none("reports:missing", plan_id=province.plans[-1]),
        100,
    ),
    Page("年度考核（一个方案一轮）/reports/assessments/<id>/", "office", _assessment_url("round"), 100),
    Page("API /api/plans/", "office", lambda province: url_or_none("plan-list"), 100, "api"),
    Page("API /api/tasks/", "office", lambda province: url_or_none("task-list"), 100, "api"),
    Page(
        "API /api/progress-reports/?plan=",
        "office",
        _with_query(lambda province: url_or_none("progressreport-list"), lambda p: f"?plan={p.plans[-1]}"),
        100,
        "api",
    ),
    Page(
        "API /api/projects/?plan=",
        "office",
        _with_query(lambda province: url_or_none("project-list"), lambda p: f"?plan={p.plans[-1]}"),
        100,
        "api",
    ),
    Page(
        "API /api/indicator-values/?plan=",
        "office",
        _with_query(lambda province: url_or_none("indicatorvalue-list"), lambda p: f"?plan={p.plans[-1]}"),
        100,
        "api",
    ),
    Page("API /api/assessments/?plan=&year=", "office", _assessment_url("api"), 100, "api"),
]


def _clients(province) -> dict[str, Client]:
    clients = {}
    for key, user in province.users.items():
        client = Client(raise_request_exception=True)
        client.force_login(user)
        clients[key] = client
    return clients


def count_queries(client, url) -> tuple[int, int]:
    """(status, number of SQL queries) of one request."""
    # The log is a bounded deque: once full, a capture would see no new entries.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response.status_code, len(ctx.captured_queries)


def time_pages(
    province, *, requests: int = 50, warmup: int = 3, gc_freeze: bool = False, log=lambda msg: None
) -> list[Result]:
    clients = _clients(province)
    results = []
    for page in PAGES:
        result = Result(page.group, page.name, target_ms=page.target_ms)
        results.append(result)
        url = page.url(province)
        if url is None:
            result.missing = True
            continue
        client = clients[page.user]
        try:
            status, result.queries = count_queries(client, url)
        except Exception as exc:  # a page still under construction must not stop the run
            result.error = _describe(exc)
            continue
        if status != 200:
            result.error = f"HTTP {status}"
            continue
        times, cpu = [], []
        # Query logging off, as in production: DEBUG would keep every SQL string.
        with override_settings(DEBUG=False):
            began = time.perf_counter()
            for i in range(warmup + requests):
                if gc_freeze and i == warmup:
                    # What a server would do once after loading the app: move everything
                    # alive into the permanent generation, so full collections stop
                    # walking Django's own objects on every ~10th request.
                    gc.collect()
                    gc.freeze()
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                if i >= warmup:
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                # A page that takes seconds would hold the run for many minutes; its
                # verdict is clear after a few requests, and the table shows how many.
                if len(times) >= MIN_RUNS and time.perf_counter() - began > PAGE_BUDGET_S:
                    break
        result.p50_ms, result.p95_ms, result.runs = (
            statistics.median(times),
            percentile(times, 95),
            len(times),
        )
        # CPU time of this process alone: on a busy machine the wall time also counts the
        # time spent waiting for a core, this does not (the database's own CPU excluded).
        result.note = f"本进程 CPU p50 {statistics.median(cpu):.0f} ms"
        if len(times) < requests:
            result.note += f"；单页耗时过长，{PAGE_BUDGET_S} s 内只测了 {len(times)} 次"
        log(f"  {page.name}: p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms, {result.queries} 条查询")
    return results


def page_query_counts(province) -> dict[str, int | str]:
    """Queries per page for the query-count check (agency home as the user whose tasks
    span every county, so what it lists grows with the province)."""
    clients = _clients(province)
    counts = {}
    for page in PAGES:
        url = page.url(province)
        if url is None:
            counts[page.name] = NOT_BUILT
            continue
        user = "agency_wide" if page.user == "agency" else page.user
        try:
            status, queries = count_queries(clients[user], url)
        except Exception as exc:
            counts[page.name] = _describe(exc)
            continue
        counts[page.name] = queries if status == 200 else f"HTTP {status}"
    return counts


# --- jobs ----------------------------------------------------------------------------------
def _timed(fn, repeat=1):
    times = []
    value = None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, value


def _job_result(name, target_ms, times, note="", queries=None):
    return Result(
        "job",
        name,
        target_ms=target_ms,
        p50_ms=statistics.median(times),
        p95_ms=max(times),
        runs=len(times),
        note=note,
        queries=queries,
    )


def _sample_plan_period(province):
    """The last plan of the province and its latest quarter whose deadline has passed."""
    from django.utils import timezone

    from plans.models import Plan
    from tasks.models import ReportingPeriod

    plan = Plan.objects.select_related("region").get(pk=province.plans[-1])
    period = (
        ReportingPeriod.objects.filter(plan=plan, deadline__lt=timezone.localdate())
        .order_by("-year", "-quarter")
        .first()
    )
    return plan, period


def incremental_rollup(province) -> Result:
    """Approve submitted reports through the service, then time the recompute of their
    plan and quarter as the queued job runs it."""
    from django.db.models import F

    from reports.models import Rollup
    from tasks.models import ProgressReport, TaskAssignment
    from tasks.services import report_approve

    name, target = JOB_NAMES["incremental_rollup"]
    rollup_plan_period = optional("reports.rollups", "rollup_plan_period")
    if rollup_plan_period is None:
        return Result("job", name, target_ms=target, missing=True)
    plan, period = _sample_plan_period(province)
    # Lead agencies' reports: the office reviews those (a supporter's input goes to its lead).
    reports = list(
        ProgressReport.objects.filter(
            period=period,
            state="submitted",
            task__assignments__agency=F("agency"),
            task__assignments__role=TaskAssignment.Role.LEAD,
        ).order_by("id")[:5]
    )
    office = province.users["office"]

    def stamp():
        rows = Rollup.objects.filter(plan=plan, period=period, scope="plan")
        return rows.values_list("computed_at", flat=True).first()

    # Each approval end to end: where the approval queues the recompute, the job runs
    # in-process at commit and is included.
    approve_times, recomputed = [], 0
    for report in reports:
        before = stamp()
        took, _ = _timed(lambda report=report: report_approve(report=report, by=office))
        approve_times += took
        recomputed += stamp() != before
    if approve_times:
        queued = (
            "每次审核都触发了重算" if recomputed == len(approve_times) else f"{recomputed} 次审核触发了重算"
        )
        approve_note = f"审核服务（含其排队的任务）p50 {statistics.median(approve_times):.0f} ms，{queued}"
    else:
        approve_note = "无待审核填报，未测审核"
    rollup_plan_period(plan=plan, period=period)  # warm caches once, as a running worker has them
    times, _ = _timed(lambda: rollup_plan_period(plan=plan, period=period), repeat=5)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        rollup_plan_period(plan=plan, period=period)
    note = f"单个方案×季度（{period.label}）的重算；{approve_note}"
    return _job_result(name, target, times, note, queries=len(ctx.captured_queries))


def rollup_all(province) -> tuple[int, str] | None:
    """Recompute every plan and quarter of the province from scratch in bulk mode (each
    plan read once for all its quarters, then each region and quarter once); None when
    rollups are not built."""
    from reports.models import IndicatorRollup, Rollup, TaskLight
    from tasks.models import ReportingPeriod

    recompute_periods = optional("reports.rollups", "recompute_periods")
    if recompute_periods is None:
        return None
    periods = list(
        ReportingPeriod.objects.filter(plan_id__in=province.plans)
        .select_related("plan", "plan__region")
        .order_by("plan_id", "year", "quarter")
    )
    # From scratch: nothing stored for the province's plans beforehand.
    for model, key in ((Rollup, "plan_id__in"), (IndicatorRollup, "plan_id__in"), (TaskLight, "period__in")):
        model.objects.filter(**{key: province.plans if key != "period__in" else periods}).delete()
    recompute_periods(periods)
    return len(periods), f"{len(periods)} 个方案×季度，从零开始，含上级地区汇总"


def full_rollup(province) -> Result:
    name, target = JOB_NAMES["full_rollup"]
    times, done = _timed(lambda: rollup_all(province))
    if done is None:
        return Result("job", name, target_ms=target, missing=True)
    return _job_result(name, target, times, done[1])


def nightly_rollup(province) -> Result:
    """The nightly job right after a full rollup: only the quarters that can still change."""
    name, target = JOB_NAMES["nightly_rollup"]
    recompute_all = optional("reports.rollups", "recompute_all")
    if recompute_all is None:
        return Result("job", name, target_ms=target, missing=True)
    times, count = _timed(lambda: recompute_all(changed_only=True))
    return _job_result(name, target, times, f"重算了 {count} 个方案×季度（全库）")


def bulletin(province) -> Result:
    """A bulletin version for the sample plan and quarter: PDF, DOCX and XLSX."""
    from reports.models import Bulletin

    name = "督查通报（PDF＋DOCX＋XLSX）"
    bulletin_request = optional("reports.services", "bulletin_request")
    job = optional("reports.jobs", "generate_bulletin")
    if bulletin_request is None or job is None:
        return Result("job", name, target_ms=JOB_NAMES["bulletin"][1], missing=True)
    plan, period = _sample_plan_period(province)

    def run():
        # The job runs at commit (in-process Celery); the loop covers a worker too.
        made = bulletin_request(plan=plan, period=period, by=province.users["office"])
        deadline = time.monotonic() + 120
        while True:
            made.refresh_from_db()
            if made.state in (Bulletin.State.DONE, Bulletin.State.FAILED) or time.monotonic() > deadline:
                return made
            time.sleep(0.05)

    times, made = _timed(run)
    if made.state != Bulletin.State.DONE:
        return Result(
            "job", name, target_ms=JOB_NAMES["bulletin"][1], error=f"{made.state}: {made.error[:80]}"
        )
    sizes = "/".join(
        f"{getattr(made, f).size // 1024} KB" for f in ("pdf", "docx", "xlsx") if getattr(made, f)
    )
    return _job_result(name, JOB_NAMES["bulletin"][1], times, f"{period.label}，{sizes}")


def briefing(province, runs=3) -> Result:
    name = "领导简报 PDF /reports/plans/<id>/briefing.pdf"
    plan, period = _sample_plan_period(province)
    url = url_or_none("reports:briefing", pk=plan.pk)
    if url is None:
        return Result("job", name, target_ms=JOB_NAMES["briefing"][1], missing=True)
    url = f"{url}?period={period.label}"
    client = _clients(province)["leader"]
    status, queries = count_queries(client, url)
    if status != 200:
        return Result("job", name, target_ms=JOB_NAMES["briefing"][1], error=f"HTTP {status}")
    with override_settings(DEBUG=False):
        times, response = _timed(lambda: client.get(url), repeat=runs)
    return _job_result(
        name, JOB_NAMES["briefing"][1], times, f"{len(response.content) // 1024} KB", queries=queries
    )


def region_briefing(province, runs=3) -> Result:
    name, target = JOB_NAMES["region_briefing"]
    region_id = first_city(province)
    url = url_or_none("reports:region-briefing", pk=region_id) if region_id else None
    if url is None:
        return Result("job", name, target_ms=target, missing=True)
    client = _clients(province)["leader"]
    status, queries = count_queries(client, url)
    if status != 200:
        return Result("job", name, target_ms=target, error=f"HTTP {status}")
    with override_settings(DEBUG=False):
        times, response = _timed(lambda: client.get(url), repeat=runs)
    return _job_result(name, target, times, f"{len(response.content) // 1024} KB", queries=queries)


def imports(province, runs=3) -> list[Result]:
    """Each plan document of fixtures/docs: upload and parse, then commit it as a plan, rolled back
    afterwards so the benchmark leaves the province as it was."""
    docs = sorted((Path(settings.BASE_DIR) / "fixtures" / "docs").glob("*.txt"))
    create = optional("plans.import_services", "plan_import_create")
    commit = optional("plans.import_services", "plan_import_commit")
    if create is None or commit is None or not docs:
        return [Result("job", "方案导入", target_ms=JOB_NAMES["imports"][1], missing=True)]
    from plans.models import Region

    office = province.users["office"]
    # The office imports into a county of its province, as it would through the page.
    region = Region.objects.filter(parent__parent=province.region).order_by("id").first()
    results = []
    for path in docs:
        data = path.read_bytes()

        def run(path=path, data=data):
            with transaction.atomic():
                made = create(data=data, filename=path.name, by=office, region=region)
                plan = commit(plan_import=made, by=office) if made.state == "parsed" else None
                count = plan.actions.count() if plan else 0
                transaction.set_rollback(True)
            return made, count

        times, (made, count) = _timed(run, repeat=runs)
        name = f"方案导入 {path.name}"
        if made.state != "parsed":
            results.append(Result("job", name, target_ms=JOB_NAMES["imports"][1], error=made.error[:80]))
            continue
        results.append(
            _job_result(name, JOB_NAMES["imports"][1], times, f"{len(data) // 1024} KB，{count} 个重点行动")
        )
    return results


JOB_NAMES = {
    "incremental_rollup": ("增量汇总（审核通过一份填报后）", 200),
    "full_rollup": ("全省汇总（全部方案×季度，从零开始）", 30_000),
    "nightly_rollup": ("夜间汇总（数据未变）", 5000),
    "bulletin": ("督查通报（PDF＋DOCX＋XLSX）", 10_000),
    "briefing": ("领导简报 PDF /reports/plans/<id>/briefing.pdf", 3000),
    "region_briefing": ("区域简报 PDF /reports/regions/<市>/briefing.pdf", 3000),
    "imports": ("方案导入", 500),
}


def jobs(province, *, runs=3, log=lambda msg: None) -> list[Result]:
    out = []
    for probe in (incremental_rollup, nightly_rollup, bulletin, briefing, region_briefing, imports):
        log(f"  {probe.__name__} …")
        try:
            made = probe(province, runs) if probe in (briefing, region_briefing, imports) else probe(province)
        except Exception as exc:  # report the failure in the table and go on with the rest
            name, target = JOB_NAMES[probe.__name__]
            made = Result("job", name, target_ms=target, error=_describe(exc))
        out += made if isinstance(made, list) else [made]
        log(f"    {out[-1].name}: {out[-1].verdict} {out[-1].p50_ms or ''} {out[-1].error}")
    return out


def _describe(exc) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"
