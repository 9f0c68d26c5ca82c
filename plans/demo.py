"""The demo database: the plans of fixtures/, their agencies, accounts and some
quarters of realistic progress (some late, some returned, some indicators behind)."""

import datetime as dt
import io
import json
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role
from agencies.names import canonical
from indicators.models import Indicator, IndicatorValue
from tasks.models import ProgressReport, ProgressReportVersion, ReportingPeriod, Task, TaskAssignment
from tasks.periods import period_label, period_set_dates, quarter_of

from . import demo_city
from .demo_indicators import EXTRA_GOALS, STORIES, story_values
from .demo_projects import demo_projects
from .demo_texts import (
    LEAD_PROGRESS,
    LEAD_PROGRESS_LAGGING,
    LEAD_RETURN_COMMENT,
    NEXT_STEPS,
    OFFICE_RETURN_COMMENT,
    PROBLEMS,
    SUPPORT_PROBLEMS,
    consolidated_text,
    support_input,
)
from .models import Plan, Region
from .parsing.schema import ParsedPlan
from .schedule import plan_schedule_set
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
        parsed = ParsedPlan.from_dict(_load_fixture(path))
        region = regions[parsed.plan.region]
        title = parsed.plan.title
        plan = Plan.objects.filter(region=region, title=title).first()
        if plan is None:
            doc = FIXTURES / "docs" / (path.stem + ".txt")
            plan = plan_create_from_parsed(
                parsed=parsed,
                region=region,
                source_text=doc.read_text(encoding="utf-8") if doc.exists() else "",
                source_name=parsed.source or path.name,
            )
            created_plans.append(plan)
        plans.append(plan)

    city_plan = Plan.objects.filter(region=regions[demo_city.CITY], title=demo_city.CITY_PLAN_TITLE).first()
    city_created = city_plan is None
    if city_created:
        city_plan = plan_create_from_parsed(parsed=demo_city.city_parsed(), region=regions[demo_city.CITY])
        created_plans.append(city_plan)

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

    if city_created:
        # The city office hands its tasks down before the quarters are filled in, so the
        # tasks created in the county plans carry reports like the rest.
        county_plans = {p.region.name: p for p in plans if p.region.parent_id == regions[demo_city.CITY].pk}
        demo_city.hand_down_city_tasks(city_plan, county_plans, by=users["city"])
        # The city has chased a county once about a task it has not answered (reports).
        call_command("demo_upper_chases", "--by", users["city"].username, stdout=io.StringIO())

    current = quarter_of(today)
    # The lead agency gathers its supporters' inputs; the office reviews the lead's report.
    Plan.objects.filter(pk__in=[p.pk for p in created_plans]).update(
        review_mode=Plan.ReviewMode.LEAD_CONSOLIDATES
    )
    for plan in created_plans:
        first = f"{plan.plan_year}Q1" if plan.plan_year else f"{max(plan.start_year or 2025, 2025)}Q1"
        last_year, last_q = current
        if plan.plan_year and plan.plan_year < last_year:
            last_year, last_q = plan.plan_year, 4
        # The city's own plan is run by the city office.
        plan_users = {**users, "office": users["city"]} if plan == city_plan else users
        periods = _schedule(plan, first, period_label(last_year, last_q), today, office=plan_users["office"])
        _progress(plan, periods, today, plan_users)
        demo_projects(plan, periods, today=today, office=plan_users["office"])
    if created_plans:
        # Every row written above marked its plan's figures stale: the dashboards read
        # stored rollups, so work through the marks now, as of the demo's day.
        call_command("recompute_rollups", "--stale", "--date", today.isoformat(), stdout=io.StringIO())
        # The year-end assessments read them in turn (reports.assessment.demo).
        call_command("demo_assessments", "--date", today.isoformat(), stdout=io.StringIO())
    return {"plans": plans, "city_plan": city_plan, "users": users}


def _schedule(plan, first: str, last: str, today: dt.date, *, office) -> list:
    """The plan's quarters as its office would set them up: the schedule page with the
    default rule (indicator values every quarter), then the quarter under way opened from
    its first day on its settings page, so the agencies can report whatever day the demo
    is built; earlier quarters hold the history."""
    plan_schedule_set(
        plan=plan, first_period=first, last_period=last, indicator_quarters=[1, 2, 3, 4], by=office
    )
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter"))
    for period in periods:
        if period.starts_on <= today <= period.ends_on and period.opens_on > today:
            period_set_dates(period=period, deadline=period.deadline, opens_on=period.starts_on, by=office)
    return periods


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _short_name(agency) -> str:
    return agency.short_name or agency.name


class _Quarter:
    """The reports of one plan being written, keyed (task id, agency id, period id), with
    the events of each one's history and the inputs each lead report gathers."""

    def __init__(self):
        self.reports: dict[tuple, ProgressReport] = {}
        self.events: dict[tuple, list] = {}
        self.gathered: dict[tuple, list[tuple]] = {}

    def add(self, report, events):
        key = (report.task_id, report.agency_id, report.period_id)
        self.reports[key] = report
        self.events[key] = events
        return key


def _progress(plan, periods, today, users):
    """Realistic quarters in lead-consolidates mode. Each supporting agency sends its input
    (进展情况 only) to the task's lead, which gathers the inputs into its report for the
    office; most quarters are approved, the latest past one partly under review, with a few
    late, returned or missing reports of both kinds; the current quarter mostly unfilled."""
    # Keyed by names, not ids: the same demo whatever ids the database hands out.
    rng = random.Random(f"carbonplan-demo-{plan.title}-{plan.region.name}")
    office = users["office"]
    accounts = {
        role.agency_id: role.user
        for role in Role.objects.filter(kind="staff", agency__region=plan.region).select_related("user")
    }
    by_task: dict[int, tuple] = {}
    for a in (
        TaskAssignment.objects.filter(task__action__plan=plan)
        .select_related("task", "agency")
        .order_by("task__action__seq", "task__seq", "role", "seq")
    ):
        task, leads, supporters = by_task.setdefault(a.task_id, (a.task, [], []))
        (leads if a.role == TaskAssignment.Role.LEAD else supporters).append(a.agency)
    task_ids = list(by_task)
    few = max(1, round(len(task_ids) * 0.06)) if task_ids else 0
    lagging_tasks = set(rng.sample(task_ids, few))
    # Leads still silent in the latest past quarter: the 未报清单 lists them beside the supporters.
    silent_leads = set(rng.sample(task_ids, few))
    past = [p for p in periods if p.deadline < today]
    latest_past = past[-1] if past else None
    book = _Quarter()
    for index, period in enumerate(periods):
        is_current = period.deadline >= today
        for task_id in task_ids:
            task, leads, supporters = by_task[task_id]
            lagging = task_id in lagging_tasks and index >= len(past) - 2
            base = (index + 1) / max(len(periods), 1) * (70 if lagging else 100)
            percent = Decimal(min(100, max(0, round(base + rng.uniform(-6, 6)))))
            first_lead = None
            for number, lead in enumerate(leads):
                key = _lead_report(
                    book, rng, task, lead, period, percent=percent, lagging=lagging,
                    is_current=is_current, is_latest=period is latest_past,
                    silent=number == 0 and period is latest_past and task_id in silent_leads,
                    submitter=accounts.get(lead.pk), office=office,
                )  # fmt: skip
                if number == 0:
                    first_lead = book.reports.get(key)
            inputs = [
                _support_input(book, rng, task, agency, period, is_current=is_current,
                               is_latest=period is latest_past, submitter=accounts.get(agency.pk))
                for agency in supporters
            ]  # fmt: skip
            _gather(book, first_lead, [k for k in inputs if k])
    _return_one_input(book, latest_past, accounts)
    ProgressReport.objects.bulk_create(book.reports.values(), batch_size=500)
    ids = {
        (r["task_id"], r["agency_id"], r["period_id"]): r["id"]
        for r in ProgressReport.objects.filter(task__action__plan=plan).values(
            "id", "task_id", "agency_id", "period_id"
        )
    }
    Through = ProgressReport.consolidated_inputs.through
    Through.objects.bulk_create(
        [
            Through(from_progressreport_id=ids[lead], to_progressreport_id=ids[key])
            for lead, keys in book.gathered.items()
            for key in keys
        ],
        batch_size=500,
    )
    versions = []
    for key, report in book.reports.items():
        snapshot = {
            "status": report.status,
            "percent": str(report.percent) if report.percent is not None else None,
            "progress_text": report.progress_text,
            "problems": report.problems,
            "next_steps": report.next_steps,
        }
        for number, (event, by, comment) in enumerate(book.events[key], start=1):
            versions.append(
                ProgressReportVersion(
                    report_id=ids[key],
                    number=number,
                    event=event,
                    state={"saved": "draft"}.get(event, event),
                    snapshot=snapshot,
                    changed_fields=list(snapshot) if number == 1 else [],
                    comment=comment,
                    by=by,
                )
            )
    ProgressReportVersion.objects.bulk_create(versions, batch_size=500)
    _indicator_values(plan, periods, today, rng, lead_reports=ids)
    _notices(plan, latest_past, [p for p in periods if p.deadline >= today])


def _notices(plan, latest_past, current):
    """The notices these quarters would have raised, worded as the pages word them: the
    latest past quarter's returns to their agencies and its leads' submissions to the
    office, and the current quarter's inputs to the leads who gather them."""
    from agencies.notifications import notify_report_reviewed, notify_report_submitted

    leads = set(
        TaskAssignment.objects.filter(task__action__plan=plan, role=TaskAssignment.Role.LEAD).values_list(
            "task_id", "agency_id"
        )
    )
    reports = ProgressReport.objects.select_related("task__action__plan", "agency", "period").order_by(
        "task__action__seq", "task__seq", "agency_id"
    )
    if latest_past is not None:
        for report in reports.filter(period=latest_past, state__in=["submitted", "returned"]):
            is_lead = (report.task_id, report.agency_id) in leads
            if report.state == "returned":
                notify_report_reviewed(report=report, by_lead=not is_lead)
            elif is_lead:
                notify_report_submitted(report=report)
    for report in reports.filter(period__in=current, state="submitted"):
        if (report.task_id, report.agency_id) not in leads:
            notify_report_submitted(report=report, is_input=True)


def _lead_report(
    book, rng, task, agency, period, *, percent, lagging, is_current, is_latest, silent, submitter, office
):
    """A lead agency's own report on the task; its text gains the inputs it gathers later."""
    roll = rng.random()
    if is_current:
        if roll > 0.25:
            return None
        state = "draft"
    elif silent or (not is_latest and roll < 0.015):
        return None  # not reported after the deadline: the task's light turns red
    elif is_latest:
        state = "submitted" if roll < 0.35 else "returned" if roll < 0.42 else "approved"
    else:
        state = "approved"
    late = state != "draft" and rng.random() < 0.1
    # On time, a lead submits in the last days before the deadline, after its supporters.
    submitted_at = _at(
        period.deadline + dt.timedelta(days=rng.randint(1, 5) if late else -rng.randint(0, 2)), 16
    )
    returns = 0
    if state == "returned" or (state == "approved" and rng.random() < 0.06):
        returns = 2 if rng.random() < 0.3 else 1
    reviewed = state in ("approved", "returned")
    report = ProgressReport(
        task=task,
        agency=agency,
        period=period,
        state=state,
        status="lagging" if lagging else ("done" if percent >= 100 else "in_progress"),
        percent=percent,
        progress_text=rng.choice(LEAD_PROGRESS_LAGGING if lagging else LEAD_PROGRESS).format(
            title=task.title
        ),
        problems=rng.choice(PROBLEMS) if lagging or rng.random() < 0.3 else "",
        next_steps=rng.choice(NEXT_STEPS),
        is_late=late,
        return_count=returns,
        submitted_at=None if state == "draft" else submitted_at,
        submitted_by=None if state == "draft" else submitter,
        created_by=submitter,
        reviewed_at=submitted_at + dt.timedelta(days=2) if reviewed else None,
        reviewed_by=office if reviewed else None,
        review_comment=OFFICE_RETURN_COMMENT if state == "returned" else "",
        version=1,
    )
    events = [("saved", submitter, "")]
    for _ in range(returns if state != "returned" else returns - 1):
        events += [("submitted", submitter, ""), ("returned", office, OFFICE_RETURN_COMMENT)]
    if state != "draft":
        events.append(("submitted", submitter, ""))
    if reviewed:
        events.append((state, office, report.review_comment))
    return book.add(report, events)


def _support_input(book, rng, task, agency, period, *, is_current, is_latest, submitter):
    """A supporting agency's input to the lead: 进展情况 (and at times a problem), no percent
    and no status."""
    roll = rng.random()
    if is_current:
        if roll > 0.4:
            return None
        state = "draft" if roll < 0.2 else "submitted"
    elif roll < (0.1 if is_latest else 0.04):
        return None  # missing: a note beside the task's light and a row of the 未报清单
    else:
        state = "submitted"
    late = state != "draft" and not is_current and rng.random() < 0.1
    submitted_at = _at(
        period.deadline + dt.timedelta(days=rng.randint(1, 5) if late else -rng.randint(3, 12)), 10
    )
    report = ProgressReport(
        task=task,
        agency=agency,
        period=period,
        state=state,
        status="",
        percent=None,
        progress_text=support_input(agency.name, task.title, rng),
        problems=rng.choice(SUPPORT_PROBLEMS) if rng.random() < 0.3 else "",
        is_late=late,
        submitted_at=None if state == "draft" else submitted_at,
        submitted_by=None if state == "draft" else submitter,
        created_by=submitter,
        version=1,
    )
    events = [("saved", submitter, "")] + ([("submitted", submitter, "")] if state != "draft" else [])
    return book.add(report, events)


def _gather(book, lead_report, input_keys):
    """The lead's submitted report gathers the inputs that reached it first: they become
    approved (已汇总) by the lead's submitter, and its text carries them as 【单位】 paragraphs."""
    if lead_report is None or lead_report.state == "draft":
        return
    gathered = []
    for key in input_keys:
        item = book.reports[key]
        if item.state != "submitted" or item.submitted_at >= lead_report.submitted_at:
            continue  # it came after the lead's report and waits, 已报送牵头单位, for the next one
        item.state = "approved"
        item.reviewed_at = lead_report.submitted_at
        item.reviewed_by = lead_report.submitted_by
        book.events[key].append(("approved", lead_report.submitted_by, ""))
        gathered.append(key)
    if not gathered:
        return
    lead_key = (lead_report.task_id, lead_report.agency_id, lead_report.period_id)
    book.gathered[lead_key] = gathered
    lead_report.progress_text = consolidated_text(
        lead_report.progress_text,
        [(_short_name(book.reports[k].agency), book.reports[k].progress_text) for k in gathered],
    )


def _return_one_input(book, period, accounts):
    """One input of the latest past quarter the lead sent back with a comment before
    gathering it: preferably on a task whose lead has a demo account."""
    if period is None:
        return
    candidates = []
    for lead_key, keys in book.gathered.items():
        if lead_key[2] != period.pk:
            continue
        lead = book.reports[lead_key]
        candidates += [(lead.agency_id not in accounts, lead_key, key) for key in keys]
    if not candidates:
        return
    _, lead_key, key = min(candidates)
    lead, item = book.reports[lead_key], book.reports[key]
    item.return_count = 1
    item.review_comment = ""
    first_text = item.progress_text
    item.progress_text = f"{first_text}下一步将按时间节点推进剩余事项。"
    by = lead.submitted_by
    book.events[key] = [
        ("saved", item.submitted_by, ""),
        ("submitted", item.submitted_by, ""),
        ("returned", by, LEAD_RETURN_COMMENT),
        ("saved", item.submitted_by, ""),
        ("submitted", item.submitted_by, ""),
        ("approved", by, ""),
    ]
    lead.progress_text = lead.progress_text.replace(first_text, item.progress_text)


def _indicator_values(plan, periods, today, rng, *, lead_reports):
    region = plan.region.name
    for extra in EXTRA_GOALS.get(region, []):
        Indicator.objects.get_or_create(plan=plan, task=None, name=extra["name"], defaults=extra)
    indicators = list(Indicator.objects.filter(plan=plan).select_related("task"))
    if not indicators:
        return
    agencies = list(Agency.objects.filter(region=plan.region))
    office_agency = next(
        (a for a in agencies if canonical(a.name).endswith(("发展和改革局", "发展和改革委员会"))), agencies[0]
    )
    # The first lead of each task reports the figures: later rows of the dict win.
    leads = dict(
        TaskAssignment.objects.filter(task__action__plan=plan, role=TaskAssignment.Role.LEAD)
        .order_by("-seq")
        .values_list("task_id", "agency_id")
    )
    done = [p for p in periods if p.deadline < today]
    quarters = [(p.year, p.quarter) for p in done]
    default_year = plan.end_year or plan.plan_year
    values = []
    changed = []
    for indicator in indicators:
        baseline, story = STORIES.get((region, indicator.name), (None, None))
        if baseline is not None and indicator.baseline_value is None:
            indicator.baseline_value, indicator.baseline_year = baseline
            changed.append(indicator)
        agency_id = leads.get(indicator.task_id, office_agency.pk)
        if story is not None:
            series = story_values(indicator, story, quarters, default_year=default_year)
        else:
            series = _plain_series(indicator, len(done), len(periods), rng)
        for period, value in zip(done, series, strict=True):
            values.append(
                IndicatorValue(
                    indicator=indicator,
                    period=period,
                    agency_id=agency_id,
                    value=value,
                    report_id=lead_reports.get((indicator.task_id, agency_id, period.pk)),
                )
            )
    Indicator.objects.bulk_update(changed, ["baseline_value", "baseline_year"])
    IndicatorValue.objects.bulk_create(values, batch_size=500)


def _plain_series(indicator, count, total, rng):
    """An indicator the demo tells no story of: a steady climb from a first value."""
    behind = rng.random() < 0.3
    target = indicator.target
    start = target * Decimal("0.55") if indicator.comparator != "<=" else target * Decimal("1.25")
    series = []
    for index in range(1, count + 1):
        share = Decimal(index) / Decimal(total) * (Decimal("0.7") if behind else Decimal("1.02"))
        series.append((start + (target - start) * share).quantize(Decimal("0.01")))
    return series


def demo_summary() -> list[tuple[str, str, str]]:
    return [(u, PASSWORD, role) for u, role, _ in ACCOUNTS]


__all__ = ["build_demo", "demo_summary", "Task"]
