"""催办 by hand: from the 未报清单, the task page and the plan's agency list the office
chases late agencies with a message; the chase reaches the agency's staff, shows in the
已发催办 column and goes out at most once a day per agency."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from agencies.models import AuditEntry, Notification
from reports.chases import chase_send
from reports.models import Chase, ReminderLog
from tests import factories as f
from tests.reports.conftest import build_plan

pytestmark = pytest.mark.django_db

AFTER_DEADLINE = dt.datetime(2026, 4, 20, 2, tzinfo=dt.UTC)  # 10:00 in Beijing


def chase_url(q):
    return reverse("reports:chase", args=[q.plan_a.pk])


def missing_url(q):
    return reverse("reports:missing", args=[q.plan_a.pk])


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_the_confirmation_names_the_late_agency_with_a_default_message(quarter, login):
    q = quarter
    page = login(q.users.office).get(chase_url(q), {"period": "2026Q1", "agency": q.other.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "县交通运输局（配合单位材料 1 项未报送）" in html
    assert "县发改局" not in html  # reported on time: nothing to chase
    assert "甲县碳达峰实施方案》2026年第一季度进展填报截止日期为2026-04-10" in html
    assert f'value="{q.other.pk}"' in html and "checked" in html


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_a_chase_reaches_the_agency_and_shows_in_the_list(quarter, login, django_capture_on_commit_callbacks):
    q = quarter
    client = login(q.users.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            chase_url(q),
            {"period": "2026Q1", "agencies": [q.other.pk], "message": "请于本周五前补报 <b>进展</b>"},
        )
    assert response.status_code == 302 and response["Location"] == f"{missing_url(q)}?period=2026Q1"
    chase = Chase.objects.get()
    assert (chase.agency, chase.by, chase.sent_on) == (q.other, q.users.office, dt.date(2026, 4, 20))
    assert chase.missing_tasks == ["1.1 大力发展新能源（配合单位材料，报送牵头单位）"] and chase.task_ids == [
        q.task_a1.pk
    ]
    note = Notification.objects.get(user=q.users.other_agency, kind="chase")
    assert "【催办】" in note.title and "请于本周五前补报" in note.body and "1.1 大力发展新能源" in note.body
    assert not Notification.objects.filter(kind="chase").exclude(user=q.users.other_agency).exists()
    assert [m.to for m in mail.outbox] == [["jiaotong@example.com"]]
    entry = AuditEntry.objects.get(action="chase.send")
    assert (
        entry.actor == q.users.office and entry.plan == q.plan_a and entry.changes["agency"] == "县交通运输局"
    )

    html = client.get(response["Location"]).content.decode()
    assert "已向 县交通运输局 发送催办。" in html
    assert "1 次，最近 04-20 10:00" in html  # the 已发催办 column
    assert "人工催办" in html and "&lt;b&gt;进展" in html and "<b>进展" not in html  # the log, escaped


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_the_column_counts_automatic_reminders_and_chases(quarter, login):
    q = quarter
    log = ReminderLog.objects.create(period=q.period_a, agency=q.other, stage="urge")
    ReminderLog.objects.filter(pk=log.pk).update(sent_at=dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC))
    chase_send(plan=q.plan_a, period=q.period_a, agencies=[q.other], message="请尽快报送", by=q.users.office)
    html = login(q.users.office).get(missing_url(q), {"period": "2026Q1"}).content.decode()
    assert "2 次，最近 04-20 10:00" in html


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_a_second_chase_the_same_day_is_not_sent(quarter, login):
    q = quarter
    client = login(q.users.office)
    data = {"period": "2026Q1", "agencies": [q.other.pk], "message": "请尽快报送"}
    client.post(chase_url(q), data)
    response = client.post(chase_url(q), data, follow=True)
    assert Chase.objects.count() == 1
    assert Notification.objects.filter(kind="chase").count() == 1
    assert "县交通运输局 今天已催办过，未重复发送。" in response.content.decode()
    with time_machine.travel(AFTER_DEADLINE + dt.timedelta(days=1), tick=False):
        outcome = chase_send(
            plan=q.plan_a, period=q.period_a, agencies=[q.other], message="再次催办", by=q.users.office
        )
    assert len(outcome.sent) == 1 and Chase.objects.count() == 2


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_chasing_all_skips_agencies_that_have_reported(quarter, login):
    q = quarter
    outcome = chase_send(
        plan=q.plan_a, period=q.period_a, agencies=[q.own, q.other], message="请尽快报送", by=q.users.office
    )
    assert [c.agency for c in outcome.sent] == [q.other]
    assert outcome.nothing_missing == [q.own]


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_an_empty_message_or_no_agency_is_refused(quarter, login):
    q = quarter
    client = login(q.users.office)
    response = client.post(chase_url(q), {"period": "2026Q1", "agencies": [q.other.pk], "message": "  "})
    assert response.status_code == 200 and "请填写催办内容。" in response.content.decode()
    response = client.post(chase_url(q), {"period": "2026Q1", "message": "请尽快报送"})
    assert "请至少选择一个单位。" in response.content.decode()
    # An agency of the plan that owes nothing cannot be posted either.
    client.post(chase_url(q), {"period": "2026Q1", "agencies": [q.own.pk], "message": "请尽快报送"})
    assert not Chase.objects.exists()


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_an_outside_next_address_is_not_followed(quarter, login):
    q = quarter
    response = login(q.users.office).post(
        chase_url(q),
        {
            "period": "2026Q1",
            "agencies": [q.other.pk],
            "message": "请尽快报送",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == f"{missing_url(q)}?period=2026Q1"


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_the_buttons_are_on_the_list_the_task_page_and_the_agency_list(quarter, login):
    q = quarter
    client = login(q.users.office)
    per_agency = f"{chase_url(q)}?period=2026Q1&amp;agency={q.other.pk}"
    missing = client.get(missing_url(q), {"period": "2026Q1"}).content.decode()
    assert per_agency in missing and "催办全部未报单位" in missing
    task_page = client.get(
        reverse("reports:dashboard-task", args=[q.plan_a.pk, q.task_a1.pk]), {"period": "2026Q1"}
    ).content.decode()
    assert per_agency in task_page
    assert f"agency={q.own.pk}" not in task_page  # the lead reported
    agencies = client.get(reverse("reports:plan-agencies", args=[q.plan_a.pk]), {"period": "2026Q1"})
    html = agencies.content.decode()
    assert agencies.status_code == 200 and per_agency in html and "县发改局" in html
    assert f"agency={q.own.pk}" not in html
    leader_task_page = login(q.users.leader).get(
        reverse("reports:dashboard-task", args=[q.plan_a.pk, q.task_a1.pk]), {"period": "2026Q1"}
    )
    assert chase_url(q) not in leader_task_page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("office", 200), ("admin", 200), ("leader", 403), ("owner", 404), ("other_office", 404)],
)
@pytest.mark.parametrize("name", ["reports:chase", "reports:plan-agencies"])
def test_only_the_plans_office_chases(quarter, login, who, status, name):
    q = quarter
    client = login(getattr(q.users, who))
    assert client.get(reverse(name, args=[q.plan_a.pk]), {"period": "2026Q1"}).status_code == status
    if name == "reports:chase" and status != 200:
        response = client.post(
            reverse(name, args=[q.plan_a.pk]),
            {"period": "2026Q1", "agencies": [q.other.pk], "message": "请尽快报送"},
        )
        assert response.status_code == status and not Chase.objects.exists()


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_an_office_reading_in_english_chases_in_the_sites_language(quarter, login):
    q = quarter
    client = login(q.users.office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(chase_url(q), {"period": "2026Q1"}).content.decode()
    assert "催办全部未报单位" not in page and "(1 input for the lead not submitted)" in page
    client.post(chase_url(q), {"period": "2026Q1", "agencies": [q.other.pk], "message": "Please report"})
    note = Notification.objects.get(kind="chase")
    assert note.title.startswith("【催办】") and "尚未报送：" in note.body


@pytest.mark.parametrize("scale", [1, 3])
def test_the_agency_list_and_the_confirmation_take_the_same_queries_whatever_the_size(
    scale, world, login, django_assert_num_queries
):
    data = build_plan(10 * scale, region=world.county_a, title="规模")
    f.role(world.users.office, "office", plan=data.plan)
    for agency in data.agencies:
        chase_send(plan=data.plan, period=data.period, agencies=[agency], message="请报送", by=None)
    client = login(world.users.office)
    client.get("/")  # warm the session
    # session, user, roles, plan, periods, then the 未报清单 (reports, reminders, chases,
    # assignments) and the agencies with their task counts.
    with django_assert_num_queries(10):
        page = client.get(reverse("reports:plan-agencies", args=[data.plan.pk]), {"period": "2026Q1"})
    assert page.content.decode().count("次，最近") == 3
    # The same 未报清单, then the late agencies offered in the form.
    with django_assert_num_queries(10):
        page = client.get(reverse("reports:chase", args=[data.plan.pk]), {"period": "2026Q1"})
    assert page.content.decode().count('name="agencies"') == 3
