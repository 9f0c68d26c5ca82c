"""Property-based fuzzing of the REST API against its own OpenAPI schema.

Schemathesis reads /api/schema/ from the WSGI app (no network), generates requests for
every operation in it, valid and invalid, and sends them with an office user's token
over a small two-plan dataset. Whatever it sends, the API must not answer 5xx, and what
it answers must be documented: its status code, its content type and its body. New
endpoints are fuzzed as soon as they appear in the schema. Bounded: a few examples per
operation and a per-example deadline, plus explicit hostile inputs (out-of-range,
negative, fractional and non-numeric ids in paths, filters and page numbers) that a
client once turned into server errors.
"""

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carbonplan.wsgi import application
from tests import factories as f

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


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

    # A computed round of each plan, so the assessment list and detail have rows.
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
def known_ids(api_world):
    """Real ids per collection, so generated path ids hit existing objects of both plans
    (visible and not) as well as missing ones."""
    from agencies.channels.models import Channel
    from agencies.models import Agency
    from indicators.models import Indicator, IndicatorValue
    from plans.models import Action, Plan
    from reports.models import AssessmentScore, Bulletin
    from tasks.models import ProgressReport, ReportingPeriod, Task

    models = {
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
    }
    return {
        name: list(model.objects.values_list("pk", flat=True)) + [987654] for name, model in models.items()
    }


# Read from the app at collection time: the schema view needs no database, and loading
# it here gives one test per operation, so a failure names the endpoint.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def aim_at_real_objects(case, known_ids):
    """Replace a generated path id with a real one chosen by it (deterministic, so
    Hypothesis can still shrink), so detail and action endpoints see real objects of
    both plans, visible and not, and a missing one. Malformed ids have their own test
    below, for every path at once."""
    collection = case.path.removeprefix("/api/").split("/", 1)[0]
    ids = known_ids.get(collection)
    for name, value in (case.path_parameters or {}).items():
        if ids and name in ("id", "pk"):
            index = value if isinstance(value, int) else sum(map(ord, str(value)))
            case.path_parameters[name] = ids[index % len(ids)]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=dt.timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_answers_5xx_and_matches_its_schema(
    case, office_token, known_ids, keep_test_connection
):
    aim_at_real_objects(case, known_ids)
    case.call_and_validate(
        headers={"Authorization": f"Token {office_token}"},
        checks=CHECKS,
    )


def test_the_schema_lists_every_documented_collection():
    paths = set(schema.raw_schema["paths"])
    for collection in (
        "plans",
        "actions",
        "tasks",
        "agencies",
        "indicators",
        "periods",
        "progress-reports",
        "indicator-values",
        "bulletins",
        "assessments",
    ):
        assert f"/api/{collection}/" in paths
        assert f"/api/{collection}/{{id}}/" in paths


ID_PATHS = sorted(
    (method.upper(), path)
    for path, item in schema.raw_schema["paths"].items()
    if "{id}" in path
    for method in item
    if method in ("get", "put", "patch", "delete", "post")
)


@pytest.mark.parametrize("method, path", ID_PATHS)
def test_a_malformed_id_in_the_path_is_refused_without_a_server_error(api_world, office_token, method, path):
    from django.test import Client

    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {office_token}")
    for bad in ("abc", "null,null", "1.5", "-1", "９"):
        response = client.generic(
            method, path.replace("{id}", bad), data="{}", content_type="application/json"
        )
        assert response.status_code in (400, 404), (method, path, bad, response.status_code)


# Values a client may put where an id or a page number goes: beyond the 64-bit range of
# the id columns (either sign), negative, fractional, in exponent notation, not a number.
HOSTILE_NUMBERS = (
    "345404374956298670702592",
    "-243349345700655628288",
    "9223372036854775808",
    "-7.6e95",
    "-1",
    "0",
    "1.5",
    "1e3",
    "abc",
    "",
)
# Once answered 500: an out-of-range integer reached the database.
REPORTED = [
    ("/api/indicator-values/", "plan", "345404374956298670702592"),
    ("/api/agencies/", "plan", "-7.6e95"),
    ("/api/tasks/", "agency", "-243349345700655628288"),
]
LIST_PATHS = sorted(
    path for path, item in schema.raw_schema["paths"].items() if "{" not in path and "get" in item
)


def _call(office_token, path, method="GET", **case_kwargs):
    case = schema[path][method].Case(**case_kwargs)
    return case.call_and_validate(headers={"Authorization": f"Token {office_token}"}, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("path, name, value", REPORTED)
def test_the_reported_out_of_range_filters_are_refused_with_a_documented_400(
    api_world, office_token, keep_test_connection, path, name, value
):
    response = _call(office_token, path, query={name: value})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == [name]
    assert body["detail"] == body["errors"][0]["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LIST_PATHS)
def test_hostile_numbers_in_every_integer_filter_and_the_page_number_are_answered_as_documented(
    api_world, office_token, keep_test_connection, path
):
    integer_params = [
        p["name"]
        for p in schema.raw_schema["paths"][path]["get"].get("parameters", [])
        if p["in"] == "query" and p["schema"].get("type") == "integer"
    ]
    assert "page" in integer_params
    for name in integer_params:
        for value in HOSTILE_NUMBERS:
            response = _call(office_token, path, query={name: value})
            # A blank filter is no filter; "1e3" as a page is past the last page.
            assert response.status_code in (200, 400, 404), (path, name, value, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", ID_PATHS)
def test_hostile_ids_in_every_path_are_answered_with_the_documented_404(
    api_world, office_token, keep_test_connection, method, path
):
    body = {"comment": ""} if method != "GET" else None
    for value in HOSTILE_NUMBERS[:-1]:
        kwargs = {"path_parameters": {"id": value}}
        if method in ("POST", "PUT", "PATCH"):
            kwargs.update(body=body, media_type="application/json")
        response = _call(office_token, path, method, **kwargs)
        assert response.status_code == 404, (method, path, value, response.status_code)
        assert response.json()["errors"][0]["code"] == "not_found"
