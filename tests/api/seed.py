"""A small world for the live API (tests/api/live_site.py), written into its database
by a subprocess: two county plans, the access cast, reports in every state, indicator
values, a bulletin, a group robot whose webhook is the test's fake robot, a key project
with a quarter and a computed year-end assessment of each plan. Returns the tokens of the
three fuzzed roles and the ids of each collection (for tests/api/schemathesis_hooks.py)."""

import datetime as dt
import os
from decimal import Decimal

from rest_framework.authtoken.models import Token

from tests import factories as f

MISSING_ID = 987654


def seed() -> dict:
    from agencies.channels.models import Channel
    from agencies.channels.services import channel_create
    from agencies.models import Agency
    from indicators.models import Indicator, IndicatorValue
    from plans.models import Action, Plan
    from reports.assessment import services as assessments
    from reports.models import AssessmentScore, Bulletin
    from reports.rollups import recompute_marked
    from tasks.models import ProgressReport, Project, ProjectUpdate, ReportingPeriod, Task
    from tasks.periods import today_local

    today = today_local()
    county_a, county_b = f.RegionFactory(name="甲县"), f.RegionFactory(name="乙县")
    plan_a = f.PlanFactory(region=county_a, title="甲县碳达峰实施方案")
    plan_b = f.PlanFactory(region=county_b, title="乙县碳达峰实施方案")
    action_a = f.ActionFactory(plan=plan_a, seq=1, label="（一）", title="能源绿色低碳转型行动")
    action_b = f.ActionFactory(plan=plan_b, seq=1, label="（一）", title="交通运输绿色低碳行动")
    own = f.AgencyFactory(region=county_a, name="县发改局")
    other = f.AgencyFactory(region=county_a, name="县交通运输局")
    stranger = f.AgencyFactory(region=county_b, name="县住建局")
    tasks = [f.TaskFactory(action=action_a, seq=n, title=f"甲县任务{n}") for n in (1, 2, 3)]
    task_b = f.TaskFactory(action=action_b, seq=1, title="推广新能源汽车")
    for task in tasks:
        f.AssignmentFactory(task=task, agency=own, role="lead")
        f.AssignmentFactory(task=task, agency=other, role="support")
    f.AssignmentFactory(task=task_b, agency=stranger, role="lead")
    # The quarter under way is open for submission; the one before is past its deadline.
    current = f.PeriodFactory(
        plan=plan_a,
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
        opens_on=today - dt.timedelta(days=20),
        deadline=today + dt.timedelta(days=10),
    )
    before = f.PeriodFactory(plan=plan_a, year=today.year - 1, quarter=4)
    period_b = f.PeriodFactory(plan=plan_b, year=today.year - 1, quarter=4)
    indicator = f.IndicatorFactory(plan=plan_a, task=tasks[0], name="新增公共充电桩", unit="个", target=30)
    f.IndicatorFactory(plan=plan_a, task=None, name="单位GDP能耗下降", unit="%", target=Decimal("13.5"))

    users = {
        name: f.UserFactory(username=name)
        for name in ("office", "agency", "other_agency", "leader", "other_office")
    }
    f.role(users["office"], "office", plan=plan_a)
    f.role(users["other_office"], "office", plan=plan_b)
    f.role(users["leader"], "leader", plan=plan_a)
    f.role(users["agency"], "staff", agency=own)
    f.role(users["other_agency"], "staff", agency=other)

    submitted = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    f.ReportFactory(
        task=tasks[0],
        agency=own,
        period=current,
        state="submitted",
        status="in_progress",
        percent=Decimal("40"),
        progress_text="已建成充电桩12个",
        submitted_at=submitted,
    )
    f.ReportFactory(task=tasks[1], agency=own, period=current, state="draft", progress_text="草稿")
    f.ReportFactory(
        task=tasks[0],
        agency=other,
        period=current,
        state="submitted",
        progress_text="配合材料",
        submitted_at=submitted,
    )
    approved = f.ReportFactory(
        task=tasks[0],
        agency=own,
        period=before,
        state="approved",
        status="in_progress",
        percent=Decimal("20"),
        progress_text="上季度进展",
        submitted_at=submitted,
    )
    f.ReportFactory(task=task_b, agency=stranger, period=period_b, state="approved", progress_text="乙县进展")
    f.IndicatorValueFactory(indicator=indicator, period=current, agency=own, value=Decimal("12"))
    Bulletin.objects.create(plan=plan_a, period=before, version=1, state="done", progress=100)
    channel_create(
        plan=plan_a, kind="dingtalk", webhook=os.environ["CARBONPLAN_FUZZ_ROBOT"], by=users["office"]
    )
    project = Project.objects.create(task=tasks[0], name="甲县风电场", capacity=5, unit="万千瓦")
    ProjectUpdate.objects.create(
        project=project, period=before, report=approved, stage="building", problems="征地未完成"
    )
    # A computed round of last year for each plan, so the assessment list has rows (the
    # figures first, as the figures job would count the writes above).
    recompute_marked(today=today)
    for plan, office in ((plan_a, users["office"]), (plan_b, users["other_office"])):
        scheme = assessments.scheme_save(plan=plan, year=today.year - 1, data={}, by=office)
        assessments.scheme_publish(scheme=scheme, by=office)
        round_ = assessments.assessment_start(plan=plan, year=today.year - 1, by=office)
        assessments.assessment_compute(assessment_id=round_.pk, today=today)

    collections = {
        "plans": Plan,
        "actions": Action,
        "tasks": Task,
        "agencies": Agency,
        "indicators": Indicator,
        "periods": ReportingPeriod,
        "progress-reports": ProgressReport,
        "indicator-values": IndicatorValue,
        "bulletins": Bulletin,
        "channels": Channel,
        "assessments": AssessmentScore,
        "projects": Project,
        "project-updates": ProjectUpdate,
    }
    return {
        "tokens": {
            "office": Token.objects.create(user=users["office"]).key,
            "agency": Token.objects.create(user=users["agency"]).key,
            "leader": Token.objects.create(user=users["leader"]).key,
        },
        "ids": {
            name: sorted(model.objects.values_list("pk", flat=True)) + [MISSING_ID]
            for name, model in collections.items()
        },
    }
