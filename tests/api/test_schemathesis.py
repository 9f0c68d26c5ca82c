"""Property-based fuzzing of the REST API against its own OpenAPI schema.

The fuzz test serves the API as it is deployed — gunicorn with two workers over a
database of the run's engine (a SQLite file, or PostgreSQL), seeded with a small
two-plan world (tests/api/live_site.py) — and runs the schemathesis CLI against it with
two workers, 30 examples per operation (CARBONPLAN_FUZZ_EXAMPLES for more), once for
each role (the plan's office, an
agency's staff, a leader), with its four conformance checks: no answer is a server
error, and each answer's status, content type and body are the ones the schema
documents for that operation. New endpoints are fuzzed as soon as they appear in the
schema. Explicit hostile inputs that a client once turned into server errors (out of
range, negative, fractional and non-numeric ids in paths, filters and page numbers)
are checked in-process below.
"""

import os

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carbonplan.wsgi import application
from tests.api.live_site import ROLES, LiveAPI

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Read from the app at collection time: the schema view needs no database, and loading
# it here gives one test per operation, so a failure names the endpoint.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


# --- the live fuzz --------------------------------------------------------------------

# Examples per operation and role, on each engine: 30 (the schema's coverage phase adds
# its boundary cases to them). CARBONPLAN_FUZZ_EXAMPLES asks for a deeper run; CI's time
# is what keeps these down: each example is a real request through gunicorn, and at 100
# the fuzz was a third of each run.
EXAMPLES = int(os.environ.get("CARBONPLAN_FUZZ_EXAMPLES") or 30)
SEED = 20261207  # fixed, so a failure is reproduced by running the test again


@pytest.fixture(scope="module")
def live_api(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), LiveAPI(tmp_path_factory.mktemp("live-api")) as api:
        yield api


@pytest.mark.parametrize("role", ROLES)
def test_fuzzing_the_live_api_finds_no_server_error_and_no_undocumented_answer(live_api, role):
    report = live_api.fuzz(role, examples=EXAMPLES, seed=SEED)
    operations, cases = report.get("operations", {}), report.get("test_cases", {})
    print(
        f"\n{role}: {operations.get('tested')} operations, {cases.get('generated')} test cases, "
        f"{cases.get('unique_failures')} failures, {len(report.get('errors', []))} errors, "
        f"{report.get('running_time', 0):.0f} s"
    )
    assert report.get("complete"), report["console"]
    assert operations["tested"] == operations["total"] > 0, report["console"]
    assert cases["generated"] >= EXAMPLES * operations["tested"], report["console"]
    assert not report["failures"] and not report["errors"], report["console"]
    assert report["returncode"] == 0, report["console"]


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
        "projects",
        "project-updates",
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
