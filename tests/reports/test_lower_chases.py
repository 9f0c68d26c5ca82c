"""催办 one level down (上级催办): an upper office chases a lower plan's office about a task
handed down and not yet answered, or about the plan's late reports of a quarter."""

import pytest
import time_machine

from agencies.channels.models import Delivery
from agencies.channels.services import channel_create
from agencies.models import AuditEntry, Notification
from reports.models import LowerChase
from tasks.handdown import task_hand_down
from tasks.models import HandDown

pytestmark = pytest.mark.django_db


def page(plan):
    return f"/reports/plans/{plan.pk}/upper-chases/"


@pytest.fixture
def waiting(chain):
    task_hand_down(
        task=chain.upper, plans=[chain.county_plan], waiting=[chain.county_plan], by=chain.users.city_office
    )
    return HandDown.objects.get()


@time_machine.travel("2026-10-08 10:00 +0800", tick=False)
def test_the_city_chases_a_county_about_a_task_waiting_and_both_sides_see_it(chain, client, waiting):
    channel, _warnings = channel_create(
        plan=chain.county_plan, kind="dingtalk", webhook="https://oapi.dingtalk.com/robot/send?access_token=ab12",
        by=chain.users.county_office,
    )  # fmt: skip
    client.force_login(chain.users.city_office)
    upper = f"/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/"
    response = client.post(
        page(chain.county_plan),
        {"kind": "hand_down", "subject": waiting.pk, "message": "请本周内落实光伏任务", "next": upper},
    )
    assert response.status_code == 302 and response.url == upper
    chase = LowerChase.objects.get()
    assert (chase.plan, chase.kind, chase.hand_down, chase.by) == (
        chain.county_plan, "hand_down", waiting, chain.users.city_office)  # fmt: skip
    assert chase.message == "请本周内落实光伏任务"
    # The county's own office hears of it, not the city office that chased.
    notes = Notification.objects.filter(kind="chase")
    assert {n.user for n in notes} == {chain.users.county_office}
    assert chase.recipients == ["county_office"]
    assert chain.upper.title in notes.get().title
    assert Delivery.objects.filter(channel=channel, event_kind="chase").count() == 1
    entry = AuditEntry.objects.get(action="chase.lower")
    assert (entry.actor, entry.plan, entry.target_id) == (
        chain.users.city_office,
        chain.county_plan,
        str(chase.pk),
    )
    # A second chase of the same subject the same day is refused, said so, and not sent.
    again = client.post(page(chain.county_plan), {"kind": "hand_down", "subject": waiting.pk, "message": "再催"},
                        follow=True)  # fmt: skip
    assert "同一事项每天只能催办一次" in again.content.decode()
    assert LowerChase.objects.count() == 1 and Notification.objects.filter(kind="chase").count() == 1
    # Both sides list it.
    for user in (chain.users.city_office, chain.users.county_office):
        client.force_login(user)
        history = client.get(page(chain.county_plan)).content.decode()
        section = history[history.index('id="chase-history"') :]
        assert "请本周内落实光伏任务" in section and "下达任务未落实" in section
    # The county office reads the history but is offered no form to chase itself.
    assert 'name="kind"' not in history


def test_the_next_day_the_same_subject_may_be_chased_again(chain, waiting):
    from reports.lower_chases import lower_chase_send

    with time_machine.travel("2026-10-08 10:00 +0800", tick=False):
        lower_chase_send(
            plan=chain.county_plan, by=chain.users.city_office, message="一催", hand_down=waiting
        )
    with time_machine.travel("2026-10-09 09:00 +0800", tick=False):
        lower_chase_send(
            plan=chain.county_plan, by=chain.users.city_office, message="二催", hand_down=waiting
        )
    assert list(LowerChase.objects.order_by("sent_at").values_list("message", flat=True)) == ["一催", "二催"]


def test_the_city_chases_a_county_about_its_late_reports(chain, client):
    client.force_login(chain.users.city_office)
    period = chain.periods[chain.county_plan.pk]
    response = client.post(page(chain.county_plan), {"kind": "reports", "subject": period.pk, "message": ""})
    assert response.status_code == 302
    chase = LowerChase.objects.get()
    assert (chase.kind, chase.period) == ("reports", period)
    # The default message names the quarter; the details name the late agency.
    assert period.display_name in chase.message
    assert any("县发改局" in line for line in chase.details)


def test_nothing_to_chase_is_refused_clearly(chain, client, waiting):
    task_hand_down(
        task=chain.upper,
        plans=[chain.county_plan],
        links={chain.county_plan.pk: chain.county_task.pk},
        by=chain.users.city_office,
    )
    client.force_login(chain.users.city_office)
    response = client.post(
        page(chain.county_plan), {"kind": "hand_down", "subject": waiting.pk, "message": "催"}, follow=True
    )
    assert "已落实该任务，无需催办" in response.content.decode()
    # A hand-down of another plan, or nonsense, names no subject of this plan.
    other = client.post(page(chain.county2_plan), {"kind": "hand_down", "subject": waiting.pk}, follow=True)
    assert "请选择催办事项" in other.content.decode()
    assert not LowerChase.objects.exists() and not Notification.objects.filter(kind="chase").exists()


def test_the_chase_page_reads_a_fixed_number_of_queries(
    chain, client, waiting, django_assert_max_num_queries
):
    from reports.lower_chases import lower_chase_send

    client.force_login(chain.users.city_office)
    lower_chase_send(plan=chain.county_plan, by=chain.users.city_office, message="催", hand_down=waiting)
    with django_assert_max_num_queries(12) as small:
        assert client.get(page(chain.county_plan)).status_code == 200
    from tests import factories as f

    for seq in range(2, 12):
        upper = f.TaskFactory(action=chain.upper.action, seq=seq + 10, title=f"城市任务{seq}")
        task_hand_down(
            task=upper, plans=[chain.county_plan], waiting=[chain.county_plan], by=chain.users.city_office
        )
        lower_chase_send(
            plan=chain.county_plan, by=chain.users.city_office, message="催",
            hand_down=HandDown.objects.get(task=upper),
        )  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(page(chain.county_plan)).status_code == 200


def test_the_lower_plans_dashboard_offers_the_upper_office_its_chase_page_only(chain, client):
    url = f"/reports/plans/{chain.county_plan.pk}/dashboard/"
    for user, offered in ((chain.users.city_office, True), (chain.users.county_office, False),
                          (chain.users.city_leader, False)):  # fmt: skip
        client.force_login(user)
        assert (page(chain.county_plan) in client.get(url).content.decode()) is offered, user
