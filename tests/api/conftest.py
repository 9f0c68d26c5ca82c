"""Fixtures of the API tests that call the WSGI app in-process through schemathesis."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from tests import factories as f


@pytest.fixture
def api_world(world, robots):
    """The access-test cast plus reports, values and a bulletin for the detail endpoints,
    and a group robot of plan A whose webhook is a fake robot on 127.0.0.1 (allow-listed
    for these tests), so POST /api/channels/<id>/test/ sends its real request there."""
    reports = [
        f.ReportFactory(
            task=world.task_a1,
            agency=world.own,
            period=world.period_a,
            state="submitted",
            status="in_progress",
            percent=Decimal("40"),
            progress_text="已建成充电桩12个",
            submitted_at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC),
        ),
        f.ReportFactory(task=world.task_a1, agency=world.other, period=world.period_a, state="draft"),
        f.ReportFactory(task=world.task_b1, agency=world.stranger, period=world.period_b, state="approved"),
    ]
    f.IndicatorValueFactory(
        indicator=world.indicator_a, period=world.period_a, agency=world.own, value=Decimal("12")
    )
    world.reports = reports
    from agencies.channels.services import channel_create

    robot = robots()
    world.channel, _ = channel_create(
        plan=world.plan_a, kind="dingtalk", webhook=robot.webhook(), by=world.users.office
    )
    world.robot = robot
    from reports.assessment import services
    from reports.rollups import recompute_marked

    # A computed round of each plan, so the assessment list and detail have rows.
    recompute_marked(today=dt.date(2026, 5, 1))
    for plan, office in ((world.plan_a, world.users.office), (world.plan_b, world.users.other_office)):
        services.scheme_publish(
            scheme=services.scheme_save(plan=plan, year=2026, data={}, by=office), by=office
        )
        assessment = services.assessment_start(plan=plan, year=2026, by=office)
        services.assessment_compute(assessment_id=assessment.pk, today=dt.date(2026, 5, 1))
    return world


@pytest.fixture
def keep_test_connection():
    """Schemathesis calls the WSGI app directly, so Django's request signals fire and
    would close the test's database connection (and its transaction) after each request,
    as they do in production. Django's own test client disconnects them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def office_token(api_world):
    return Token.objects.create(user=api_world.users.office).key


@pytest.fixture
def tokens(api_world):
    """A token for each role the fuzz test takes: the plan's office, an agency's staff, a leader."""
    users = api_world.users
    return {
        role: Token.objects.get_or_create(user=user)[0].key
        for role, user in (("office", users.office), ("agency", users.owner), ("leader", users.leader))
    }
