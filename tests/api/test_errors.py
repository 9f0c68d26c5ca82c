"""The API's error body and its documentation in /api/schema/."""

import pytest
from django.test import Client
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from carbonplan.api_errors import Conflict
from tests.api.test_schemathesis import schema

OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in schema.raw_schema["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]


def _resolve(node):
    while "$ref" in node:
        node = schema.raw_schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _bodies(response):
    body = _resolve(response["content"]["application/json"]["schema"])
    return [_resolve(choice) for choice in body.get("oneOf", [body])]


@pytest.mark.parametrize("method, path, operation", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_operation_documents_its_errors_with_their_body(method, path, operation):
    codes = {code for code in operation["responses"] if code.startswith(("4", "5"))}
    assert {"404", "405", "500"} <= codes
    if path not in ("/api/auth/token/", "/api/auth/password/"):  # public: they take a password
        assert "401" in codes
    # Every write can be refused; a read only where its access helper refuses a
    # read-only user (a group robot's settings are the office's alone).
    assert ("403" in codes) == (method != "GET" or path.startswith("/api/channels/"))
    # 414 is the HTTP server's refusal of an overlong request line, in its own text.
    assert list(operation["responses"]["414"]["content"]) == ["text/html"]
    for code in codes - {"414"}:
        for body in _bodies(operation["responses"][code]):
            assert {"type", "errors", "detail"} <= set(body["required"]), (method, path, code)


def test_a_progress_report_change_documents_the_409_of_a_stale_version_or_a_duplicate():
    paths = schema.raw_schema["paths"]
    assert "409" in paths["/api/progress-reports/"]["post"]["responses"]
    assert "409" in paths["/api/progress-reports/{id}/"]["patch"]["responses"]
    assert "409" in paths["/api/progress-reports/{id}/"]["put"]["responses"]
    assert "409" not in paths["/api/progress-reports/{id}/approve/"]["post"]["responses"]
    (body,) = _bodies(paths["/api/progress-reports/"]["post"]["responses"]["409"])
    assert body["properties"]["id"]["type"] == "integer"


def test_a_filter_documents_the_codes_of_its_range_check():
    (validation, _parse) = _bodies(schema.raw_schema["paths"]["/api/tasks/"]["get"]["responses"]["400"])
    errors = _resolve(validation["properties"]["errors"]["items"])
    by_attr = {_resolve(c)["properties"]["attr"]["enum"][0]: _resolve(c) for c in errors["oneOf"]}
    assert set(by_attr["plan"]["properties"]["code"]["enum"]) == {"invalid", "min_value", "max_value"}


@pytest.mark.django_db
def test_an_error_answers_the_standard_body_with_the_text_also_under_detail(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users.office)
    response = client.get("/api/tasks/?plan=9223372036854775808")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    (error,) = body["errors"]
    assert error["attr"] == "plan" and error["code"] == "max_value"
    assert body["detail"] == error["detail"] and "9223372036854775807" in error["detail"]

    missing = client.get("/api/tasks/not-an-id/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json()["errors"][0]["code"] == "not_found"
    assert missing.json()["detail"]


def test_a_conflict_carries_its_extra_fields_in_the_body():
    class Duplicate(APIView):
        authentication_classes = []
        permission_classes = []

        def post(self, request):
            raise Conflict("该单位本季度已有此任务的填报。", id=42)

    response = Duplicate.as_view()(APIRequestFactory().post("/api/progress-reports/"))
    assert response.status_code == 409
    assert response.data == {
        "type": "client_error",
        "errors": [{"code": "conflict", "detail": "该单位本季度已有此任务的填报。", "attr": None}],
        "detail": "该单位本季度已有此任务的填报。",
        "id": 42,
    }
