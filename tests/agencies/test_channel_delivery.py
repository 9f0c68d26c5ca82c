"""Delivery like a mail system, against a fake robot on 127.0.0.1: one post per event and
channel, retries with backoff on 5xx, timeouts and rate limits, none on a wrong key or
signature, a channel paused after ten failures in a row."""

import datetime as dt
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from agencies.channels.models import Channel, Delivery
from agencies.channels.sending import deliveries_send_due
from agencies.channels.services import channel_create, channel_resume, channels_rotate_secrets
from agencies.jobs import send_delivery
from agencies.models import Notification
from agencies.notifications import notify, notify_report_reviewed
from tasks.services import report_return
from tests import factories as f

SECRET = "SECfedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432"


def add_channel(world, robot, *, plan=None, region=None, secret="", keyword="", events=None, mention=False):
    owner = {"region": region} if region is not None else {"plan": plan or world.plan_a}
    channel, _ = channel_create(
        **owner, kind=robot.kind, webhook=robot.webhook(), secret=secret, keyword=keyword, events_=events,
        mention_contacts=mention, by=world.users.office,
    )  # fmt: skip
    return channel


def submitted(world):
    return f.ReportFactory(
        task=world.task_a1, agency=world.own, period=world.period_a, state="submitted", status="in_progress",
        percent=Decimal("40"), progress_text="已建成充电桩12个", submitted_at=timezone.now(),
    )  # fmt: skip


def return_report(world, capture, comment="请补充充电桩验收材料"):
    report = submitted(world)
    with capture(execute=True):
        report_return(report=report, by=world.users.office, comment=comment)
    report.refresh_from_db()
    return report


def event(world, key, capture, kind="report_returned"):
    with capture(execute=True):
        notify(
            users=[],
            kind=kind,
            title=f"事件 {key}",
            body="内容",
            url="/tasks/",
            plan=world.plan_a,
            event_key=key,
        )
    return Delivery.objects.filter(event_key=key).order_by("pk").first()


def test_a_returned_report_is_posted_once_signed_with_a_link_back_and_nobody_mentioned(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots(secret=SECRET)
    add_channel(world, robot, secret=SECRET)
    report = return_report(world, django_capture_on_commit_callbacks)
    assert len(robot.requests) == 1
    body = robot.sent[0]
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["text"]
    assert "被退回" in text and "请补充充电桩验收材料" in text
    assert f"(https://carbon.example.gov.cn/tasks/report/{report.task_id}/{report.period_id}/)" in text or (
        "(https://carbon.example.gov.cn/tasks/" in text
    )
    assert body["at"] == {"atMobiles": [], "isAtAll": False} and "@" not in text
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 1, "")
    assert delivery.event_key == f"report:{report.pk}:v{report.version}:report_returned"

    # the job again (a broker redelivery), and the same notice raised again: nothing more
    send_delivery.delay(delivery_id=delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notify_report_reviewed(report=report)
    assert len(robot.requests) == 1 and Delivery.objects.count() == 1


def test_a_robot_that_answers_500_once_gets_the_message_on_the_retry_30_seconds_later(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    robot.script = [("status", 500)]
    channel = add_channel(world, robot)
    return_report(world, django_capture_on_commit_callbacks)
    d = Delivery.objects.get()
    assert (d.status, d.attempts, len(robot.requests)) == ("retrying", 1, 1)
    assert "HTTP 500" in d.error
    assert d.next_attempt_at - d.last_attempt_at == dt.timedelta(seconds=30)
    # not due yet: the sweep leaves it
    assert deliveries_send_due(now=d.last_attempt_at + dt.timedelta(seconds=10))["queued"] == 0
    send_delivery.delay(delivery_id=d.pk)  # a duplicate job ahead of its time does nothing
    assert len(robot.requests) == 1
    deliveries_send_due(now=d.next_attempt_at)
    d.refresh_from_db()
    assert (d.status, d.attempts, d.error, len(robot.requests)) == ("sent", 2, "", 2)
    channel.refresh_from_db()
    assert channel.consecutive_failures == 0
    assert robot.sent[0] == robot.sent[1]


def test_backoff_doubles_from_30_seconds_to_30_minutes_and_gives_up_after_8_attempts(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    robot.script = [("status", 502)] * 8
    add_channel(world, robot)
    d = event(world, "backoff", django_capture_on_commit_callbacks)
    delays = []
    while d.status == "retrying":
        delays.append(int((d.next_attempt_at - d.last_attempt_at).total_seconds()))
        deliveries_send_due(now=d.next_attempt_at)
        d.refresh_from_db()
    assert delays == [30, 60, 120, 240, 480, 960, 1800]
    assert (d.status, d.attempts, len(robot.requests)) == ("failed", 8, 8)
    assert d.error.startswith("已尝试 8 次仍未送达") and "HTTP 502" in d.error
    assert deliveries_send_due(now=d.last_attempt_at + dt.timedelta(days=1))["queued"] == 0


def test_a_timeout_is_retried(world, robots, settings, django_capture_on_commit_callbacks):
    robot = robots()
    settings.CHANNEL_TIMEOUT_SECONDS = 0.5
    robot.script = [("sleep", 1.5)]
    add_channel(world, robot)
    d = event(world, "slow", django_capture_on_commit_callbacks)
    assert (d.status, d.error) == ("retrying", "连接超时")
    deliveries_send_due(now=d.next_attempt_at)
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 2)


@pytest.mark.parametrize("kind, code, wait", [("dingtalk", 130101, 600), ("wecom", 45009, 60)])
def test_a_rate_limit_waits_the_robots_window_and_does_not_count_as_a_failure(
    world, robots, django_capture_on_commit_callbacks, kind, code, wait
):
    robot = robots(kind=kind)
    robot.script = [("errcode", code, "send too fast")]
    channel = add_channel(world, robot)
    d = event(world, "busy", django_capture_on_commit_callbacks)
    assert (d.status, d.errcode) == ("retrying", code)
    assert d.next_attempt_at - d.last_attempt_at == dt.timedelta(seconds=wait)
    channel.refresh_from_db()
    assert channel.consecutive_failures == 0
    deliveries_send_due(now=d.next_attempt_at)
    d.refresh_from_db()
    assert d.status == "sent"


def test_a_wrong_signature_keyword_or_key_fails_at_once_and_is_never_retried(
    world, robots, django_capture_on_commit_callbacks
):
    signed = robots(secret=SECRET)
    add_channel(world, signed, secret="SEC" + "0" * 64)  # not the robot's secret
    keyed = robots(keyword="碳达峰")
    add_channel(world, keyed)  # the robot wants a keyword the channel does not know
    wecom = robots(kind="wecom", token="right-key")
    channel, _ = channel_create(
        plan=world.plan_a, kind="wecom", webhook=wecom.webhook(token="wrong-key"), by=world.users.office
    )
    event(world, "refused", django_capture_on_commit_callbacks)
    got = {d.pk: d for d in Delivery.objects.all()}
    assert sorted((d.status, d.attempts, d.errcode) for d in got.values()) == [
        ("failed", 1, 93000), ("failed", 1, 310000), ("failed", 1, 310000),
    ]  # fmt: skip
    assert any("sign not match" in d.error for d in got.values())
    assert any("keywords not in content" in d.error for d in got.values())
    deliveries_send_due(now=timezone.now() + dt.timedelta(hours=2))
    assert [len(r.requests) for r in (signed, keyed, wecom)] == [1, 1, 1]


def test_the_keyword_is_carried_when_the_channel_has_it(world, robots, django_capture_on_commit_callbacks):
    robot = robots(keyword="碳达峰")
    add_channel(world, robot, keyword="碳达峰")
    d = event(world, "kw", django_capture_on_commit_callbacks)
    assert d.status == "sent"


def test_a_channel_failing_ten_times_in_a_row_is_paused_and_its_office_told(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    robot.script = [("errcode", 300001, "token is not exist")] * 10
    channel = add_channel(world, robot)
    for n in range(10):
        event(world, f"e{n}", django_capture_on_commit_callbacks)
    channel.refresh_from_db()
    assert channel.is_paused and channel.consecutive_failures == 10
    assert "连续 10 次发送失败" in channel.pause_reason
    notice = Notification.objects.get(user=world.users.office, kind="channel_paused")
    assert notice.url == f"/agencies/plans/{world.plan_a.pk}/channels/"
    # while paused: stored as held, nothing posted
    held = event(world, "while-paused", django_capture_on_commit_callbacks)
    assert held.status == "held" and len(robot.requests) == 10
    channel_resume(channel=channel, by=world.users.office)
    from agencies.channels.sending import delivery_resend

    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(delivery=held, by=world.users.office)
    held.refresh_from_db()
    assert held.status == "sent" and len(robot.requests) == 11


def test_mentions_are_off_by_default_and_name_the_agencys_contact_when_on(
    world, robots, django_capture_on_commit_callbacks
):
    world.own.contact_phone = "13800138000"
    world.own.save()
    ding = robots()
    add_channel(world, ding, mention=True)
    wecom = robots(kind="wecom")
    add_channel(world, wecom, mention=True)
    quiet = robots()
    add_channel(world, quiet)
    return_report(world, django_capture_on_commit_callbacks)
    assert (
        ding.sent[0]["at"]["atMobiles"] == ["13800138000"]
        and "@13800138000" in ding.sent[0]["markdown"]["text"]
    )
    assert wecom.sent[0]["msgtype"] == "text"
    assert wecom.sent[0]["text"]["mentioned_mobile_list"] == ["13800138000"]
    assert "https://carbon.example.gov.cn/tasks/" in wecom.sent[0]["text"]["content"]
    assert quiet.sent[0]["at"]["atMobiles"] == []


def test_a_regions_channel_hears_of_the_plans_below_and_only_the_kinds_it_chose(
    world, robots, django_capture_on_commit_callbacks
):
    from plans.models import Region

    province = f.RegionFactory(name="甲省", level="province")
    city = f.RegionFactory(name="甲市", level="city", parent=province)
    Region.objects.filter(pk=world.county_a.pk).update(parent=city)
    world.plan_a.region.refresh_from_db()
    upper = robots()
    add_channel(world, upper, region=province)
    only_approvals = robots()
    add_channel(world, only_approvals, events=["report_approved"])
    elsewhere = robots()
    add_channel(world, elsewhere, plan=world.plan_b)
    return_report(world, django_capture_on_commit_callbacks)
    assert [len(r.requests) for r in (upper, only_approvals, elsewhere)] == [1, 0, 0]
    # a submission is not posted unless chosen
    report = f.ReportFactory(task=world.task_a2, agency=world.other, period=world.period_a, state="submitted")
    from agencies.notifications import notify_report_submitted

    with django_capture_on_commit_callbacks(execute=True):
        notify_report_submitted(report=report)
    assert len(upper.requests) == 1


def test_reminders_chases_and_bulletins_reach_the_channels_through_the_one_entry_point(
    world, robots, django_capture_on_commit_callbacks
):
    from reports.chases import chase_send
    from reports.models import Bulletin, ReminderLog
    from reports.reminders import reminder_send
    from reports.services import bulletin_publish

    robot = robots()
    channel = add_channel(world, robot)
    with django_capture_on_commit_callbacks(execute=False):
        log = reminder_send(
            period=world.period_a, stage=ReminderLog.Stage.URGE, agency=world.own,
            rows=[{"number": "1.1", "task": "大力发展新能源", "state": "未填报"}],
        )  # fmt: skip
        outcome = chase_send(
            plan=world.plan_a,
            period=world.period_a,
            agencies=[world.other],
            message="请今天内提交",
            by=world.users.office,
        )
        bulletin = Bulletin.objects.create(plan=world.plan_a, period=world.period_a, version=1, state="done")
        bulletin_publish(bulletin=bulletin, by=world.users.office)
    kinds = dict(Delivery.objects.filter(channel=channel).values_list("event_key", "event_kind"))
    assert kinds[f"reminder:{log.pk}"] == "reminder"
    assert kinds[f"chase:{outcome.sent[0].pk}"] == "chase"
    assert kinds[f"bulletin:{bulletin.pk}:published"] == "bulletin_published"
    chase = Delivery.objects.get(event_kind="chase")
    assert chase.agency == world.other and "请今天内提交" in chase.body


def test_a_new_kind_of_notice_reaches_channels_by_registering_it(
    world, robots, django_capture_on_commit_callbacks
):
    from agencies.channels import events

    robot = robots()
    add_channel(
        world,
        robot,
        events=[*events.default_kinds(), "report_withdrawn"]
        if "report_withdrawn" in events.EVENT_KINDS
        else None,
    )
    assert event(world, "w1", django_capture_on_commit_callbacks, kind="report_approved").status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[], kind="not_registered", title="x", plan=world.plan_a, event_key="w2")
    assert not Delivery.objects.filter(event_key="w2").exists()
    events.register("year_assessment", "年度考核结果")
    try:
        Channel.objects.update(events=["year_assessment"])
        assert event(world, "w3", django_capture_on_commit_callbacks, kind="year_assessment").status == "sent"
    finally:
        del events.EVENT_KINDS["year_assessment"]


def test_user_text_cannot_inject_links_or_markup_into_the_message(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    add_channel(world, robot)
    return_report(
        world, django_capture_on_commit_callbacks,
        comment="[点我领奖](http://evil.example) <font color=red>紧急</font> **加粗**\n# 标题 ![x](http://evil.example/a.png)",
    )  # fmt: skip
    text = robot.sent[0]["markdown"]["text"]
    assert (
        "](http://evil" not in text
        and "<font" not in text
        and "**加粗" not in text
        and "\n# 标题" not in text
    )
    assert "点我领奖" in text and "紧急" in text


def test_without_a_site_address_the_message_asks_to_log_in(
    world, robots, settings, django_capture_on_commit_callbacks
):
    robot = robots()
    settings.SITE_URL = ""
    add_channel(world, robot)
    event(world, "nolink", django_capture_on_commit_callbacks)
    text = robot.sent[0]["markdown"]["text"]
    assert "请登录系统查看" in text and "](" not in text


def test_an_address_that_turns_internal_is_refused_when_sending(
    world, robots, settings, django_capture_on_commit_callbacks
):
    from agencies.channels import crypto

    robot = robots()
    channel = add_channel(world, robot)
    settings.CHANNEL_WEBHOOK_ALLOWED_NETWORKS = []  # the allow-list removed after saving
    d = event(world, "ssrf1", django_capture_on_commit_callbacks)
    assert d.status == "failed" and "内网" in d.error and d.attempts == 1
    # a name that resolves to loopback, however it got stored
    Channel.objects.filter(pk=channel.pk).update(
        webhook_encrypted=crypto.encrypt(f"http://localhost:{robot.port}/robot/send?access_token=tok123")
    )
    d = event(world, "ssrf2", django_capture_on_commit_callbacks)
    assert d.status == "failed" and "内网" in d.error
    assert robot.requests == []


def test_secrets_survive_a_key_rotation_and_a_dropped_key_says_so(
    world, robots, settings, django_capture_on_commit_callbacks
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CHANNEL_SECRET_KEYS = [old]
    robot = robots(secret=SECRET)
    channel = add_channel(world, robot, secret=SECRET)
    settings.CHANNEL_SECRET_KEYS = [new, old]
    assert channels_rotate_secrets() == 1
    settings.CHANNEL_SECRET_KEYS = [new]
    assert event(world, "after-rotation", django_capture_on_commit_callbacks).status == "sent"
    settings.CHANNEL_SECRET_KEYS = [Fernet.generate_key().decode()]
    d = event(world, "key-lost", django_capture_on_commit_callbacks)
    assert d.status == "failed" and "无法解密" in d.error and len(robot.requests) == 1
    channel.refresh_from_db()
    assert channel.secret_hint == "SEC…5432"


def test_a_delivery_left_sending_by_a_dead_worker_is_marked_failed_not_resent(
    world, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    add_channel(world, robot)
    d = event(world, "stuck", django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=d.pk).update(
        status="sending", last_attempt_at=timezone.now() - dt.timedelta(minutes=20)
    )
    send_delivery.delay(delivery_id=d.pk)
    assert deliveries_send_due()["stuck"] == 1
    d.refresh_from_db()
    assert d.status == "failed" and "结果未知" in d.error and len(robot.requests) == 1
