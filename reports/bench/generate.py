"""A synthetic province of realistic shape: plans, tasks and indicators with bulk_create,
each plan's reports and values with one COPY (reports.bulk_rows), and the figures
computed once at the end rather than after every plan.

At scale 1.0: 14 city plans and 122 county plans, each with about 8 actions and 45
tasks, 4–6 agencies per task drawn from the region's pool, 30–60 indicators, and 20
quarters of reports (about 560k progress reports and 115k indicator values). A smaller scale
makes fewer plans of the same shape, so per-plan pages see the same amount of data.

The generator is additive: asking for a larger scale of an existing province adds the
missing plans, which is how the query-count check grows its data tenfold.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role
from indicators.models import Indicator, IndicatorValue
from plans.demo_texts import NEXT_STEPS, PROBLEMS
from plans.models import Action, Plan, Region
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from tasks.periods import period_build

from ..bulk_rows import insert_rows
from ..marks import refresh_held
from ..models import FigureMark
from ..rollups import recompute_marked
from .shape import ACTION_TITLES, COUNTY_AGENCIES, INDICATORS, PROGRESS, TASK_TITLES

FULL_CITIES = 14
FULL_COUNTIES = 122
BATCH = 5000
# Tasks of each city plan handed down to every county plan below it.
HANDED_DOWN = 5
PASSWORD = "carbonplan"


@dataclass
class Province:
    """What the generator built (or found), for the harness to log in and look up."""

    region: Region
    plans: list[int]
    users: dict[str, object] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def plan_count(scale: float, total: int | None = None) -> tuple[int, int]:
    """(cities, counties) for a scale (or a total number of plans): the full province's
    mix, at least one of each."""
    total = max(2, total or round((FULL_CITIES + FULL_COUNTIES) * scale))
    cities = max(1, round(total * FULL_CITIES / (FULL_CITIES + FULL_COUNTIES)))
    return cities, total - cities


def quarters_ending(today: dt.date, count: int) -> list[tuple[int, int]]:
    """The `count` quarters up to and including the one `today` falls in."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out[::-1]


def build_province(
    *,
    name: str = "基准省",
    scale: float = 1.0,
    total_plans: int | None = None,
    quarters: int = 20,
    user_prefix: str = "bench",
    today: dt.date | None = None,
    seed: int = 20260101,
    compute: bool = True,
    log=lambda msg: None,
) -> Province:
    """Create (or grow) the province `name` to `scale` (or to `total_plans` plans);
    returns it with its users. The new plans' figures are computed at the end, all at
    once; compute=False leaves them marked stale for a full computation to follow (the
    bench times one)."""
    today = today or timezone.localdate()
    province = Region.objects.filter(name=name, parent=None).first()
    if province is None:
        province = Region.objects.create(name=name, level=Region.Level.PROVINCE)
    want_cities, want_counties = plan_count(scale, total_plans)
    cities = list(province.children.order_by("id"))
    for i in range(len(cities), want_cities):
        cities.append(
            Region.objects.create(name=f"第{i + 1:02d}市", level=Region.Level.CITY, parent=province)
        )
    counties = list(Region.objects.filter(parent__parent=province).order_by("id"))
    for i in range(len(counties), want_counties):
        city = cities[i % len(cities)]
        counties.append(
            Region.objects.create(name=f"第{i + 1:03d}县", level=Region.Level.COUNTY, parent=city)
        )
    # Every region without a plan, so an interrupted run resumes where it stopped.
    planned = set(Plan.objects.filter(region__in=cities + counties).values_list("region_id", flat=True))
    new_regions = [r for r in cities + counties if r.pk not in planned]
    quarter_list = quarters_ending(today, quarters)
    # Each plan's writes mark its figures stale; one computation at the end covers them all
    # (per plan, the region pass would read every plan row of the province each time).
    with refresh_held():
        for n, region in enumerate(new_regions, start=1):
            _region_plan(region, quarter_list, today, random.Random(f"{seed}-{region.pk}"))
            if n % 20 == 0 or n == len(new_regions):
                log(f"  {n}/{len(new_regions)} 个方案已生成")
        handed = _hand_downs(cities)
    if handed:
        log(f"  {handed} 项县级任务承接了市级任务")
    users = _users(province, counties[0] if counties else cities[0], user_prefix)
    plans = list(
        Plan.objects.filter(Region.subtree_q([province.pk]))
        .order_by("region__level", "id")
        .values_list("pk", flat=True)
    )
    if compute:
        done = recompute_marked(plan_ids=plans)
        if done:
            log(f"  计算了 {len(done)} 个方案×季度的汇总")
    counts = {
        "plans": len(plans),
        "tasks": Task.objects.filter(action__plan__in=plans).count(),
        "reports": ProgressReport.objects.filter(period__plan__in=plans).count(),
        "indicator_values": IndicatorValue.objects.filter(period__plan__in=plans).count(),
    }
    return Province(region=province, plans=plans, users=users, counts=counts)


def _hand_downs(cities) -> int:
    """Each city plan's first HANDED_DOWN tasks handed down to the plans of its counties:
    the county task in the same place answers it (linked, as a county office confirms a
    suggestion), and the first follows its counties' average, so the upper task page,
    the hand-down page and the region briefing read lower tasks. Only county plans not
    answering yet (a grown province adds its new ones); the city plan is marked stale.
    Returns how many lower tasks were linked."""
    linked = 0
    for city in cities:
        plan = Plan.objects.filter(region=city).order_by("id").first()
        if plan is None:
            continue
        uppers = list(Task.objects.of_plan(plan).active().order_by("action__seq", "seq")[:HANDED_DOWN])
        answering = Task.objects.filter(parent__in=uppers).values_list("action__plan_id", flat=True)
        lowers = []
        for county_plan in Plan.objects.filter(region__parent=city).exclude(pk__in=answering).order_by("id"):
            tasks = Task.objects.of_plan(county_plan).active().order_by("action__seq", "seq")[:HANDED_DOWN]
            for upper, lower in zip(uppers, tasks, strict=False):
                lower.parent, lower.link_kind = upper, Task.LinkKind.LINKED
                lowers.append(lower)
        if not lowers:
            continue
        with transaction.atomic():
            Task.objects.bulk_update(lowers, ["parent", "link_kind"])
            Task.objects.filter(pk=uppers[0].pk).update(progress_source=Task.ProgressSource.CHILDREN_AVERAGE)
            # bulk_update sends no signals: every quarter of the city plan is marked here.
            FigureMark.objects.create(plan_id=plan.pk)
        linked += len(lowers)
    return linked


def delete_province(name: str) -> bool:
    """Remove a generated province and everything in it (the query-count check starts
    from a known small size every run). Reports and values go first: they protect the
    quarters and agencies they point at."""
    province = Region.objects.filter(name=name, parent=None).first()
    if province is None:
        return False
    with transaction.atomic():
        regions = Region.objects.filter(Region.subtree_q([province.pk], prefix=""))
        plans = Plan.objects.filter(region__in=regions)
        # A deleted upper task would leave its lower tasks a link kind without a link.
        Task.objects.filter(action__plan__in=plans, parent__isnull=False).update(parent=None, link_kind="")
        IndicatorValue.objects.filter(indicator__plan__in=plans).delete()
        ProgressReport.objects.filter(period__plan__in=plans).delete()
        plans.delete()
        Agency.objects.filter(region__in=regions).delete()
        Region.objects.filter(parent__parent=province).delete()
        Region.objects.filter(parent=province).delete()
        province.delete()
    return True


def _agency_pool(region: Region) -> list[Agency]:
    prefix = "市" if region.level == Region.Level.CITY else "县"
    existing = {a.name: a for a in Agency.objects.filter(region=region)}
    missing = [
        Agency(
            region=region,
            name=f"{prefix}{short}",
            full_name=f"{region.name}{full}",
            short_name=f"{prefix}{short}",
        )
        for short, full in COUNTY_AGENCIES
        if f"{prefix}{short}" not in existing
    ]
    Agency.objects.bulk_create(missing)
    return list(Agency.objects.filter(region=region).order_by("id"))


@transaction.atomic
def _region_plan(region, quarter_list, today, rng):
    """One plan of realistic shape for one region, with all its quarters of data."""
    agencies = _agency_pool(region)
    ndrc = agencies[0]  # 发改局: the office's own agency, lead of many tasks
    last_year = quarter_list[-1][0]
    plan = Plan.objects.create(
        region=region,
        title=f"{region.name}碳达峰实施方案",
        doc_number=f"{region.name[:3]}政发〔{last_year - 4}〕{rng.randint(1, 30)}号",
        issued_on=dt.date(last_year - 4, rng.randint(1, 12), rng.randint(1, 28)),
        start_year=last_year - 4,
        end_year=2030,
        source_name="synthetic.txt",
    )
    actions = Action.objects.bulk_create(
        [
            Action(plan=plan, seq=i + 1, label=f"（{'一二三四五六七八九十'[i]}）", title=title)
            for i, title in enumerate(ACTION_TITLES[:8])
        ]
    )
    task_total = rng.randint(40, 50)
    per_action = [task_total // len(actions)] * len(actions)
    for i in range(task_total - sum(per_action)):
        per_action[i] += 1
    tasks = []
    for action, count in zip(actions, per_action, strict=True):
        for seq in range(1, count + 1):
            title = rng.choice(TASK_TITLES)
            tasks.append(
                Task(
                    action=action,
                    seq=seq,
                    label=f"{seq}.",
                    title=title,
                    source_text=f"{title}。到2025年，相关工作取得明显成效；到2030年，全面完成各项目标任务。",
                    deadline=dt.date(2030, 12, 31) if rng.random() < 0.7 else dt.date(last_year, 12, 31),
                    deadline_text="2030年" if rng.random() < 0.7 else "长期坚持",
                )
            )
    tasks = Task.objects.bulk_create(tasks)
    assignments = []
    for task in tasks:
        pool = rng.sample(agencies[1:], rng.randint(4, 6))
        if rng.random() < 0.25:
            pool[0] = ndrc
        elif rng.random() < 0.5 and ndrc not in pool:
            pool[-1] = ndrc
        for seq, agency in enumerate(pool):
            assignments.append(
                TaskAssignment(
                    task=task,
                    agency=agency,
                    role=TaskAssignment.Role.LEAD if seq == 0 else TaskAssignment.Role.SUPPORT,
                    seq=seq,
                )
            )
    TaskAssignment.objects.bulk_create(assignments)
    periods = []
    for year, quarter in quarter_list:
        period = period_build(plan=plan, year=year, quarter=quarter)
        period.is_closed = period.ends_on + dt.timedelta(days=120) < today
        periods.append(period)
    periods = ReportingPeriod.objects.bulk_create(periods)
    indicators = _indicators(plan, tasks, rng, last_year)
    # Written as rows (COPY on PostgreSQL), past the figure-source hook: the plan's own
    # mark covers them. Inside the plan's transaction: an interrupted run leaves whole
    # plans only.
    insert_rows(ProgressReport, _reports(assignments, periods, today, rng))
    insert_rows(IndicatorValue, _values(indicators, periods, today, rng, ndrc, assignments))
    FigureMark.objects.create(plan_id=plan.pk)
    _projects(tasks, assignments, periods, rng)


def _indicators(plan, tasks, rng, last_year):
    count = rng.randint(30, 60)
    out = []
    for seq in range(count):
        name, unit, comparator, target = INDICATORS[seq % len(INDICATORS)]
        goal = seq < 8
        out.append(
            Indicator(
                plan=plan,
                task=None if goal else rng.choice(tasks),
                seq=seq + 1,
                name=name if seq < len(INDICATORS) else f"{name}（{seq // len(INDICATORS) + 1}）",
                unit=unit,
                comparator=comparator,
                target=Decimal(str(target)) * Decimal(rng.choice(["0.8", "1", "1.2", "1.5"])),
                target_year=2030 if goal else last_year,
                baseline_year=2020,
                baseline_value=Decimal(str(target)) * Decimal("0.5"),
                category=rng.choice(["control", "binding", "supporting"]) if goal else "task",
                nature="binding" if goal and seq < 3 else "expected",
            )
        )
    return Indicator.objects.bulk_create(out)


PROJECT_KINDS = [("风电场", "万千瓦"), ("光伏电站", "万千瓦"), ("储能电站", "MW"), ("加氢站", "座"),
                 ("天然气管网", "公里"), ("既有建筑节能改造", "万平方米")]  # fmt: skip


def _projects(tasks, assignments, periods, rng):
    """8–12 key projects on some tasks, each with a quarter in its lead's report of every
    quarter that report exists; stages move on over the quarters, a few fall behind."""
    from tasks.models import Project, ProjectUpdate

    leads = {a.task_id: a.agency_id for a in assignments if a.role == TaskAssignment.Role.LEAD}
    first = periods[0].starts_on
    projects = []
    for n, task in enumerate(rng.sample(tasks, rng.randint(8, 12)), start=1):
        kind, unit = rng.choice(PROJECT_KINDS)
        start = first + dt.timedelta(days=rng.randint(0, 900))
        projects.append(
            Project(
                task=task,
                seq=n,
                name=f"第{n}号{kind}项目",
                capacity=Decimal(rng.randint(1, 200)),
                unit=unit,
                investment_planned=Decimal(rng.randint(2, 80) * 1000),
                planned_start=start,
                planned_finish=start + dt.timedelta(days=rng.randint(300, 1200)),
            )  # fmt: skip
        )
    projects = Project.objects.bulk_create(projects)
    reports = {
        (r.task_id, r.period_id): r
        for r in ProgressReport.objects.filter(
            task__in=[p.task_id for p in projects], period__in=periods
        ).only("id", "task_id", "agency_id", "period_id", "state")
        if r.agency_id == leads.get(r.task_id)
    }
    updates = []
    for project in projects:
        span = (project.planned_finish - project.planned_start).days or 1
        slow = rng.random() < 0.2
        cumulative = Decimal(0)
        for period in periods:
            report = reports.get((project.task_id, period.pk))
            if report is None or period.ends_on < project.planned_start - dt.timedelta(days=180):
                continue
            elapsed = (period.ends_on - project.planned_start).days / span * (0.6 if slow else 1)
            stage = "preparing" if elapsed < 0.05 else "operating" if elapsed >= 1 else "building"
            quarter = (
                (project.investment_planned / 8).quantize(Decimal("1")) if stage == "building" else Decimal(0)
            )
            cumulative = min(cumulative + quarter, project.investment_planned)
            updates.append(
                ProjectUpdate(
                    project=project,
                    period=period,
                    report_id=report.pk,
                    stage=stage,
                    investment_quarter=quarter,
                    investment_cumulative=cumulative,
                    problems="征地拆迁滞后" if slow and stage != "operating" else "",
                )  # fmt: skip
            )
            if report.state == "approved":
                project.stage = stage
    ProjectUpdate.objects.bulk_create(updates, batch_size=BATCH)
    Project.objects.bulk_update(projects, ["stage"])


def _reports(assignments, periods, today, rng) -> list[dict]:
    """Most quarters approved; the latest past one partly under review or returned; the
    current one mostly unfilled; a few reports late or never sent (red lights)."""
    rows = []
    past = [p for p in periods if p.deadline < today]
    latest_past = past[-1] if past else None
    lagging = {a.task_id for a in assignments if rng.random() < 0.12}
    for index, period in enumerate(periods):
        is_current = period.deadline >= today
        for a in assignments:
            roll = rng.random()
            if is_current:
                if roll > 0.25:
                    continue
                state = "draft"
            elif roll < 0.06:
                continue
            elif period is latest_past:
                state = "submitted" if roll < 0.25 else "returned" if roll < 0.33 else "approved"
            else:
                state = "approved"
            slow = a.task_id in lagging
            percent = min(
                100, max(0, round((index + 1) / len(periods) * (70 if slow else 100) + rng.uniform(-8, 8)))
            )
            late = state != "draft" and rng.random() < 0.1
            submitted = timezone.make_aware(
                dt.datetime.combine(
                    period.deadline + dt.timedelta(days=rng.randint(1, 6) if late else -rng.randint(0, 9)),
                    dt.time(10),
                )
            )
            rows.append(
                {
                    "task_id": a.task_id,
                    "agency_id": a.agency_id,
                    "period_id": period.pk,
                    "state": state,
                    "status": "lagging" if slow else ("done" if percent >= 100 else "in_progress"),
                    "percent": Decimal(percent),
                    "progress_text": rng.choice(PROGRESS),
                    "problems": rng.choice(PROBLEMS) if slow or roll < 0.3 else "",
                    "next_steps": rng.choice(NEXT_STEPS),
                    "is_late": late,
                    "return_count": 1 if state == "returned" else 0,
                    "submitted_at": None if state == "draft" else submitted,
                    "reviewed_at": submitted + dt.timedelta(days=2)
                    if state in ("approved", "returned")
                    else None,
                    "review_comment": "请补充具体项目进度和量化数据。" if state == "returned" else "",
                }
            )
    return rows


def _values(indicators, periods, today, rng, ndrc, assignments) -> list[dict]:
    rows = []
    leads = {a.task_id: a.agency_id for a in assignments if a.role == TaskAssignment.Role.LEAD}
    done = [p for p in periods if p.deadline < today]
    for indicator in indicators:
        behind = rng.random() < 0.3
        start = indicator.target * (Decimal("0.55") if indicator.comparator != "<=" else Decimal("1.25"))
        agency_id = leads.get(indicator.task_id, ndrc.pk)
        for index, period in enumerate(done, start=1):
            share = Decimal(index) / Decimal(len(periods)) * (Decimal("0.7") if behind else Decimal("1.02"))
            rows.append(
                {
                    "indicator_id": indicator.pk,
                    "period_id": period.pk,
                    "agency_id": agency_id,
                    "value": (start + (indicator.target - start) * share).quantize(Decimal("0.01")),
                }
            )
    return rows


def _users(province, first_county, prefix):
    """office and leader of the whole province, staff of one county's 发改局, and staff of
    every county's 发改局 (whose pages grow with the province, for the query check)."""
    User = get_user_model()

    def user(name):
        u = User.objects.filter(username=name).first()
        if u is None:
            u = User(username=name, first_name=name)
            u.set_password(PASSWORD)
            u.save()
        return u

    def role(u, kind, **scope):
        Role.objects.get_or_create(
            user=u, kind=kind, **{k: scope.get(k) for k in ("agency", "plan", "region")}
        )

    users = {kind: user(f"{prefix}-{kind}") for kind in ("office", "leader", "agency", "agency_wide")}
    role(users["office"], "office", region=province)
    role(users["leader"], "leader", region=province)
    role(users["agency"], "staff", agency=Agency.objects.filter(region=first_county).order_by("id").first())
    for agency in Agency.objects.filter(region__parent__parent=province, name="县发改局"):
        role(users["agency_wide"], "staff", agency=agency)
    return users
