"""Every reporting URL walked by the whole cast: owner and colleague (staff of the
lead agency), other_agency (a supporter with its own report), office, other plan's
office, leader (read-only) and anonymous."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.evidence import evidence_add
from tasks.models import Evidence
from tasks.services import report_get_or_create, report_save_draft, report_submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CAST = ["owner", "colleague", "other_agency", "office", "other_office", "leader", "anonymous"]


@pytest.fixture
def reports(world):
    own = report_get_or_create(
        task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
    )
    report_save_draft(
        report=own,
        data={"status": "in_progress", "percent": "50", "progress_text": "进展"},
        by=world.users.owner,
        base_version=own.version,
    )
    evidence = evidence_add(
        report=own,
        upload=SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"),
        by=world.users.owner,
    )
    submitted = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=submitted,
        data={"progress_text": "配合进展"},  # an input to the lead: progress alone
        by=world.users.other_agency,
        base_version=submitted.version,
    )
    submitted = report_submit(report=submitted, by=world.users.other_agency)
    return own, submitted, evidence


def _client(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world.users, who))
    return client


def _urls(world, reports):
    own, supporter, evidence = reports
    t, p = world.task_a1.pk, world.period_a.pk
    return {
        "home": ("get", reverse("tasks:agency_home"), {}),
        "form": ("get", reverse("tasks:report_form", args=[t, p]), {}),
        "form_other_task": ("get", reverse("tasks:report_form", args=[world.task_a2.pk, p]), {}),
        "autosave": ("json", reverse("tasks:report_autosave", args=[t, p]), {"problems": "无"}),
        "detail": ("get", reverse("tasks:report_detail", args=[own.pk]), {}),
        "supporter_detail": ("get", reverse("tasks:report_detail", args=[supporter.pk]), {}),
        "history": ("get", reverse("tasks:report_history", args=[own.pk]), {}),
        "evidence": ("get", reverse("tasks:evidence_download", args=[evidence.pk]), {}),
        "approve": ("post", reverse("tasks:report_approve", args=[supporter.pk]), {}),
        "return": ("post", reverse("tasks:report_return", args=[supporter.pk]), {"comment": "补充"}),
        "review": ("get", reverse("tasks:review") + f"?plan={world.plan_a.pk}", {}),
        "period": ("get", reverse("tasks:period_settings", args=[p]), {}),
        "workbook": ("get", reverse("tasks:workbook_download", args=[p]), {}),
        "upload": ("get", reverse("tasks:workbook_upload", args=[p]), {}),
        "notifications": ("get", reverse("tasks:notifications"), {}),
        "evidence_delete": ("post", reverse("tasks:evidence_delete", args=[evidence.pk]), {}),
        "evidence_upload": ("upload", reverse("tasks:evidence_upload", args=[t, p]), {}),
        "period_close": ("post", reverse("tasks:period_settings", args=[p]), {"action": "close"}),
    }


# What each user gets; 302 means it worked and redirected (or, for anonymous, to login).
# fmt: off
EXPECTED = {
    #                    owner colleague other office other_office leader anonymous
    "home":             (200, 200, 200, 302, 302, 302, 302),
    "form":             (200, 200, 200, 403, 404, 403, 302),
    "form_other_task":  (404, 404, 200, 403, 404, 403, 302),
    "autosave":         (200, 200, 400, 403, 404, 403, 302),  # other's own report is already submitted
    "detail":           (200, 200, 404, 200, 404, 200, 302),
    "supporter_detail": (200, 200, 200, 200, 404, 200, 302),
    "history":          (200, 200, 404, 200, 404, 200, 302),
    "evidence":         (200, 200, 404, 200, 404, 200, 302),
    "approve":          (403, 403, 403, 302, 404, 403, 302),
    "return":           (403, 403, 403, 302, 404, 403, 302),
    "review":           (404, 404, 404, 200, 404, 200, 302),  # office pages: 404 to agency staff
    "period":           (404, 404, 404, 200, 404, 403, 302),
    "workbook":         (200, 200, 200, 403, 404, 403, 302),
    "upload":           (200, 200, 200, 403, 404, 403, 302),
    "notifications":    (200, 200, 200, 200, 200, 200, 302),
    "evidence_delete":  (302, 302, 404, 403, 404, 403, 302),
    "evidence_upload":  (302, 302, 302, 403, 404, 403, 302),
    "period_close":     (404, 404, 404, 302, 404, 403, 302),
}
# fmt: on


@pytest.mark.parametrize("name", list(EXPECTED))
@pytest.mark.parametrize("who", CAST)
def test_every_reporting_url_answers_each_user_as_the_access_rules_say(client, world, reports, name, who):
    method, url, data = _urls(world, reports)[name]
    client = _client(client, world, who)
    if method == "get":
        response = client.get(url)
    elif method == "json":
        response = client.post(
            url, data={**data, "version": reports[0].version}, content_type="application/json"
        )
    elif method == "upload":
        response = client.post(url, {"file": SimpleUploadedFile("新证明.pdf", PDF)})
    else:
        response = client.post(url, data)
    expected = EXPECTED[name][CAST.index(who)]
    assert response.status_code == expected, (name, who, response.status_code)
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_refused_writes_leave_nothing_behind(client, world, reports):
    for who in ("office", "other_office", "leader"):
        client.force_login(getattr(world.users, who))
        client.post(
            reverse("tasks:evidence_upload", args=[world.task_a1.pk, world.period_a.pk]),
            {"file": SimpleUploadedFile("x.pdf", PDF)},
        )
    assert Evidence.objects.count() == 1
    client.force_login(world.users.leader)
    client.post(reverse("tasks:period_settings", args=[world.period_a.pk]), {"action": "close"})
    world.period_a.refresh_from_db()
    assert world.period_a.is_closed is False


def test_the_approve_that_worked_changed_the_report_and_a_refused_one_did_not(client, world, reports):
    _own, supporter, _evidence = reports
    # The office reviews a supporter's report only when it reviews every agency's.
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    client.force_login(world.users.leader)
    client.post(reverse("tasks:report_approve", args=[supporter.pk]))
    supporter.refresh_from_db()
    assert supporter.state == "submitted"
    client.force_login(world.users.office)
    client.post(reverse("tasks:report_approve", args=[supporter.pk]))
    supporter.refresh_from_db()
    assert supporter.state == "approved"


def test_the_agency_home_shows_nothing_of_other_agencies(client, world, reports):
    client.force_login(world.users.other_agency)
    body = client.get(reverse("tasks:agency_home")).content.decode()
    assert world.task_a1.title in body and world.task_a2.title in body
    assert world.task_b1.title not in body
    client.force_login(world.users.owner)
    body = client.get(reverse("tasks:agency_home")).content.decode()
    assert world.task_a2.title not in body
    assert "草稿" in body


def test_an_evidence_download_returns_the_stored_bytes(client, world, reports):
    client.force_login(world.users.office)
    response = client.get(reverse("tasks:evidence_download", args=[reports[2].pk]))
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_deleting_evidence_removes_the_row_and_the_file(
    client, world, reports, django_capture_on_commit_callbacks
):
    evidence = reports[2]
    path = evidence.file.path
    client.force_login(world.users.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tasks:evidence_delete", args=[evidence.pk]))
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    import os

    assert not os.path.exists(path)
