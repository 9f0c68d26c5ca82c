import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from agencies.models import AuditEntry, Notification
from tasks.models import ProgressReport, ProgressReportVersion
from tasks.periods import period_close, period_get_or_create, period_reopen_for_agency, period_set_dates
from tasks.services import (
    ReportConflict,
    report_approve,
    report_get_or_create,
    report_return,
    report_save_draft,
    report_submit,
)

pytestmark = pytest.mark.django_db

# 2026Q1 of the world fixture: opens 2026-03-16, deadline 2026-04-10.
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
AFTER_DEADLINE = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)

FILLED = {"status": "in_progress", "percent": "40", "progress_text": "完成光伏项目备案3个。"}


@pytest.fixture
def draft(world):
    return report_get_or_create(
        task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
    )


def test_a_new_quarter_gets_its_deadline_ten_days_after_the_quarter_ends(world):
    period = period_get_or_create(plan=world.plan_a, year=2026, quarter=2)
    assert period.deadline == dt.date(2026, 7, 10)
    assert period.opens_on < period.ends_on


def test_the_office_moves_a_deadline_and_the_change_is_audited(world):
    period_set_dates(period=world.period_a, deadline=dt.date(2026, 4, 15), by=world.users.office)
    world.period_a.refresh_from_db()
    assert world.period_a.deadline == dt.date(2026, 4, 15)
    entry = AuditEntry.objects.get(action="period.dates")
    assert entry.changes["deadline"] == ["2026-04-10", "2026-04-15"]


def test_a_deadline_before_the_entry_window_opens_is_refused(world):
    with pytest.raises(ValidationError):
        period_set_dates(period=world.period_a, deadline=dt.date(2026, 3, 1), by=world.users.office)


def test_saving_a_draft_bumps_the_version_and_records_who_changed_what(world, draft):
    report, _warnings = report_save_draft(
        report=draft, data=FILLED, by=world.users.owner, base_version=draft.version
    )
    assert report.version == 2
    assert report.percent == Decimal("40")
    version = report.versions.get()
    assert version.event == "saved"
    assert version.by == world.users.owner
    assert set(version.changed_fields) == {"status", "percent", "progress_text"}
    assert AuditEntry.objects.filter(action="report.save", target_id=str(report.pk)).count() == 1


def test_saving_unchanged_text_makes_no_new_version(world, draft):
    report, _ = report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    report, _ = report_save_draft(report=report, data=FILLED, by=world.users.owner, base_version=2)
    assert report.version == 2
    assert report.versions.count() == 1


def test_a_save_from_a_stale_tab_is_refused_and_carries_the_current_text(world, draft):
    report_save_draft(
        report=draft, data={"progress_text": "第一个窗口"}, by=world.users.owner, base_version=1
    )
    with pytest.raises(ReportConflict) as caught:
        report_save_draft(
            report=draft, data={"progress_text": "第二个窗口"}, by=world.users.colleague, base_version=1
        )
    assert caught.value.report.progress_text == "第一个窗口"
    assert "合并" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.progress_text == "第一个窗口"


def test_a_percent_outside_0_to_100_is_refused_with_a_message(world, draft):
    with pytest.raises(ValidationError) as caught:
        report_save_draft(report=draft, data={"percent": "120"}, by=world.users.owner, base_version=1)
    assert "0–100" in str(caught.value)


def test_submit_requires_status_percent_and_progress_text(world, draft):
    with pytest.raises(ValidationError) as caught:
        report_submit(report=draft, by=world.users.owner)
    assert "推进状态" in caught.value.messages[0] and "进展情况" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.state == "draft"


@time_machine.travel(BEFORE_DEADLINE)
def test_submitting_twice_makes_one_submission(world, draft):
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    first = report_submit(report=draft, by=world.users.owner)
    second = report_submit(report=draft, by=world.users.owner)
    assert first.pk == second.pk and second.state == "submitted"
    assert second.version == first.version
    assert ProgressReportVersion.objects.filter(report=draft, event="submitted").count() == 1
    assert Notification.objects.filter(user=world.users.office, kind="report_submitted").count() == 1
    assert first.is_late is False


@time_machine.travel(AFTER_DEADLINE)
def test_a_submission_after_the_deadline_is_recorded_late(world, draft):
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    assert report_submit(report=draft, by=world.users.owner).is_late is True


@time_machine.travel(AFTER_DEADLINE)
def test_a_reopening_for_the_agency_makes_a_late_submission_on_time(world, draft):
    period_reopen_for_agency(
        period=world.period_a, agency=world.own, until=dt.date(2026, 4, 30), by=world.users.office
    )
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    assert report_submit(report=draft, by=world.users.owner).is_late is False


def test_a_closed_period_refuses_writes_with_a_clear_message(world, draft):
    period_close(period=world.period_a, by=world.users.office)
    with pytest.raises(ValidationError) as caught:
        report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    assert "已关闭" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.progress_text == ""


def test_a_closed_period_reopened_for_one_agency_accepts_that_agency_only(world, draft):
    period_close(period=world.period_a, by=world.users.office)
    period_reopen_for_agency(
        period=world.period_a, agency=world.own, until=dt.date(2099, 1, 1), by=world.users.office
    )
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    with pytest.raises(ValidationError):
        report_get_or_create(
            task=world.task_a1, agency=world.other, period=world.period_a, by=world.users.other_agency
        )


@time_machine.travel(BEFORE_DEADLINE)
def test_return_then_resubmit_then_approve_keeps_every_version_and_notifies(world, draft, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.users.owner.email = "owner@example.org"
    world.users.owner.save()
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    report = report_submit(report=draft, by=world.users.owner)
    with pytest.raises(ValidationError):
        report_return(report=report, by=world.users.office, comment="  ")
    report = report_return(report=report, by=world.users.office, comment="请补充项目名称")
    assert report.state == "returned" and report.return_count == 1
    assert Notification.objects.filter(user=world.users.owner, kind="report_returned").exists()
    report, _ = report_save_draft(
        report=report,
        data={"progress_text": "完成光伏项目备案3个：甲、乙、丙。"},
        by=world.users.owner,
        base_version=report.version,
    )
    assert report.state == "returned"
    report = report_submit(report=report, by=world.users.owner)
    report = report_approve(report=report, by=world.users.office)
    assert report.state == "approved"
    events = list(report.versions.order_by("number").values_list("event", flat=True))
    assert events == ["saved", "submitted", "returned", "saved", "submitted", "approved"]
    assert Notification.objects.filter(user=world.users.colleague, kind="report_approved").exists()
    with pytest.raises(ValidationError):
        report_save_draft(
            report=report, data={"problems": "x"}, by=world.users.owner, base_version=report.version
        )


@time_machine.travel(BEFORE_DEADLINE)
def test_email_goes_out_only_after_the_transaction_commits(
    world, draft, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.users.office.email = "office@example.org"
    world.users.office.save()
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=draft, by=world.users.owner)
    assert [m.to for m in mail.outbox] == [["office@example.org"]]
    assert "县发改局" in mail.outbox[0].subject


def test_only_a_submitted_report_can_be_reviewed(world, draft):
    with pytest.raises(ValidationError) as caught:
        report_approve(report=draft, by=world.users.office)
    assert "只有已提交" in caught.value.messages[0]
    assert ProgressReport.objects.get(pk=draft.pk).state == "draft"


def test_an_agency_not_carrying_the_task_cannot_open_a_report_on_it(world):
    with pytest.raises(ValidationError):
        report_get_or_create(
            task=world.task_a2, agency=world.own, period=world.period_a, by=world.users.owner
        )


@time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC))
def test_submitting_before_the_entry_window_opens_is_refused_but_the_draft_saves(world, draft):
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    with pytest.raises(ValidationError) as caught:
        report_submit(report=draft, by=world.users.owner)
    assert "2026-03-16" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.progress_text == FILLED["progress_text"]


@time_machine.travel(BEFORE_DEADLINE)
def test_the_audit_of_a_resubmission_records_that_it_left_the_returned_state(world, draft):
    report_save_draft(report=draft, data=FILLED, by=world.users.owner, base_version=1)
    report = report_submit(report=draft, by=world.users.owner)
    report = report_return(report=report, by=world.users.office, comment="请补充项目名称")
    report_submit(report=report, by=world.users.owner)
    submissions = AuditEntry.objects.filter(action="report.submit", target_id=str(draft.pk)).order_by("id")
    assert [entry.changes["state"] for entry in submissions] == [
        ["draft", "submitted"],
        ["returned", "submitted"],
    ]
