import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tasks.models import ProgressReport

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


def token_client(username):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": username, "password": "carbonplan"})
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def create_payload(world, **extra):
    data = {
        "task": world.task_a1.pk,
        "period": world.period_a.pk,
        "status": "in_progress",
        "percent": "60",
        "progress_text": "新建充电桩12个",
        "problems": "",
        "next_steps": "继续推进",
    }
    data.update(extra)
    return data


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_an_agency_creates_a_draft_submits_and_the_office_returns_then_approves(world):
    agency = token_client("owner")
    created = agency.post("/api/progress-reports/", create_payload(world), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "draft" and body["agency"] == world.own.pk and body["version"] == 2
    rid = body["id"]
    submitted = agency.post(f"/api/progress-reports/{rid}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    again = agency.post(f"/api/progress-reports/{rid}/submit/")
    assert again.status_code == 200 and again.json()["version"] == submitted.json()["version"]

    office = token_client("office")
    assert (
        office.post(f"/api/progress-reports/{rid}/return/", {"comment": ""}, format="json").status_code == 400
    )
    returned = office.post(f"/api/progress-reports/{rid}/return/", {"comment": "请补充位置"}, format="json")
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert returned.json()["review_comment"] == "请补充位置"

    version = returned.json()["version"]
    patched = agency.patch(
        f"/api/progress-reports/{rid}/",
        {"version": version, "progress_text": "新建充电桩12个，位于城区"},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert agency.post(f"/api/progress-reports/{rid}/submit/").json()["state"] == "submitted"
    approved = office.post(f"/api/progress-reports/{rid}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    events = list(ProgressReport.objects.get(pk=rid).versions.values_list("event", flat=True))
    assert events == ["saved", "submitted", "returned", "saved", "submitted", "approved"]


def test_a_patch_without_or_with_a_stale_version_is_refused(world):
    agency = token_client("owner")
    rid = agency.post("/api/progress-reports/", create_payload(world), format="json").json()["id"]
    assert agency.patch(f"/api/progress-reports/{rid}/", {"problems": "x"}, format="json").status_code == 400
    assert (
        agency.patch(
            f"/api/progress-reports/{rid}/", {"version": 2, "problems": "a"}, format="json"
        ).status_code
        == 200
    )
    stale = agency.patch(f"/api/progress-reports/{rid}/", {"version": 2, "problems": "b"}, format="json")
    assert stale.status_code == 409
    assert "合并" in stale.json()["detail"]
    assert ProgressReport.objects.get(pk=rid).problems == "a"


def test_api_refuses_bad_percent_and_a_second_report_for_the_same_task(world):
    agency = token_client("owner")
    assert (
        agency.post("/api/progress-reports/", create_payload(world, percent="150"), format="json").status_code
        == 400
    )
    assert agency.post("/api/progress-reports/", create_payload(world), format="json").status_code == 201
    again = agency.post("/api/progress-reports/", create_payload(world), format="json")
    assert again.status_code == 400 and "已有此任务的填报" in again.content.decode()


def test_api_access_rules_match_the_pages(world):
    owner = token_client("owner")
    rid = owner.post("/api/progress-reports/", create_payload(world), format="json").json()["id"]
    url = f"/api/progress-reports/{rid}/"
    leader = token_client("leader")
    assert leader.get(url).status_code == 200
    assert leader.patch(url, {"version": 2, "problems": "x"}, format="json").status_code == 403
    assert leader.post("/api/progress-reports/", create_payload(world), format="json").status_code == 403
    assert leader.post(url + "approve/").status_code == 403
    other_office = token_client("other_office")
    assert other_office.get(url).status_code == 404
    assert other_office.post(url + "approve/").status_code == 404
    other_agency = token_client("other_agency")
    assert other_agency.get(url).status_code == 404
    assert other_agency.patch(url, {"version": 2, "problems": "x"}, format="json").status_code == 404
    assert owner.post(url + "approve/").status_code == 403
    stranger_task = owner.post(
        "/api/progress-reports/",
        create_payload(world, task=world.task_b1.pk, period=world.period_b.pk),
        format="json",
    )
    assert stranger_task.status_code == 400
    assert APIClient().get("/api/progress-reports/").status_code == 401
    listing = token_client("other_agency").get(f"/api/progress-reports/?plan={world.plan_a.pk}").json()
    assert listing["results"] == []


def test_the_list_query_count_does_not_grow_with_reports(world, django_assert_max_num_queries):
    from tests import factories as f

    office = token_client("office")
    for i in range(3):
        f.ReportFactory(
            task=f.TaskFactory(action=world.action_a, seq=50 + i), agency=world.own, period=world.period_a
        )
    with django_assert_max_num_queries(8) as small:
        office.get("/api/progress-reports/")
    for i in range(20):
        f.ReportFactory(
            task=f.TaskFactory(action=world.action_a, seq=80 + i), agency=world.own, period=world.period_a
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert office.get("/api/progress-reports/").json()["count"] == 23


@pytest.mark.parametrize("bad", ["abc", "1.5", "-1"])
def test_a_malformed_report_id_is_a_404_not_a_server_error(world, bad):
    office = token_client("office")
    assert office.post(f"/api/progress-reports/{bad}/approve/").status_code == 404
    assert office.patch(f"/api/progress-reports/{bad}/", {"version": 1}, format="json").status_code == 404


def test_a_second_creation_is_answered_with_the_existing_id_and_changes_nothing(world):
    agency = token_client("owner")
    first = agency.post(
        "/api/progress-reports/", create_payload(world, progress_text="第一次"), format="json"
    )
    assert first.status_code == 201
    colleague = token_client("colleague")
    again = colleague.post(
        "/api/progress-reports/", create_payload(world, progress_text="第二次"), format="json"
    )
    assert again.status_code == 400
    body = again.json()
    assert (body["detail"], body["id"]) == (
        "该单位本季度已有此任务的填报，请在原填报上修改。",
        first.json()["id"],
    )
    report = ProgressReport.objects.get()
    assert (report.progress_text, report.version) == ("第一次", 2)
    assert list(report.versions.values_list("event", flat=True)) == ["saved"]
