"""POST /api/channels/, …/test/ and …/deliveries/: who may, what is stored, what is refused."""

import pytest
from rest_framework.authtoken.models import Token

from agencies.channels.models import Channel, Delivery
from agencies.models import AuditEntry
from tests import factories as f

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def create(client, **body):
    return client.post("/api/channels/", body, content_type="application/json")


def test_the_office_adds_a_signed_dingtalk_robot_and_never_sees_its_secret_again(world, client, robots):
    robot = robots(secret=SECRET)
    response = create(
        api(client, world.users.office),
        plan=world.plan_a.pk,
        kind="dingtalk",
        webhook=robot.webhook(),
        secret=SECRET,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"] == "SEC…abcd"
    assert "tok123" not in body["webhook"] and body["webhook"].endswith("access_token=…23")
    assert body["plan"] == world.plan_a.pk and body["kind"] == "dingtalk" and body["paused"] is False
    assert "reminder" in body["events"] and "report_submitted" not in body["events"]
    # a non-public host is allowed with a warning (private deployments have their own)
    assert any("127.0.0.1" in w for w in body["warnings"])
    channel = Channel.objects.get()
    assert SECRET not in channel.secret_encrypted and "tok123" not in channel.webhook_encrypted
    entry = AuditEntry.objects.get(action="channel.create")
    assert (
        entry.plan == world.plan_a and SECRET not in str(entry.changes) and "tok123" not in str(entry.changes)
    )
    # read back: still masked
    detail = client.get(f"/api/channels/{channel.pk}/").json()
    assert detail["secret"] == "SEC…abcd" and SECRET not in str(detail)

    tested = client.post(f"/api/channels/{channel.pk}/test/")
    assert tested.status_code == 200
    assert tested.json()["status"] == "sent" and tested.json()["attempts"] == 1
    assert len(robot.requests) == 1 and robot.requests[0]["query"]["sign"]
    listed = client.get(f"/api/channels/{channel.pk}/deliveries/").json()
    assert listed["count"] == 1 and listed["results"][0]["event_kind"] == "test"


@pytest.mark.parametrize(
    "role, status", [("owner", 403), ("other_agency", 403), ("leader", 403), ("other_office", 404)]
)
def test_nobody_but_the_plans_office_adds_a_robot(world, client, robots, role, status):
    robot = robots()
    response = create(
        api(client, getattr(world.users, role)),
        plan=world.plan_a.pk,
        kind="dingtalk",
        webhook=robot.webhook(),
    )
    assert response.status_code == status
    assert not Channel.objects.exists() and not AuditEntry.objects.filter(action="channel.create").exists()


def test_anonymous_gets_401(world, client):
    response = create(
        client,
        plan=world.plan_a.pk,
        kind="dingtalk",
        webhook="https://oapi.dingtalk.com/robot/send?access_token=x",
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "webhook",
    [
        "http://127.0.0.1:9/robot/send?access_token=x",
        "https://127.0.0.1/robot/send?access_token=x",
        "https://10.1.2.3/robot/send?access_token=x",
        "https://169.254.169.254/latest/meta-data?access_token=x",
        "https://[::1]/robot/send?access_token=x",
        "https://[::ffff:127.0.0.1]/robot/send?access_token=x",
        "https://localhost/robot/send?access_token=x",
        "https://db.internal/robot/send?access_token=x",
        "https://intranet/robot/send?access_token=x",
        "http://oapi.dingtalk.com/robot/send?access_token=x",
        "ftp://oapi.dingtalk.com/robot/send?access_token=x",
        "https://user:pw@oapi.dingtalk.com/robot/send?access_token=x",
        "https://oapi.dingtalk.com/robot/send",
        "https://oapi.dingtalk.com/robot/send?access_token=",
        "not a url",
    ],
)
def test_webhooks_that_point_inside_or_are_not_a_robots_are_refused(world, client, webhook):
    response = create(api(client, world.users.office), plan=world.plan_a.pk, kind="dingtalk", webhook=webhook)
    assert response.status_code == 400, webhook
    body = response.json()
    assert body["errors"][0]["attr"] == "webhook" and body["detail"]
    assert not Channel.objects.exists()


def test_the_public_robot_addresses_are_taken_without_a_warning(world, client):
    client = api(client, world.users.office)
    ding = create(
        client,
        plan=world.plan_a.pk,
        kind="dingtalk",
        webhook="https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789",
    )
    wecom = create(
        client,
        plan=world.plan_a.pk,
        kind="wecom",
        webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    )
    assert (ding.status_code, wecom.status_code) == (201, 201)
    assert ding.json()["warnings"] == [] and wecom.json()["warnings"] == []
    assert wecom.json()["webhook"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693…5aaa"


def test_a_wecom_robot_has_no_secret_and_bad_input_is_named(world, client):
    client = api(client, world.users.office)
    wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1234567890"
    assert (
        create(client, plan=world.plan_a.pk, kind="wecom", webhook=wecom, secret=SECRET).json()["errors"][0][
            "attr"
        ]
        == "secret"
    )
    assert (
        create(client, plan=world.plan_a.pk, kind="sms", webhook=wecom).json()["errors"][0]["attr"] == "kind"
    )
    both = create(client, plan=world.plan_a.pk, region=world.county_a.pk, kind="wecom", webhook=wecom)
    assert both.status_code == 400 and both.json()["errors"][0]["attr"] == "non_field_errors"
    unknown = create(client, plan=world.plan_a.pk, kind="wecom", webhook=wecom, events=["nope"])
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"].startswith("events")
    assert not Channel.objects.exists()


def test_without_an_encryption_key_a_production_site_refuses_to_store_a_robot(world, client, settings):
    settings.CHANNEL_SECRET_KEYS = []
    response = create(
        api(client, world.users.office), plan=world.plan_a.pk, kind="dingtalk",
        webhook="https://oapi.dingtalk.com/robot/send?access_token=abc123",
    )  # fmt: skip
    assert response.status_code == 400
    assert "CHANNEL_SECRET_KEYS" in response.json()["detail"]
    assert not Channel.objects.exists()


def test_an_upper_office_adds_a_robot_for_its_region_and_hears_of_the_plans_below(world, client, robots):
    from plans.models import Region

    city = f.RegionFactory(name="甲市", level="city")
    Region.objects.filter(pk=world.county_a.pk).update(parent=city)
    city_office = f.UserFactory(username="city_office")
    f.role(city_office, "office", region=city)
    robot = robots()
    client = api(client, city_office)
    response = create(client, region=city.pk, kind="dingtalk", webhook=robot.webhook())
    assert response.status_code == 201 and response.json()["region"] == city.pk
    # the county's office cannot add one for the city, nor see the city's robot
    county_client = api(type(client)(), world.users.office)
    assert create(county_client, region=city.pk, kind="dingtalk", webhook=robot.webhook()).status_code == 404
    assert county_client.get(f"/api/channels/{response.json()['id']}/").status_code == 404
    assert county_client.get("/api/channels/").json()["count"] == 0
    assert client.get(f"/api/channels/?region={city.pk}").json()["count"] == 1


def test_only_the_office_reads_a_channel_and_its_deliveries(world, client, robots):
    robot = robots()
    office = api(client, world.users.office)
    pk = create(office, plan=world.plan_a.pk, kind="dingtalk", webhook=robot.webhook()).json()["id"]
    for role, status in [("owner", 404), ("leader", 403), ("other_office", 404)]:
        other = api(type(client)(), getattr(world.users, role))
        assert other.get(f"/api/channels/{pk}/").status_code == status
        assert other.get(f"/api/channels/{pk}/deliveries/").status_code == status
        assert other.post(f"/api/channels/{pk}/test/").status_code == status
    assert not Delivery.objects.exists() and robot.requests == []
