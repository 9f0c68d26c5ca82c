"""Property-based fuzzing of the REST API against its own OpenAPI schema.

Schemathesis reads /api/schema/ from the WSGI app (no network), generates requests for
every operation in it, valid and invalid, and sends them with an office user's token
over a small two-plan dataset. Whatever it sends, the API must not answer 5xx, and what
it answers must match the schema. New endpoints are fuzzed as soon as they appear in
the schema. Bounded: a few examples per operation and a per-example deadline.
"""

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from carbonplan.wsgi import application
from tests import factories as f

MAX_EXAMPLES = 12


@pytest.fixture
def api_world(world):
    """The access-test cast plus reports, values and a bulletin for the detail endpoints."""
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
    from agencies.models import Agency
    from indicators.models import Indicator, IndicatorValue
    from plans.models import Action, Plan
    from reports.models import Bulletin
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
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
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
