"""The office's pages for its group robots."""

from agencies.channels.models import Channel, Delivery
from agencies.models import AuditEntry
from tests import factories as f


def test_the_office_adds_tests_pauses_resumes_and_deletes_a_robot_from_the_plans_pages(world, login, robots):
    robot = robots(secret="SEC" + "1" * 64)
    client = login(world.users.office)
    page = client.get(f"/agencies/plans/{world.plan_a.pk}/channels/")
    assert page.status_code == 200 and "还没有群机器人" in page.content.decode()
    bad = client.post(
        f"/agencies/plans/{world.plan_a.pk}/channels/",
        {"kind": "dingtalk", "webhook": "https://10.0.0.5/robot/send?access_token=x", "events": ["reminder"]},
    )
    assert bad.status_code == 400 and "内网" in bad.content.decode() and not Channel.objects.exists()
    added = client.post(
        f"/agencies/plans/{world.plan_a.pk}/channels/",
        {"kind": "dingtalk", "name": "甲县工作群", "webhook": robot.webhook(), "secret": "SEC" + "1" * 64,
         "events": ["reminder", "chase"]},
        follow=True,
    )  # fmt: skip
    channel = Channel.objects.get()
    assert added.status_code == 200 and channel.events == ["reminder", "chase"]
    html = added.content.decode()
    assert "SEC…1111" in html and "1" * 20 not in html and "tok123" not in html

    tested = client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "test"}, follow=True)
    assert "测试消息已送达" in tested.content.decode() and len(robot.requests) == 1
    client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "pause"})
    channel.refresh_from_db()
    assert channel.is_paused
    client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "resume"})
    channel.refresh_from_db()
    assert not channel.is_paused

    # a blank webhook and secret keep the stored ones
    client.post(
        f"/agencies/channels/{channel.pk}/",
        {"name": "新名称", "webhook": "", "secret": "", "events": ["chase"]},
    )
    channel.refresh_from_db()
    assert channel.name == "新名称" and channel.events == ["chase"] and channel.secret_hint == "SEC…1111"
    client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "test"})
    assert robot.sent[-1] and len(robot.requests) == 2 and Delivery.objects.filter(status="sent").count() == 2

    client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "delete"})
    assert not Channel.objects.exists()
    assert list(AuditEntry.objects.filter(target_type="agencies.channel").order_by("id").values_list("action", flat=True)) == [
        "channel.create", "channel.test", "channel.pause", "channel.resume", "channel.update", "channel.test",
        "channel.delete",
    ]  # fmt: skip


def test_a_failed_delivery_shows_its_error_and_is_resent(
    world, login, robots, django_capture_on_commit_callbacks
):
    robot = robots()
    robot.script = [("errcode", 300001, "token is not exist")]
    from agencies.channels.services import channel_create

    channel, _ = channel_create(
        plan=world.plan_a, kind="dingtalk", webhook=robot.webhook(), by=world.users.office
    )
    client = login(world.users.office)
    client.post(f"/agencies/channels/{channel.pk}/action/", {"action": "test"})
    d = Delivery.objects.get()
    page = client.get(f"/agencies/channels/{channel.pk}/").content.decode()
    assert (
        "发送失败" in page and "token is not exist" in page and f"/agencies/deliveries/{d.pk}/resend/" in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/agencies/deliveries/{d.pk}/resend/")
    d.refresh_from_db()
    assert (d.status, d.attempts, len(robot.requests)) == ("sent", 1, 2)
    assert AuditEntry.objects.filter(action="delivery.resend", plan=world.plan_a).exists()


def test_the_deliveries_page_costs_the_same_queries_with_many_deliveries(
    world, login, django_assert_max_num_queries
):
    from agencies.channels.services import channel_create

    channel, _ = channel_create(
        plan=world.plan_a, kind="wecom", webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
        by=world.users.office,
    )  # fmt: skip
    client = login(world.users.office)

    def add(n, start):
        Delivery.objects.bulk_create(
            Delivery(
                channel=channel,
                event_key=f"k{start + i}",
                event_kind="chase",
                title=f"催办{i}",
                agency=world.own,
            )
            for i in range(n)
        )

    add(3, 0)
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"/agencies/channels/{channel.pk}/").status_code == 200
    add(40, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/agencies/channels/{channel.pk}/").status_code == 200


def test_a_city_office_configures_a_robot_for_its_region(world, login, robots):
    from plans.models import Region

    city = f.RegionFactory(name="甲市", level="city")
    Region.objects.filter(pk=world.county_a.pk).update(parent=city)
    city_office = f.UserFactory(username="city_office")
    f.role(city_office, "office", region=city)
    robot = robots()
    client = login(city_office)
    response = client.post(
        f"/agencies/regions/{city.pk}/channels/",
        {"kind": "dingtalk", "webhook": robot.webhook(), "events": ["chase"]},
    )
    assert response.status_code == 302 and Channel.objects.get().region == city
    # the county plan's page lists it as an upper channel
    assert "甲市" in client.get(f"/agencies/plans/{world.plan_a.pk}/channels/").content.decode()
    assert login(world.users.office).get(f"/agencies/regions/{city.pk}/channels/").status_code == 404
