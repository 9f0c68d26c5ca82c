"""The API of lead consolidation: a report's role, a lead's consolidated_inputs, and the
reviews refused or allowed on a supporter's input."""

import datetime as dt

import pytest
import time_machine

from tests.tasks.test_api import token_client

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_the_entry_window():
    with time_machine.travel(BEFORE_DEADLINE, tick=True):
        yield


def _send_input(world):
    supporter = token_client("other_agency")
    created = supporter.post(
        "/api/progress-reports/",
        {"task": world.task_a1.pk, "period": world.period_a.pk, "progress_text": "配合选址2处"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "support" and body["consolidated_inputs"] == []
    submitted = supporter.post(f"/api/progress-reports/{body['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    return submitted.json()


def test_a_supporter_sends_an_input_without_percent_and_the_office_cannot_review_it(world):
    item = _send_input(world)
    assert item["state"] == "submitted" and item["percent"] is None
    office = token_client("office")
    for verb in ("approve", "return"):
        answer = office.post(f"/api/progress-reports/{item['id']}/{verb}/", {"comment": "x"}, format="json")
        assert answer.status_code == 400
        assert "牵头单位汇总" in answer.json()["detail"]


def test_the_lead_consolidates_through_the_api(world):
    item = _send_input(world)
    lead = token_client("owner")
    created = lead.post(
        "/api/progress-reports/",
        {
            "task": world.task_a1.pk,
            "period": world.period_a.pk,
            "status": "in_progress",
            "percent": "40",
            "progress_text": "汇总",
            "consolidated_inputs": [item["id"]],
        },
        format="json",
    ).json()
    assert created["role"] == "lead" and created["consolidated_inputs"] == [item["id"]]
    listing = lead.get(f"/api/progress-reports/?task={world.task_a1.pk}").json()["results"]
    assert {r["id"]: r["role"] for r in listing} == {created["id"]: "lead", item["id"]: "support"}
    assert lead.post(f"/api/progress-reports/{created['id']}/submit/").status_code == 200
    assert lead.get(f"/api/progress-reports/{item['id']}/").json()["state"] == "approved"


def test_a_wrong_input_is_a_field_error(world):
    lead = token_client("owner")
    answer = lead.post(
        "/api/progress-reports/",
        {"task": world.task_a1.pk, "period": world.period_a.pk, "consolidated_inputs": [999999]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["attr"] == "consolidated_inputs"
    supporter_item = _send_input(world)
    other = token_client("other_agency")
    patch = other.patch(
        f"/api/progress-reports/{supporter_item['id']}/",
        {"version": supporter_item["version"], "consolidated_inputs": "nope"},
        format="json",
    )
    assert patch.status_code == 400


def test_the_lead_returns_an_input_through_the_return_action(world):
    item = _send_input(world)
    lead = token_client("owner")
    assert lead.post(f"/api/progress-reports/{item['id']}/return/", {}, format="json").status_code == 400
    answer = lead.post(f"/api/progress-reports/{item['id']}/return/", {"comment": "请补充"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "returned"
    # Approving stays the office's (and refused on an input): the lead may only return it.
    assert lead.post(f"/api/progress-reports/{item['id']}/approve/").status_code == 403


@pytest.mark.parametrize("field,value", [("percent", "40"), ("status", "in_progress")])
def test_a_percent_or_status_on_an_input_is_a_400_naming_the_field_and_nothing_is_stored(world, field, value):
    from tasks.models import ProgressReport

    supporter = token_client("other_agency")
    created = supporter.post(
        "/api/progress-reports/",
        {"task": world.task_a1.pk, "period": world.period_a.pk, "progress_text": "配合选址2处", field: value},
        format="json",
    )
    assert created.status_code == 400, created.content
    body = created.json()
    assert [(e["attr"], e["code"]) for e in body["errors"]] == [(field, "not_for_input")]
    assert "配合单位材料" in body["detail"]
    assert not ProgressReport.objects.filter(agency=world.other).exists()
    # On an existing input, a PATCH carrying one is refused the same way and stores nothing.
    item = supporter.post(
        "/api/progress-reports/",
        {"task": world.task_a1.pk, "period": world.period_a.pk, "progress_text": "配合选址2处"},
        format="json",
    ).json()
    patched = supporter.patch(
        f"/api/progress-reports/{item['id']}/",
        {"version": item["version"], "progress_text": "改了", field: value},
        format="json",
    )
    assert patched.status_code == 400
    assert patched.json()["errors"][0]["attr"] == field
    report = ProgressReport.objects.get(pk=item["id"])
    assert (report.progress_text, report.percent, report.status) == ("配合选址2处", None, "")
    # Null or empty is no value: accepted.
    assert supporter.patch(
        f"/api/progress-reports/{item['id']}/", {"version": item["version"], field: None}, format="json"
    ).status_code in (200, 400)


def test_in_office_mode_a_supporter_still_sends_percent_and_status(world):
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    created = token_client("other_agency").post(
        "/api/progress-reports/",
        {
            "task": world.task_a1.pk,
            "period": world.period_a.pk,
            "progress_text": "配合选址2处",
            "percent": "40",
            "status": "in_progress",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["percent"] == "40.00"


def test_the_schema_documents_the_input_field_refusal_on_each_write(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path, method in [
        ("/api/progress-reports/", "post"),
        ("/api/progress-reports/{id}/", "patch"),
        ("/api/progress-reports/{id}/", "put"),
    ]:
        ref = schema["paths"][path][method]["responses"]["400"]["content"]["application/json"]["schema"][
            "$ref"
        ]
        text = yaml.safe_dump(schema["components"]["schemas"])
        name = ref.rsplit("/", 1)[-1]
        assert name in schema["components"]["schemas"]
        codes = {
            attr: component
            for component, body in schema["components"]["schemas"].items()
            if component.startswith(name.removesuffix("ErrorResponse400").removesuffix("ValidationError"))
            for attr in [body.get("properties", {}).get("attr", {}).get("enum", [None])[0]]
            if attr in ("percent", "status")
        }
        assert set(codes) == {"percent", "status"}, (path, method)
        for component in codes.values():
            assert "not_for_input" in schema["components"]["schemas"][component]["properties"]["code"]["enum"]
        assert "not_for_input" in text
