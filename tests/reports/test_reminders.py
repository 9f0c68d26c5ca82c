import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from agencies.models import AuditEntry, Notification
from reports.models import ReminderLog
from reports.reminders import missing_rows, reminders_send_due, stage_due

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE = dt.date(2026, 4, 10)


@pytest.fixture(autouse=True)
def _plan_b_reported(world):
    """乙县's only agency has reported, so the counts below are 甲县's alone."""
    from tests import factories as f

    f.ReportFactory(task=world.task_b1, agency=world.stranger, period=world.period_b, state="submitted")


def test_a_reminder_is_written_in_the_site_language_whatever_language_is_active(quarter):
    from django.utils import translation

    with translation.override("en"):
        assert reminders_send_due(today=DEADLINE - dt.timedelta(days=2)) == {"remind": 1}
    note = Notification.objects.get(user=quarter.users.other_agency)
    assert "1.1 大力发展新能源（材料未报送）" in note.body


def test_the_stage_follows_the_calendar_around_the_deadline(quarter):
    p = quarter.period_a
    assert stage_due(p, DEADLINE - dt.timedelta(days=4)) is None
    assert stage_due(p, DEADLINE - dt.timedelta(days=3)) == "remind"
    assert stage_due(p, DEADLINE - dt.timedelta(days=1)) == "remind"
    assert stage_due(p, DEADLINE) == "urge"
    assert stage_due(p, DEADLINE + dt.timedelta(days=2)) == "urge"
    assert stage_due(p, DEADLINE + dt.timedelta(days=3)) == "escalate"


def test_the_missing_list_names_agencies_whose_report_is_absent_or_still_a_draft(quarter):
    q = quarter
    rows = missing_rows(plan=q.plan_a, period=q.period_a)
    assert [(r["agency"], r["number"], r["state"]) for r in rows] == [("县交通运输局", "1.1", "材料未报送")]
    q.r1.state = "draft"
    q.r1.save()
    rows = missing_rows(plan=q.plan_a, period=q.period_a)
    assert sorted((r["agency"], r["role"], r["state"]) for r in rows) == [
        ("县交通运输局", "配合", "材料未报送"),
        ("县发改局", "牵头", "草稿未提交"),
    ]


def test_a_reminder_goes_to_the_staff_of_agencies_with_nothing_submitted_and_only_once(quarter, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    q = quarter
    assert reminders_send_due(today=DEADLINE - dt.timedelta(days=2)) == {"remind": 1}
    log = ReminderLog.objects.get()
    assert (log.agency, log.stage, log.recipients) == (q.other, "remind", ["other_agency"])
    assert log.missing_tasks == ["1.1 大力发展新能源（配合单位材料，报送牵头单位）"]
    note = Notification.objects.get(user=q.users.other_agency)
    assert note.title == "【提醒】2026年第一季度进展填报将于2026-04-10截止"
    assert "1.1 大力发展新能源（材料未报送）" in note.body
    assert [m.to for m in mail.outbox] == [["jiaotong@example.com"]]
    # 县发改局 submitted: nothing for its staff.
    assert not Notification.objects.filter(user=q.users.owner).exists()
    assert AuditEntry.objects.filter(action="reminder.remind", plan=q.plan_a).count() == 1

    # The next day's run sends nothing new.
    assert reminders_send_due(today=DEADLINE - dt.timedelta(days=1)) == {}
    assert ReminderLog.objects.count() == 1
    assert len(mail.outbox) == 1


def test_on_the_deadline_the_agency_is_urged_and_later_the_office_is_told(quarter, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    q = quarter
    assert reminders_send_due(today=DEADLINE) == {"urge": 1}
    assert Notification.objects.get(user=q.users.other_agency).title.startswith("【催办】")
    assert reminders_send_due(today=DEADLINE + dt.timedelta(days=3)) == {"escalate": 1}
    escalation = ReminderLog.objects.get(stage="escalate")
    assert escalation.agency is None
    assert escalation.recipients == ["office"]
    note = Notification.objects.get(user=q.users.office)
    assert note.title == "【通报】2026年第一季度仍有单位未报送进展"
    assert "县交通运输局：配合单位材料 1 项" in note.body
    assert note.url == f"/reports/plans/{q.plan_a.pk}/missing/?period=2026Q1"
    assert mail.outbox[-1].to == ["office@example.com"]
    # Never twice, whatever the number of runs.
    assert reminders_send_due(today=DEADLINE + dt.timedelta(days=4)) == {}
    assert ReminderLog.objects.filter(stage="escalate").count() == 1


def test_nothing_is_sent_once_everyone_has_reported(quarter):
    q = quarter
    from tests import factories as f

    f.ReportFactory(task=q.task_a1, agency=q.other, period=q.period_a, state="submitted")
    assert reminders_send_due(today=DEADLINE) == {}
    assert not ReminderLog.objects.exists()


def test_the_database_refuses_a_second_log_of_the_same_stage(quarter):
    q = quarter
    ReminderLog.objects.create(period=q.period_a, agency=q.other, stage="urge")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(period=q.period_a, agency=q.other, stage="urge")
    ReminderLog.objects.create(period=q.period_a, agency=None, stage="escalate")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(period=q.period_a, agency=None, stage="escalate")


def test_the_command_and_the_beat_job_send_the_due_stage(quarter, capsys):
    call_command("send_reminders", "--date", "2026-04-10")
    assert "提醒 0 条，催办 1 条，通报 0 条。" in capsys.readouterr().out
    from reports.jobs import send_due_reminders

    assert send_due_reminders.delay().get() == {}  # today (not near the 2026Q1 deadline)
    from django.conf import settings as dj

    assert dj.CELERY_BEAT_SCHEDULE["daily-reminders"]["task"] == send_due_reminders.name


# --- an agency the quarter was reopened for is chased against its own deadline ---------------
REOPENED_UNTIL = dt.date(2026, 4, 30)


def _reopen(q, agency, until=REOPENED_UNTIL):
    from tasks.models import PeriodReopening

    return PeriodReopening.objects.create(period=q.period_a, agency=agency, until=until)


def test_an_agency_reopened_for_is_not_urged_or_reported_before_its_new_deadline(quarter, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    q = quarter
    _reopen(q, q.other)
    assert reminders_send_due(today=DEADLINE) == {}
    assert reminders_send_due(today=DEADLINE + dt.timedelta(days=3)) == {}
    assert not ReminderLog.objects.exists()

    # Chasing follows the reopened deadline: 提醒 three days before it, 催办 on it, then the office.
    assert reminders_send_due(today=REOPENED_UNTIL - dt.timedelta(days=2)) == {"remind": 1}
    note = Notification.objects.get(user=q.users.other_agency)
    assert note.title == "【提醒】2026年第一季度进展填报将于2026-04-30截止"
    assert "截止日期为2026-04-30" in note.body
    assert reminders_send_due(today=REOPENED_UNTIL) == {"urge": 1}
    assert reminders_send_due(today=REOPENED_UNTIL + dt.timedelta(days=2)) == {}
    assert reminders_send_due(today=REOPENED_UNTIL + dt.timedelta(days=3)) == {"escalate": 1}
    assert "县交通运输局：配合单位材料 1 项" in Notification.objects.get(user=q.users.office).body


def test_the_others_are_chased_on_the_quarters_deadline_meanwhile(quarter):
    q = quarter
    q.r1.state = "draft"  # 县发改局 has not submitted either, and was not reopened for
    q.r1.save()
    _reopen(q, q.other)
    assert reminders_send_due(today=DEADLINE) == {"urge": 1}
    assert list(ReminderLog.objects.values_list("agency", flat=True)) == [q.own.pk]
    assert reminders_send_due(today=DEADLINE + dt.timedelta(days=3)) == {"escalate": 1}
    body = Notification.objects.get(user=q.users.office).body
    assert "县发改局：1 项" in body and "县交通运输局" not in body


def test_a_closed_quarter_is_chased_only_where_it_was_reopened(quarter):
    q = quarter
    q.r1.state = "draft"
    q.r1.save()
    q.period_a.is_closed = True
    q.period_a.save()
    _reopen(q, q.other)
    assert reminders_send_due(today=REOPENED_UNTIL) == {"urge": 1}
    assert ReminderLog.objects.get().agency == q.other
