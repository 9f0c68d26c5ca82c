"""GET /api/assessments/?plan=<id>&year=<YYYY> (DESIGN.md): one row per agency of the
current round, paginated; agencies get only their own row, and only once shown."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from reports.assessment import services
from reports.models import Assessment

from .conftest import compute, compute_again

pytestmark = pytest.mark.django_db
URL = "/api/assessments/"


def _get(client, user, **params):
    token = Token.objects.get_or_create(user=user)[0].key
    return client.get(URL, params, HTTP_AUTHORIZATION=f"Token {token}")


def test_the_office_gets_one_row_per_agency_with_every_component(year, client):
    compute(year)
    body = _get(client, year.users.office, plan=year.plan_a.pk, year=2025).json()
    assert body["count"] == 2 and "next" in body
    first, second = body["results"]
    assert (first["agency_name"], first["score"], first["rank"], first["grade"]) == (
        "县交通运输局",
        93.78,
        1,
        "excellent",
    )
    assert (second["agency"], second["score"], second["rank"], second["grade"]) == (
        year.own.pk,
        59.0,
        2,
        "poor",
    )
    assert second["published"] is False and second["grade_label"] == "较差"
    assert [(c["code"], c["name"], c["points"], c["max"]) for c in second["components"]] == [
        ("reporting", "按时报送", 26.0, 30.0),
        ("completion", "任务完成", 21.0, 35.0),
        ("quality", "报送质量", 10.0 - 2, 10.0),
        ("indicators", "指标进度", 0.0, 15.0),
        ("consolidation", "牵头汇总", 4.0, 10.0),
        ("adjustments", "加减分", None, 5.0),
    ]
    assert _get(client, year.users.leader, plan=year.plan_a.pk, year=2025).json()["count"] == 2
    assert _get(client, year.users.other_office, plan=year.plan_a.pk, year=2025).json()["count"] == 0
    assert _get(client, year.users.office, plan=year.plan_a.pk, year=2024).json()["count"] == 0


def test_agencies_get_their_own_row_of_the_latest_round_shown_to_them(year, client):
    assessment = compute(year)
    assert _get(client, year.users.owner, plan=year.plan_a.pk, year=2025).json()["count"] == 0
    today = timezone.localdate()
    services.assessment_open_objections(
        assessment=assessment, opens_on=today + dt.timedelta(days=2), closes_on=today + dt.timedelta(days=9),
        by=year.users.office,
    )  # fmt: skip
    # Not before the window's first day.
    assert _get(client, year.users.owner, plan=year.plan_a.pk, year=2025).json()["count"] == 0
    Assessment.objects.filter(pk=assessment.pk).update(
        state="published", published_at=timezone.now(), objection_opens_on=today - dt.timedelta(days=9),
        objection_closes_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    rows = _get(client, year.users.owner, plan=year.plan_a.pk, year=2025).json()["results"]
    assert [(r["agency"], r["published"], r["round"]) for r in rows] == [(year.own.pk, True, 1)]
    # A second round in draft: the office sees it, the agency still the published one.
    revised = services.assessment_revise(
        assessment=Assessment.objects.get(pk=assessment.pk), by=year.users.office
    )
    compute_again(assessment_id=revised.pk, today=year.as_of)
    office_rows = _get(client, year.users.office, plan=year.plan_a.pk, year=2025).json()["results"]
    assert {(r["round"], r["published"]) for r in office_rows} == {(2, False)}
    rows = _get(client, year.users.owner, plan=year.plan_a.pk, year=2025).json()["results"]
    assert [(r["round"], r["published"]) for r in rows] == [(1, True)]
    detail = client.get(
        f"{URL}{rows[0]['id']}/", HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=year.users.owner).key}"
    )
    assert detail.status_code == 200
    other_row = next(r for r in office_rows if r["agency"] == year.other.pk)
    hidden = client.get(
        f"{URL}{other_row['id']}/", HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=year.users.owner).key}"
    )
    assert hidden.status_code == 404


def test_an_agency_without_a_task_has_a_null_score(year, client):
    from decimal import Decimal

    assessment = compute(year, today=dt.date(2025, 3, 1))
    rows = _get(client, year.users.office, plan=year.plan_a.pk, year=2025).json()["results"]
    assert {r["score"] for r in rows} == {None} and {r["rank"] for r in rows} == {None}
    assert all(c["points"] is None for r in rows for c in r["components"])
    assert assessment.scores.filter(score=Decimal(100)).count() == 0


@pytest.mark.parametrize("params", [{"year": "2025.5"}, {"year": "1999"}, {"year": "abc"}, {"plan": "-1"}])
def test_a_malformed_filter_is_a_400_naming_it(year, client, params):
    response = _get(client, year.users.office, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error" and body["errors"][0]["attr"] == next(iter(params))


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401


def test_the_schema_documents_the_list_and_its_errors(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/assessments/"]["get"]
    assert {"plan", "year", "page"} <= {p["name"] for p in operation["parameters"]}
    assert {"200", "400", "401"} <= set(operation["responses"])
    row = schema["components"]["schemas"]["AssessmentScore"]["properties"]
    assert {"agency", "score", "rank", "grade", "components", "published"} <= set(row)
