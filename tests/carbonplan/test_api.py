"""The read API: token auth, scoping to what the user may see, pagination, query counts."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f

LISTS = [
    "plans",
    "actions",
    "tasks",
    "agencies",
    "indicators",
    "periods",
    "progress-reports",
    "indicator-values",
    "bulletins",
]


@pytest.fixture
def api():
    return APIClient()


def token_for(api, username):
    response = api.post("/api/auth/token/", {"username": username, "password": "carbonplan"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_token_is_issued_for_the_right_password_only(world, api):
    assert token_for(api, "office")
    response = api.post("/api/auth/token/", {"username": "office", "password": "wrong"}, format="json")
    assert response.status_code == 400


def test_the_api_refuses_anonymous_callers(world, api):
    for name in LISTS:
        assert api.get(f"/api/{name}/").status_code == 401, name


def test_a_user_of_one_region_does_not_see_another_regions_plans(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'office')}")
    titles = [p["title"] for p in api.get("/api/plans/").json()["results"]]
    assert titles == ["甲县碳达峰实施方案"]
    assert api.get(f"/api/plans/{world.plan_b.pk}/").status_code == 404
    tasks = api.get("/api/tasks/").json()["results"]
    assert {t["title"] for t in tasks} == {"大力发展新能源", "推进绿色交通"}
    agencies = {a["name"] for a in api.get("/api/agencies/").json()["results"]}
    assert agencies == {"县发改局", "县交通运输局"}

    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'other_office')}")
    assert [p["title"] for p in api.get("/api/plans/").json()["results"]] == ["乙县碳达峰实施方案"]
    assert api.get(f"/api/tasks/{world.task_a1.pk}/").status_code == 404


def test_agency_staff_see_only_the_tasks_their_agency_carries(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'owner')}")
    assert [t["title"] for t in api.get("/api/tasks/").json()["results"]] == ["大力发展新能源"]
    assert [p["title"] for p in api.get("/api/plans/").json()["results"]] == ["甲县碳达峰实施方案"]


def test_agency_staff_read_their_own_and_their_supporters_reports_only(world, api):
    mine = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a)
    supporter = f.ReportFactory(task=world.task_a1, agency=world.other, period=world.period_a)
    elsewhere = f.ReportFactory(task=world.task_a2, agency=world.other, period=world.period_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'owner')}")
    ids = {r["id"] for r in api.get("/api/progress-reports/").json()["results"]}
    assert ids == {mine.pk, supporter.pk}
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'other_agency')}")
    ids = {r["id"] for r in api.get("/api/progress-reports/").json()["results"]}
    assert ids == {supporter.pk, elsewhere.pk}


def test_lists_filter_by_plan_and_paginate(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'admin')}")
    for n in range(60):
        f.TaskFactory(action=world.action_a, seq=100 + n)
    page = api.get(f"/api/tasks/?plan={world.plan_a.pk}").json()
    assert page["count"] == 62
    assert len(page["results"]) == 50 and page["next"]
    second = api.get(page["next"]).json()
    assert len(second["results"]) == 12 and second["next"] is None
    assert api.get(f"/api/tasks/?plan={world.plan_b.pk}").json()["count"] == 1
    assert api.get(f"/api/periods/?plan={world.plan_b.pk}").json()["results"][0]["label"] == "2026Q1"
    assert api.get(f"/api/indicators/?plan={world.plan_a.pk}").json()["count"] == 1


def grow(world, n):
    """Add n tasks with two agencies, reports and indicator values to plan A."""
    for i in range(n):
        task = f.TaskFactory(action=world.action_a, seq=1000 + i + n * 10)
        lead = f.AgencyFactory(region=world.county_a)
        f.AssignmentFactory(task=task, agency=lead, role="lead")
        f.AssignmentFactory(task=task, agency=world.own, role="support")
        f.ReportFactory(task=task, agency=world.own, period=world.period_a)
        ind = f.IndicatorFactory(plan=world.plan_a, task=task)
        f.IndicatorValueFactory(indicator=ind, period=world.period_a, agency=lead)


@pytest.mark.parametrize("name", LISTS)
def test_list_endpoints_use_the_same_number_of_queries_for_3_or_30_rows(
    world, api, name, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, 'owner')}")
    grow(world, 3)
    with CaptureQueriesContext(connection) as small:
        assert api.get(f"/api/{name}/?plan={world.plan_a.pk}").status_code == 200
    grow(world, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(f"/api/{name}/?plan={world.plan_a.pk}").status_code == 200
    assert len(small.captured_queries) <= 8, [q["sql"] for q in small.captured_queries]


def test_openapi_schema_and_local_docs_page(world, api, client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/progress-reports/" in response.content
    client.force_login(world.users.office)
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_a_token_request_whose_body_is_not_an_object_is_refused_not_a_server_error(world, api):
    for body in ([1, 2], "owner", 42):
        response = api.post("/api/auth/token/", body, format="json")
        assert response.status_code == 400, (body, response.status_code)
