"""A reported quarter on top of the `world` cast, and a plan of any size for query counts.

After the 2026Q1 deadline (2026-04-10), on 2026-04-20:
* task A1 (lead 县发改局, support 县交通运输局): the lead submitted on time, 40 %,
  with a problem containing markup; the supporter never reported → red.
* task A2 (lead 县交通运输局): approved, but late, 滞后, 20 %, returned twice → red.
* the plan's indicator (≥30 个 in 2026, no baseline) has one value, 10 → no baseline.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests import factories as f

TODAY = dt.date(2026, 4, 20)
PROBLEM = "<script>alert('x')</script>资金到位偏慢 & 用地审批周期长"


def _forget_pending_rollups():
    """Drop the rollup coalescing flags only: with Redis the cache shares its database
    with the Celery broker, so a flush would also drop queued jobs."""
    from django.core.cache import cache

    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match="*reports:rollup-pending:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    _forget_pending_rollups()
    yield
    _forget_pending_rollups()


@pytest.fixture
def quarter(world):
    w = world
    w.users.other_agency.email = "jiaotong@example.com"
    w.users.other_agency.save()
    w.users.office.email = "office@example.com"
    w.users.office.save()
    submitted = dt.datetime(2026, 4, 8, 10, tzinfo=dt.UTC)
    r1 = f.ReportFactory(
        task=w.task_a1, agency=w.own, period=w.period_a, state="submitted", status="in_progress",
        percent=Decimal("40"), progress_text="已完成光伏项目选址", problems=PROBLEM, next_steps="加快建设",
        submitted_at=submitted,
    )  # fmt: skip
    r2 = f.ReportFactory(
        task=w.task_a2, agency=w.other, period=w.period_a, state="approved", status="lagging",
        percent=Decimal("20"), progress_text="充电桩建设推进缓慢", is_late=True, return_count=2,
        submitted_at=submitted + dt.timedelta(days=5),
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=w.indicator_a, period=w.period_a, agency=w.own, value=Decimal("10"))
    return SimpleNamespace(**vars(w), r1=r1, r2=r2, today=TODAY)


def build_plan(n_tasks: int, *, region=None, title="规模测试方案"):
    """A plan with n_tasks tasks over two actions, each led by one of three agencies and
    supported by another, an indicator per task, a 2026Q1 with mixed reports."""
    region = region or f.RegionFactory()
    plan = f.PlanFactory(region=region, title=title)
    actions = [f.ActionFactory(plan=plan, seq=i + 1, title=f"第{i + 1}项行动") for i in range(2)]
    agencies = [f.AgencyFactory(region=region, name=f"{title}单位{i}") for i in range(3)]
    period = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    states = ["submitted", "approved", "returned", "draft", None]
    for i in range(n_tasks):
        task = f.TaskFactory(action=actions[i % 2], seq=i + 1, title=f"{title}任务{i + 1}")
        lead, support = agencies[i % 3], agencies[(i + 1) % 3]
        f.AssignmentFactory(task=task, agency=lead, role="lead")
        f.AssignmentFactory(task=task, agency=support, role="support")
        state = states[i % len(states)]
        if state:
            f.ReportFactory(
                task=task, agency=lead, period=period, state=state, status="in_progress",
                percent=Decimal(10 * (i % 10)), problems=f"问题{i}" if i % 2 else "", is_late=i % 4 == 0,
            )  # fmt: skip
        ind = f.IndicatorFactory(plan=plan, task=task, name=f"{title}指标{i + 1}", target=Decimal("100"),
                                 baseline_value=Decimal("0"), baseline_year=2025, target_year=2026)  # fmt: skip
        f.IndicatorValueFactory(indicator=ind, period=period, agency=lead, value=Decimal(5 * (i % 8)))
    return SimpleNamespace(plan=plan, period=period, agencies=agencies, actions=actions, region=region)


@pytest.fixture
def plan_of_size(db):
    return build_plan
