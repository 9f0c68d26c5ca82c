import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from agencies.models import AuditEntry
from tasks.models import ProgressReport
from tasks.services import (
    report_approve,
    report_get_or_create,
    report_save_draft,
    report_submit,
    report_withdraw,
)
from tests import factories as f
from tests.tasks.test_api import token_client

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
FILLED = {"status": "in_progress", "percent": "40", "progress_text": "完成光伏项目备案3个。"}


@pytest.fixture
def submitted(world):
    with time_machine.travel(BEFORE_DEADLINE, tick=True):
        report = report_get_or_create(
            task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
        )
        report_save_draft(report=report, data=FILLED, by=world.users.owner)
        return report_submit(report=report, by=world.users.owner)


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_withdrawn_report_is_a_draft_again_with_a_version_and_an_audit_entry(world, submitted):
    report = report_withdraw(report=submitted, by=world.users.colleague)
    report.refresh_from_db()
    assert report.state == ProgressReport.State.DRAFT
    assert report.submitted_at is None and report.version == submitted.version + 1
    last = report.versions.order_by("-number").first()
    assert (last.event, last.state, last.by) == ("withdrawn", "draft", world.users.colleague)
    entry = AuditEntry.objects.filter(action="report.withdraw").get()
    assert entry.changes["state"] == ["submitted", "draft"] and entry.plan == world.plan_a
    # It can be changed and submitted again.
    report_save_draft(report=report, data={"progress_text": "完成光伏项目备案4个。"}, by=world.users.owner)
    assert report_submit(report=report, by=world.users.owner).state == "submitted"


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_report_the_office_has_approved_cannot_be_withdrawn(world, submitted):
    report_approve(report=submitted, by=world.users.office)
    with pytest.raises(ValidationError, match="只有等待审核的填报可以撤回"):
        report_withdraw(report=submitted, by=world.users.owner)
    submitted.refresh_from_db()
    assert submitted.state == "approved"
    assert not AuditEntry.objects.filter(action="report.withdraw").exists()


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_closed_quarter_refuses_a_withdrawal(world, submitted):
    from tasks.periods import period_close

    period_close(period=world.period_a, by=world.users.office)
    with pytest.raises(ValidationError, match="填报已关闭"):
        report_withdraw(report=submitted, by=world.users.owner)
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_report_page_withdraws_for_the_agency_and_refuses_others(world, submitted, client):
    url = f"/tasks/reports/{submitted.pk}/withdraw/"
    client.force_login(world.users.office)
    assert client.post(url).status_code == 403
    stranger = f.UserFactory(username="stranger_staff")
    f.role(stranger, "staff", agency=world.stranger)
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    client.force_login(world.users.owner)
    form = client.get(f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/")
    assert url in form.content.decode()
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/"
    assert "已撤回" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == "draft"


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_api_withdraws_until_the_office_acts(world, submitted):
    url = f"/api/progress-reports/{submitted.pk}/withdraw/"
    assert token_client("leader").post(url).status_code == 403
    assert token_client("office").post(url).status_code == 403
    stranger = f.UserFactory(username="stranger_staff")
    f.role(stranger, "staff", agency=world.stranger)
    assert token_client("stranger_staff").post(url).status_code == 404
    owner = token_client("owner")
    response = owner.post(url)
    assert response.status_code == 200 and response.json()["state"] == "draft"
    assert owner.post(f"/api/progress-reports/{submitted.pk}/submit/").json()["state"] == "submitted"
    token_client("office").post(f"/api/progress-reports/{submitted.pk}/approve/", {}, format="json")
    refused = owner.post(url)
    assert refused.status_code == 400
    assert "只有等待审核的填报可以撤回" in refused.json()["detail"]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
FORM = {"version": "0", "status": "in_progress", "percent": "45", "progress_text": "完成光伏项目备案3个。"}


def submit_with_file(world, client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users.owner)
    url = f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/"
    upload = SimpleUploadedFile("备案表.pdf", content, content_type="application/pdf")
    response = client.post(url, {**FORM, "action": "submit", "file": upload})
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    return response, report, list(report.evidence.values_list("original_name", flat=True))


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_file_sent_with_the_submission_is_stored_before_it_submits(world, client):
    response, report, files = submit_with_file(world, client, PDF)
    assert response.status_code == 302
    assert report.state == "submitted" and files == ["备案表.pdf"]


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_refused_file_holds_the_submission_with_a_message_and_keeps_the_draft(world, client):
    response, report, files = submit_with_file(world, client, EXE)
    assert response.status_code == 400
    assert "内容与扩展名不符" in response.content.decode()
    assert report.state == "draft" and report.progress_text == FORM["progress_text"]
    assert files == []


# --- the withdrawal reaches whoever was to act on the report ------------------------------
def _queue(client, world):
    from django.urls import reverse

    response = client.get(reverse("tasks:review") + f"?plan={world.plan_a.pk}&period=2026Q1")
    return [r.pk for r in response.context["page"].object_list], response.context["counts"]


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_withdrawal_tells_the_office_and_leaves_its_queue_at_once(world, submitted, login):
    from agencies.models import Notification
    from agencies.notifications import REPORT_WITHDRAWN

    office = login(world.users.office)
    queued, counts = _queue(office, world)
    assert submitted.pk in queued and counts["submitted"] == 1
    login(world.users.owner).post(f"/tasks/reports/{submitted.pk}/withdraw/")
    office = login(world.users.office)
    queued, counts = _queue(office, world)
    assert submitted.pk not in queued and counts["submitted"] == 0 and counts["draft"] == 1
    note = Notification.objects.get(kind=REPORT_WITHDRAWN)
    assert note.user == world.users.office
    assert "县发改局" in note.title and "撤回" in note.title and "1.1" in note.title
    assert note.url == f"/tasks/reports/{submitted.pk}/"
    # The office's notice list shows it; the agency hears nothing of its own withdrawal.
    assert "撤回" in office.get("/tasks/notifications/").content.decode()
    assert not Notification.objects.filter(kind=REPORT_WITHDRAWN, user=world.users.owner).exists()


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_withdrawn_input_tells_the_lead_not_the_office(world):
    from agencies.models import Notification
    from agencies.notifications import INPUT_WITHDRAWN, REPORT_WITHDRAWN

    report = report_get_or_create(
        task=world.task_a1, agency=world.other, period=world.period_a, by=world.users.other_agency
    )
    report_save_draft(report=report, data={"progress_text": "配合完成选址2处。"}, by=world.users.other_agency)
    report_submit(report=report, by=world.users.other_agency)
    report_withdraw(report=report, by=world.users.other_agency)
    notes = Notification.objects.filter(kind=INPUT_WITHDRAWN)
    assert sorted(n.user.username for n in notes) == ["colleague", "owner"]  # the lead's staff
    assert "配合单位材料" in notes[0].title and "县交通运输局" in notes[0].title
    assert not Notification.objects.filter(kind=REPORT_WITHDRAWN).exists()
    assert not Notification.objects.filter(user=world.users.office, kind__in=[INPUT_WITHDRAWN]).exists()


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_withdrawal_through_the_api_tells_the_office_too(world, submitted):
    from agencies.models import Notification
    from agencies.notifications import REPORT_WITHDRAWN

    api = token_client("owner")
    response = api.post(f"/api/progress-reports/{submitted.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "draft"
    assert Notification.objects.filter(kind=REPORT_WITHDRAWN, user=world.users.office).count() == 1
    # Withdrawing a draft is a no-op and tells nobody again.
    api.post(f"/api/progress-reports/{submitted.pk}/withdraw/")
    assert Notification.objects.filter(kind=REPORT_WITHDRAWN).count() == 1


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_a_withdrawal_reaches_the_plans_group_robot_and_an_input_s_does_not(
    world, submitted, robots, django_capture_on_commit_callbacks
):
    from agencies.channels.models import Delivery
    from agencies.channels.services import channel_create
    from agencies.notifications import REPORT_WITHDRAWN

    robot = robots()
    channel, _ = channel_create(
        plan=world.plan_a, kind=robot.kind, webhook=robot.webhook(), secret="", keyword="", events_=None,
        mention_contacts=False, by=world.users.office,
    )  # fmt: skip
    assert REPORT_WITHDRAWN in channel.events  # a new channel carries withdrawals
    with django_capture_on_commit_callbacks(execute=True):
        report_withdraw(report=submitted, by=world.users.owner)
    delivery = Delivery.objects.get(channel=channel, event_kind=REPORT_WITHDRAWN)
    assert "撤回" in delivery.title and delivery.agency == world.own
    assert len(robot.requests) == 1 and "撤回" in str(robot.requests[0])
    # A supporter's input withdrawn from its lead stays in-app.
    report = report_get_or_create(
        task=world.task_a1, agency=world.other, period=world.period_a, by=world.users.other_agency
    )
    report_save_draft(report=report, data={"progress_text": "配合完成选址2处。"}, by=world.users.other_agency)
    report_submit(report=report, by=world.users.other_agency)
    with django_capture_on_commit_callbacks(execute=True):
        report_withdraw(report=report, by=world.users.other_agency)
    assert Delivery.objects.filter(channel=channel).count() == 1
