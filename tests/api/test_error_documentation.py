"""Every answer an input can get is documented, for the whole class of inputs.

Each filter of every list, each field of every request body and each parser, fed
hostile values through the real stack (the WSGI app over the test database), answers
with a status, a content type and a body that the operation's schema documents: the
checks the fuzz test runs, on the values a fuzzer may take long to draw — NUL
characters, numbers beyond 64 bits, fractions, wrong JSON types, overlong text,
malformed JSON, bytes that are not UTF-8, media types no parser reads. New operations,
filters and fields are covered as soon as they appear in the schema.
"""

import json
from urllib.parse import urlencode

import pytest
from werkzeug.test import Client as WsgiClient

from carbonplan.wsgi import application
from tests import factories as f
from tests.api.test_schemathesis import CHECKS, schema

QUERY_VALUES = (
    "\x00", "a\x00b", "abc", "-1", "0", "1.5", "1e3", "9" * 30, str(2**63), "", "１２", "2026Q5",
    "2026-13-45", "x" * 3000,
)  # fmt: skip
BODY_VALUES = (
    None, True, -1, 0, 1.5, 10**30, -(2**63), "", "\x00", "a\x00b", "x" * 20_000, "9" * 30, "2026Q5",
    "2026-13-45", [], {}, ["\x00"], [10**30], [{"indicator": "\x00", "value": "\x00"}], [{"indicator": 1}],
)  # fmt: skip
RAW_BODIES = (
    ("application/json", b"{"),
    ("application/json", b'{"progress_text": "\xff\xfe"}'),
    ("application/json", b'{"progress_text": "\\u0000", "comment": "\\u0000", "label": "\\u0000"}'),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b"1e999"),
    ("application/json", b'{"percent": 1' + b"0" * 5000 + b"}"),
    ("application/json", b""),
    ("application/json; charset=latin-1", '{"progress_text": "é"}'.encode("latin-1")),
    ("text/plain", b"hello"),
    ("application/xml", b"<a/>"),
    ("multipart/form-data; boundary=x", b"--y\r\nbroken"),
    ("multipart/form-data", b"no boundary"),
    ("application/x-www-form-urlencoded", b"comment=%00&progress_text=%ff%fe&plan=" + b"9" * 40),
)

OPERATIONS = [
    (method.upper(), path)
    for path, item in schema.raw_schema["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]
LISTS = [(m, p) for m, p in OPERATIONS if m == "GET" and "{" not in p]
WRITES = [(m, p) for m, p in OPERATIONS if m in ("POST", "PUT", "PATCH")]


def _body_fields(method, path):
    content = schema.raw_schema["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    while "$ref" in body:
        body = schema.raw_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return sorted(body.get("properties", {}))


@pytest.fixture
def stage(api_world, tokens, keep_test_connection):
    """Who gets past the access checks to the validation of each write, on which object,
    and a body that is valid but for the field under test."""
    w = api_world
    second = f.PeriodFactory(plan=w.plan_a, year=2026, quarter=2)
    draft = f.ReportFactory(task=w.task_a1, agency=w.own, period=second, state="draft", progress_text="草稿")
    submitted = w.reports[0]

    def prepare(method, path):
        token, report = tokens["agency"], draft
        if path.endswith(("/approve/", "/return/")) or path == "/api/periods/":
            token, report = tokens["office"], submitted
        if path.startswith("/api/auth/"):
            token = None
        base = {
            "/api/progress-reports/": {
                "task": w.task_a1.pk, "period": second.pk, "status": "in_progress", "percent": "10",
                "progress_text": "已完成项目选址",
            },
            "/api/progress-reports/{id}/": {"version": draft.version, "progress_text": "已完成项目选址"},
            "/api/periods/": {"plan": w.plan_a.pk, "label": "2027Q1"},
            "/api/auth/token/": {"username": "owner", "password": "wrong-password"},
            "/api/auth/password/": {"username": "owner", "old_password": "wrong", "new_password": "x" * 12},
        }.get(path, {"comment": "同意"} if path.endswith(("/approve/", "/return/")) else {})  # fmt: skip
        return token, path.replace("{id}", str(report.pk)), dict(base)

    return prepare


def _check(method, path, response):
    case = schema[path][method].Case()
    case.validate_response(response, checks=CHECKS)


def _send(method, url, *, token, body=None, content_type="application/json", query=None):
    headers = {"Authorization": f"Token {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = content_type
    return WsgiClient(application).open(
        url, method=method, query_string=urlencode(query or {}), data=body, headers=headers
    )


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", LISTS, ids=[f"{m} {p}" for m, p in LISTS])
def test_every_filter_answers_hostile_values_as_documented(
    api_world, tokens, keep_test_connection, method, path
):
    parameters = [
        p["name"] for p in schema.raw_schema["paths"][path]["get"].get("parameters", []) if p["in"] == "query"
    ]
    assert parameters
    for role in ("office", "agency"):
        for name in parameters:
            for value in QUERY_VALUES:
                response = _send(method, path, token=tokens[role], query={name: value})
                assert response.status_code < 500, (path, name, value, response.get_data(as_text=True)[:300])
                _check(method, path, response)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_every_body_field_answers_hostile_values_as_documented(stage, method, path):
    fields = _body_fields(method, path)
    token, url, base = stage(method, path)
    for name in fields or ["comment"]:
        for value in BODY_VALUES:
            body = json.dumps({**base, name: value})
            response = _send(method, url, token=token, body=body)
            assert response.status_code < 500, (url, name, value, response.get_data(as_text=True)[:300])
            _check(method, path, response)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_every_write_answers_malformed_bodies_and_media_types_as_documented(stage, method, path):
    token, url, _base = stage(method, path)
    for content_type, body in RAW_BODIES:
        response = _send(method, url, token=token, body=body, content_type=content_type)
        assert response.status_code < 500, (
            url,
            content_type,
            body[:40],
            response.get_data(as_text=True)[:300],
        )
        _check(method, path, response)


@pytest.mark.django_db
def test_more_parameters_than_django_reads_answer_the_documented_400(tokens, keep_test_connection):
    query = "&".join(f"plan={n}" for n in range(1200))
    response = WsgiClient(application).get(
        "/api/tasks/", query_string=query, headers={"Authorization": f"Token {tokens['office']}"}
    )
    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "parse_error"
    _check("GET", "/api/tasks/", response)


@pytest.mark.django_db
def test_a_null_character_in_any_filter_is_a_documented_400_naming_the_filter(tokens, keep_test_connection):
    """The reported answer: `?plan=%00` once answered a code the schema did not list."""
    for _method, path in LISTS:
        for parameter in schema.raw_schema["paths"][path]["get"].get("parameters", []):
            if parameter["in"] != "query" or parameter["name"] == "page":
                continue
            response = _send("GET", path, token=tokens["office"], query={parameter["name"]: "\x00"})
            if response.status_code == 200:  # a filter that ignores what it cannot match
                continue
            assert response.status_code == 400, (path, parameter["name"])
            assert response.json["errors"][0]["attr"] == parameter["name"]
            _check("GET", path, response)


@pytest.mark.django_db
def test_a_body_larger_than_django_reads_answers_the_documented_400(keep_test_connection):
    body = json.dumps({"username": "x" * (11 * 1024 * 1024), "password": "x"})
    response = _send("POST", "/api/auth/token/", token=None, body=body)
    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "parse_error"
    _check("POST", "/api/auth/token/", response)
