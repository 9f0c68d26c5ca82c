"""The demo database: the plans of fixtures/, their agencies, accounts and some
quarters of realistic progress (some late, some returned, some indicators behind)."""

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role
from agencies.names import canonical
from indicators.models import Indicator, IndicatorValue
from tasks.models import ProgressReport, ProgressReportVersion, Task, TaskAssignment
from tasks.services import periods_ensure

from .models import Plan, Region
from .services import plan_create_from_parsed, region_get_or_create

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PASSWORD = "carbonplan"
DEMO_REGION = "岳阳县"

ACCOUNTS = [
    ("office", "专班办公室", "王主任"),
    ("leader", "领导", "李县长"),
    ("agency", "县发改局", "张科长"),
    ("agency2", "县交通运输局", "刘科员"),
    ("city", "岳阳市专班办公室", "陈主任"),
    ("province", "湖南省领导（只读）", "周主任"),
    ("admin", "管理员", "系统管理员"),
]
# The city office supervises the county plans below 岳阳市; the province leader reads them all.
REGION_ROLES = {"city": ("office", "岳阳市"), "province": ("leader", "湖南省")}

PROGRESS_PHRASES = [
    "已召开专题调度会，明确责任分工和时间节点，{title}各项工作有序推进。",
    "围绕{title}，本季度完成项目摸底和方案编制，已进入组织实施阶段。",
    "{title}相关项目按计划推进，已完成年度任务量的主要部分，正开展阶段性评估。",
    "联合相关单位开展现场督导，{title}重点事项已落实到具体项目和责任人。",
]
PROBLEM_PHRASES = [
    "项目资金到位偏慢，部分子项进度滞后。",
    "相关单位协调成本较高，用地和审批手续办理周期较长。",
    "数据统计口径尚未统一，部分指标难以按季度核算。",
    "",
]
NEXT_PHRASES = [
    "下季度将加快项目建设进度，按月调度，确保按期完成。",
    "继续加强与配合单位对接，推动问题在下季度前解决。",
    "完善统计监测，按季度报送指标数据。",
]


def _load_fixture(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _regions() -> dict[str, Region]:
    tree = _load_fixture(FIXTURES / "regions.json")
    regions = {}

    def walk(node, parent):
        region = region_get_or_create(name=node["name"], level=node["level"], parent=parent)
        regions[region.name] = region
        for child in node.get("children", []):
            walk(child, region)

    walk(tree, None)
    return regions


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _user(username, first_name):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
    if created:
        user.set_password(PASSWORD)
        if username == "admin":
            user.is_superuser = user.is_staff = True
        user.save()
    return user


def _role(user, kind, **scope):
    Role.objects.get_or_create(
        user=user, kind=kind, **{k: scope.get(k) for k in ("agency", "plan", "region")}
    )


@transaction.atomic
def build_demo(*, today: dt.date | None = None, stdout=None) -> dict:
    today = today or timezone.localdate()
    regions = _regions()
    plans = []
    created_plans = []
    for path in sorted(FIXTURES.glob("*.json")):
        if path.name == "regions.json":
            continue
        parsed = _load_fixture(path)
        region = regions[parsed["plan"]["region"]]
        title = parsed["plan"]["title"]
        plan = Plan.objects.filter(region=region, title=title).first()
        if plan is None:
            doc = FIXTURES / "docs" / (path.stem + ".txt")
            plan = plan_create_from_parsed(
                parsed=parsed,
                region=region,
                source_text=doc.read_text(encoding="utf-8") if doc.exists() else "",
                source_name=parsed.get("source") or path.name,
            )
            created_plans.append(plan)
        plans.append(plan)

    users = {username: _user(username, name) for username, _, name in ACCOUNTS}
    for plan in plans:
        _role(users["office"], "office", plan=plan)
        _role(users["leader"], "leader", plan=plan)
    _role(users["admin"], "admin")
    for username, (kind, region_name) in REGION_ROLES.items():
        _role(users[username], kind, region=regions[region_name])
    demo_agencies = {a.name: a for a in Agency.objects.filter(region=regions[DEMO_REGION])}
    for username, agency_name, _ in ACCOUNTS:
        if agency_name in demo_agencies:
            _role(users[username], "staff", agency=demo_agencies[agency_name])

    current = _quarter_of(today)
    for plan in created_plans:
        first = f"{plan.plan_year}Q1" if plan.plan_year else f"{max(plan.start_year or 2025, 2025)}Q1"
        last_year, last_q = current
        if plan.plan_year and plan.plan_year < last_year:
            last_year, last_q = plan.plan_year, 4
        periods = periods_ensure(plan=plan, first=first, last=f"{last_year}Q{last_q}")
        _progress(plan, periods, today, users)
    if created_plans:
        from reports.rollups import recompute_all

        # Dashboards read stored rollups: compute them once for the demo's quarters.
        recompute_all(today=today)
    return {"plans": plans, "users": users}


def _progress(plan, periods, today, users):
    """Realistic quarters: most approved, the latest past quarter partly under review,
    a few returned, late or missing; the current quarter mostly still to be filled."""
    rng = random.Random(f"carbonplan-demo-{plan.title}-{plan.region_id}")
    office = users["office"]
    assignments = list(
        TaskAssignment.objects.filter(task__action__plan=plan)
        .select_related("task")
        .order_by("task_id", "role", "seq")
    )
    past = [p for p in periods if p.deadline < today]
    latest_past = past[-1] if past else None
    reports, versions = [], []
    lagging_tasks = {a.task_id for a in assignments if rng.random() < 0.12}
    for index, period in enumerate(periods):
        is_current = period.ends_on >= today or period.deadline >= today
        for a in assignments:
            roll = rng.random()
            if is_current:
                if roll > 0.25:
                    continue
                state = "draft"
            elif roll < 0.06:
                continue  # never reported: shows up red
            elif period is latest_past:
                state = "submitted" if roll < 0.25 else "returned" if roll < 0.33 else "approved"
            else:
                state = "approved"
            lagging = a.task_id in lagging_tasks
            base = (index + 1) / max(len(periods), 1) * (70 if lagging else 100)
            percent = Decimal(min(100, max(0, round(base + rng.uniform(-8, 8))))).quantize(Decimal("1"))
            status = "lagging" if lagging else ("done" if percent >= 100 else "in_progress")
            late = state != "draft" and rng.random() < 0.1
            submitted_at = timezone.make_aware(
                dt.datetime.combine(
                    period.deadline + dt.timedelta(days=rng.randint(1, 6) if late else -rng.randint(0, 9)),
                    dt.time(10),
                )
            )
            report = ProgressReport(
                task=a.task,
                agency=a.agency,
                period=period,
                state=state,
                status=status,
                percent=percent,
                progress_text=rng.choice(PROGRESS_PHRASES).format(title=a.task.title),
                problems=rng.choice(PROBLEM_PHRASES) if lagging or rng.random() < 0.3 else "",
                next_steps=rng.choice(NEXT_PHRASES),
                is_late=late,
                return_count=1 if state == "returned" or (state == "approved" and rng.random() < 0.05) else 0,
                submitted_at=None if state == "draft" else submitted_at,
                reviewed_at=submitted_at + dt.timedelta(days=2)
                if state in ("approved", "returned")
                else None,
                reviewed_by=office if state in ("approved", "returned") else None,
                review_comment="请补充具体项目进度和量化数据。" if state == "returned" else "",
                version=1,
            )
            reports.append(report)
    ProgressReport.objects.bulk_create(reports, batch_size=500)
    saved = ProgressReport.objects.filter(task__action__plan=plan)
    for report in saved:
        events = ["saved"] + {
            "draft": [],
            "submitted": ["submitted"],
            "returned": ["submitted", "returned"],
            "approved": ["submitted", "approved"],
        }[report.state]
        snapshot = {
            "status": report.status,
            "percent": str(report.percent) if report.percent is not None else None,
            "progress_text": report.progress_text,
            "problems": report.problems,
            "next_steps": report.next_steps,
        }
        for number, event in enumerate(events, start=1):
            versions.append(
                ProgressReportVersion(
                    report=report,
                    number=number,
                    event=event,
                    state={"saved": "draft"}.get(event, event),
                    snapshot=snapshot,
                    changed_fields=list(snapshot) if number == 1 else [],
                    comment=report.review_comment if event == "returned" else "",
                    by=office if event in ("approved", "returned") else None,
                )
            )
    ProgressReportVersion.objects.bulk_create(versions, batch_size=500)
    ProgressReport.objects.filter(task__action__plan=plan).update(version=1)
    _indicator_values(plan, periods, today, rng)


def _indicator_values(plan, periods, today, rng):
    indicators = list(Indicator.objects.filter(plan=plan).select_related("task"))
    if not indicators:
        return
    agencies = list(Agency.objects.filter(region=plan.region))
    office_agency = next(
        (a for a in agencies if canonical(a.name).endswith(("发展和改革局", "发展和改革委员会"))), agencies[0]
    )
    leads = dict(
        TaskAssignment.objects.filter(task__action__plan=plan, role=TaskAssignment.Role.LEAD)
        .order_by("task_id", "seq")
        .values_list("task_id", "agency_id")
    )
    done = [p for p in periods if p.deadline < today]
    values = []
    for indicator in indicators:
        behind = rng.random() < 0.3
        agency_id = leads.get(indicator.task_id, office_agency.pk)
        target = indicator.target
        start = target * Decimal("0.55") if indicator.comparator != "<=" else target * Decimal("1.25")
        for index, period in enumerate(done, start=1):
            share = Decimal(index) / Decimal(len(periods)) * (Decimal("0.7") if behind else Decimal("1.02"))
            value = start + (target - start) * share
            values.append(
                IndicatorValue(
                    indicator=indicator,
                    period=period,
                    agency_id=agency_id,
                    value=value.quantize(Decimal("0.01")),
                )
            )
    IndicatorValue.objects.bulk_create(values, batch_size=500)


def demo_summary() -> list[tuple[str, str, str]]:
    return [(u, PASSWORD, role) for u, role, _ in ACCOUNTS]


__all__ = ["build_demo", "demo_summary", "Task"]
