"""Approving and returning a report: the page and the API apply the same rules."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tasks.services import report_get_or_create, report_save_draft, report_submit

pytestmark = pytest.mark.django_db

TOO_LONG = "意" * 2001


@pytest.fixture
def submitted(world):
    # The office reviews the supporter's report itself (not through the lead's).
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    report = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=report,
        data={"status": "in_progress", "percent": "20", "progress_text": "配合选址"},
        by=world.users.other_agency,
        base_version=1,
    )
    return report_submit(report=report, by=world.users.other_agency)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("decision", ["report_approve", "report_return"])
def test_a_too_long_comment_is_refused_on_the_page_and_the_report_stays_submitted(
    client, world, submitted, decision
):
    client.force_login(world.users.office)
    response = client.post(
        reverse(f"tasks:{decision}", args=[submitted.pk]), {"comment": TOO_LONG}, follow=True
    )
    assert "审核意见不能超过 2000 字" in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.state, submitted.review_comment) == ("submitted", "")


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_too_long_comment_is_refused_by_the_api_and_the_report_stays_submitted(world, submitted, decision):
    response = api(world.users.office).post(
        f"/api/progress-reports/{submitted.pk}/{decision}/", {"comment": TOO_LONG}, format="json"
    )
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["comment"]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_the_page_and_the_api_keep_the_same_comment_for_the_same_decision(client, world, submitted):
    client.force_login(world.users.office)
    client.post(reverse("tasks:report_return", args=[submitted.pk]), {"comment": "  请补充位置  "})
    submitted.refresh_from_db()
    assert (submitted.state, submitted.review_comment) == ("returned", "请补充位置")
    report_save_draft(
        report=submitted, data={"problems": "无"}, by=world.users.other_agency, base_version=submitted.version
    )
    report_submit(report=submitted, by=world.users.other_agency)
    answer = api(world.users.office).post(
        f"/api/progress-reports/{submitted.pk}/approve/", {"comment": "  同意  "}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["review_comment"] == "同意"


def test_an_outsider_with_a_malformed_comment_still_gets_404(world, submitted):
    response = api(world.users.other_office).post(
        f"/api/progress-reports/{submitted.pk}/return/", {"comment": TOO_LONG}, format="json"
    )
    assert response.status_code == 404
