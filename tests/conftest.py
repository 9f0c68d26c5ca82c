"""The cast every access test uses.

Two plans in two counties. In plan A, agency `own` leads task A1 and `other` supports
it; `stranger` belongs to plan B's county. Users: owner and colleague (staff of `own`),
other_agency (staff of `other`), office (of plan A), other_office (of plan B), leader
(read-only over plan A), admin, and anonymous.
"""

import datetime as dt
import os
from types import SimpleNamespace

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request with another language leaves it
    active in the thread, as a real worker thread would not carry it to the next request."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _local_cache(request, settings):
    """A fresh in-memory cache per test, so rate limits and coalescing flags never carry
    over; tests marked `worker` keep the configured (Redis) cache the worker shares."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _jobs_in_process(request):
    """Jobs run in-process, even when REDIS_URL is set for the PostgreSQL run, so tests
    never leave jobs in a shared broker; tests marked `worker` use a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from carbonplan.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def world(db):
    from tests import factories as f

    county_a = f.RegionFactory(name="甲县")
    county_b = f.RegionFactory(name="乙县")
    plan_a = f.PlanFactory(region=county_a, title="甲县碳达峰实施方案")
    plan_b = f.PlanFactory(region=county_b, title="乙县碳达峰实施方案")
    action_a = f.ActionFactory(plan=plan_a, seq=1, label="（一）", title="能源绿色低碳转型行动")
    action_b = f.ActionFactory(plan=plan_b, seq=1, label="（一）", title="交通运输绿色低碳行动")
    own = f.AgencyFactory(region=county_a, name="县发改局", aliases=["县发展和改革局"])
    other = f.AgencyFactory(region=county_a, name="县交通运输局")
    stranger = f.AgencyFactory(region=county_b, name="县住建局")
    task_a1 = f.TaskFactory(action=action_a, seq=1, title="大力发展新能源")
    task_a2 = f.TaskFactory(action=action_a, seq=2, title="推进绿色交通")
    task_b1 = f.TaskFactory(action=action_b, seq=1, title="推广新能源汽车")
    f.AssignmentFactory(task=task_a1, agency=own, role="lead")
    f.AssignmentFactory(task=task_a1, agency=other, role="support")
    f.AssignmentFactory(task=task_a2, agency=other, role="lead")
    f.AssignmentFactory(task=task_b1, agency=stranger, role="lead")
    period_a = f.PeriodFactory(plan=plan_a, year=2026, quarter=1)
    period_b = f.PeriodFactory(plan=plan_b, year=2026, quarter=1)
    indicator_a = f.IndicatorFactory(plan=plan_a, task=task_a1, name="新增公共充电桩", unit="个", target=30)

    users = SimpleNamespace(
        owner=f.UserFactory(username="owner"),
        colleague=f.UserFactory(username="colleague"),
        other_agency=f.UserFactory(username="other_agency"),
        office=f.UserFactory(username="office"),
        other_office=f.UserFactory(username="other_office"),
        leader=f.UserFactory(username="leader"),
        admin=f.UserFactory(username="admin"),
    )
    f.role(users.owner, "staff", agency=own)
    f.role(users.colleague, "staff", agency=own)
    f.role(users.other_agency, "staff", agency=other)
    f.role(users.office, "office", plan=plan_a)
    f.role(users.other_office, "office", plan=plan_b)
    f.role(users.leader, "leader", plan=plan_a)
    f.role(users.admin, "admin")
    return SimpleNamespace(
        county_a=county_a,
        county_b=county_b,
        plan_a=plan_a,
        plan_b=plan_b,
        action_a=action_a,
        action_b=action_b,
        own=own,
        other=other,
        stranger=stranger,
        task_a1=task_a1,
        task_a2=task_a2,
        task_b1=task_b1,
        period_a=period_a,
        period_b=period_b,
        indicator_a=indicator_a,
        users=users,
    )


@pytest.fixture
def login(client):
    """login(user) → the Django test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def robots(settings):
    """robots(kind=…, secret=…, keyword=…) → a started fake group robot on 127.0.0.1
    (tests/agencies/robot_server.py); the
    allow-list lets webhooks reach it, as a private deployment's setting would."""
    settings.CHANNEL_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.CHANNEL_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "https://carbon.example.gov.cn"
    started = []

    def start(**kwargs):
        from tests.agencies.robot_server import RobotServer

        server = RobotServer(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def chain(db):
    """A supervision chain: 湖南省 → 岳阳市 (a city plan whose task 1.1 carries a target)
    → 岳阳县 and 平江县 (a county plan each), and a sibling city 怀化市 with a county plan,
    with the offices, staff and leaders of each level."""
    from tests import factories as f

    province = f.RegionFactory(name="湖南省", level="province")
    city = f.RegionFactory(name="岳阳市", level="city", parent=province)
    county = f.RegionFactory(name="岳阳县", level="county", parent=city)
    county2 = f.RegionFactory(name="平江县", level="county", parent=city)
    sibling = f.RegionFactory(name="怀化市", level="city", parent=province)
    sibling_county = f.RegionFactory(name="沅陵县", level="county", parent=sibling)
    city_plan = f.PlanFactory(region=city, title="岳阳市碳达峰实施方案")
    county_plan = f.PlanFactory(region=county, title="岳阳县碳达峰实施方案")
    county2_plan = f.PlanFactory(region=county2, title="平江县碳达峰实施方案")
    sibling_plan = f.PlanFactory(region=sibling_county, title="沅陵县碳达峰实施方案")
    city_action = f.ActionFactory(plan=city_plan, seq=1, label="（一）", title="能源绿色低碳转型行动")
    county_action = f.ActionFactory(plan=county_plan, seq=1, label="（一）", title="能源绿色低碳转型行动")
    county2_action = f.ActionFactory(plan=county2_plan, seq=1, label="（一）", title="能源绿色低碳转型行动")
    sibling_action = f.ActionFactory(plan=sibling_plan, seq=1, label="（一）", title="能源绿色低碳转型行动")
    city_lead = f.AgencyFactory(region=city, name="市发改局")
    county_lead = f.AgencyFactory(region=county, name="县发改局")
    county2_lead = f.AgencyFactory(region=county2, name="县发展和改革局")
    upper = f.TaskFactory(action=city_action, seq=1, title="大力发展光伏发电", deadline=dt.date(2026, 12, 31))
    city_other = f.TaskFactory(action=city_action, seq=2, title="推进绿色建筑")
    county_task = f.TaskFactory(action=county_action, seq=1, title="大力发展光伏发电项目")
    county_other = f.TaskFactory(action=county_action, seq=2, title="推广新能源汽车")
    county2_task = f.TaskFactory(action=county2_action, seq=1, title="推进抽水蓄能电站建设")
    sibling_task = f.TaskFactory(action=sibling_action, seq=1, title="大力发展光伏发电")
    f.AssignmentFactory(task=upper, agency=city_lead, role="lead")
    f.AssignmentFactory(task=county_task, agency=county_lead, role="lead")
    f.AssignmentFactory(task=county_other, agency=county_lead, role="lead")
    f.AssignmentFactory(task=county2_task, agency=county2_lead, role="lead")
    upper_indicator = f.IndicatorFactory(
        plan=city_plan, task=upper, name="新增光伏装机容量", unit="万千瓦", target=100, target_year=2026
    )
    county_indicator = f.IndicatorFactory(
        plan=county_plan,
        task=county_task,
        name="新增光伏装机容量",
        unit="万千瓦",
        target=30,
        target_year=2026,
    )
    periods = {
        plan.pk: f.PeriodFactory(plan=plan, year=2026, quarter=3)
        for plan in (city_plan, county_plan, county2_plan, sibling_plan)
    }
    users = SimpleNamespace(
        city_office=f.UserFactory(username="city_office"),
        city_plan_office=f.UserFactory(username="city_plan_office"),
        city_leader=f.UserFactory(username="city_leader"),
        province_leader=f.UserFactory(username="province_leader"),
        county_office=f.UserFactory(username="county_office"),
        county2_office=f.UserFactory(username="county2_office"),
        county_agency=f.UserFactory(username="county_agency"),
        city_agency=f.UserFactory(username="city_agency"),
        sibling_office=f.UserFactory(username="sibling_office"),
        admin=f.UserFactory(username="chain_admin"),
    )
    f.role(users.city_office, "office", region=city)
    f.role(users.city_plan_office, "office", plan=city_plan)
    f.role(users.city_leader, "leader", region=city)
    f.role(users.province_leader, "leader", region=province)
    f.role(users.county_office, "office", plan=county_plan)
    f.role(users.county2_office, "office", plan=county2_plan)
    f.role(users.county_agency, "staff", agency=county_lead)
    f.role(users.city_agency, "staff", agency=city_lead)
    f.role(users.sibling_office, "office", region=sibling)
    f.role(users.admin, "admin")
    return SimpleNamespace(
        province=province,
        city=city,
        county=county,
        county2=county2,
        sibling=sibling,
        city_plan=city_plan,
        county_plan=county_plan,
        county2_plan=county2_plan,
        sibling_plan=sibling_plan,
        city_lead=city_lead,
        county_lead=county_lead,
        county2_lead=county2_lead,
        upper=upper,
        city_other=city_other,
        county_task=county_task,
        county_other=county_other,
        county2_task=county2_task,
        sibling_task=sibling_task,
        upper_indicator=upper_indicator,
        county_indicator=county_indicator,
        periods=periods,
        users=users,
    )


# --- run once ------------------------------------------------------------------------
# CI runs the suite twice, side by side: on the embedded default and on PostgreSQL with a
# real worker. The browser tests (Chromium against the live server) and the tests marked
# `once` (a parser's scores) check what no database engine changes — the server side of
# every page they drive runs on both engines in the other tests — so they run in the
# embedded default's run only, where the whole of CI's time is not waiting on them.
# CARBONPLAN_TESTS_TWICE=1 runs them on PostgreSQL as well.


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or os.environ.get("CARBONPLAN_TESTS_TWICE") == "1":
        return
    skip = pytest.mark.skip(
        reason="checks nothing the database engine changes: run on the embedded default "
        "(CARBONPLAN_TESTS_TWICE=1 runs it here too)"
    )
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("once"):
            item.add_marker(skip)
