"""上级下达任务待落实: the upper office hands a task down without linking; the lower office
sees it waiting and answers it itself, by linking one of its tasks or creating one."""

import pytest
from rest_framework.test import APIClient

from agencies.models import AuditEntry
from tasks.handdown import task_hand_down
from tasks.models import HandDown, Task

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def handed(chain, *plans):
    plans = plans or (chain.county_plan,)
    task_hand_down(task=chain.upper, plans=plans, waiting=plans, by=chain.users.city_office)
    return {hd.plan_id: hd for hd in HandDown.objects.filter(task=chain.upper)}


def test_handing_down_without_a_link_records_the_plan_as_waiting_and_makes_no_task(chain):
    response = api(chain.users.city_office).post(
        f"/api/tasks/{chain.upper.pk}/hand-down/",
        {"plans": [chain.county_plan.pk, chain.county2_plan.pk], "waiting": [chain.county_plan.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    # 平江县 gets a created task; 岳阳县 is only handed the task, answering it itself.
    assert [row["plan"] for row in response.json()] == [chain.county2_plan.pk]
    assert not Task.objects.filter(parent=chain.upper, action__plan=chain.county_plan).exists()
    waiting = HandDown.objects.waiting().get()
    assert (waiting.plan, waiting.by) == (chain.county_plan, chain.users.city_office)
    assert AuditEntry.objects.filter(action="task.hand_down", changes__state="waiting").count() == 1
    listed = api(chain.users.county_office).get(f"/api/hand-downs/?plan={chain.county_plan.pk}&waiting=true")
    assert [(r["task"], r["answer"]) for r in listed.json()["results"]] == [(chain.upper.pk, None)]
    # Handing it down again changes nothing.
    again = api(chain.users.city_office).post(
        f"/api/tasks/{chain.upper.pk}/hand-down/",
        {"plans": [chain.county_plan.pk], "waiting": [chain.county_plan.pk]},
        format="json",
    )
    assert again.status_code == 201 and again.json() == []
    assert HandDown.objects.count() == 2


def test_a_waiting_plan_not_among_the_plans_is_refused_by_name(chain):
    response = api(chain.users.city_office).post(
        f"/api/tasks/{chain.upper.pk}/hand-down/",
        {"plans": [chain.county2_plan.pk], "waiting": [chain.county_plan.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "waiting"
    assert not HandDown.objects.exists()


@pytest.mark.parametrize(
    "waiting, status",
    [([], 201), (None, 400), ("1", 400), ([0], 400), (list(range(1, 202)), 400)],
)
def test_an_empty_waiting_list_hands_every_plan_down_with_a_task(chain, waiting, status):
    """`waiting: []` says no plan waits for its own office, as leaving it out does."""
    response = api(chain.users.city_office).post(
        f"/api/tasks/{chain.upper.pk}/hand-down/",
        {"plans": [chain.county_plan.pk], "waiting": waiting},
        format="json",
    )
    assert response.status_code == status, response.content
    if status == 201:
        assert [row["plan"] for row in response.json()] == [chain.county_plan.pk]
        assert not HandDown.objects.waiting().exists()
    else:
        assert response.json()["errors"][0]["attr"] == "waiting"
        assert not Task.objects.filter(parent=chain.upper).exists()


def test_the_county_office_sees_the_task_waiting_and_links_its_own_suggested_task(chain, client):
    hd = handed(chain)[chain.county_plan.pk]
    client.force_login(chain.users.county_office)
    dashboard = client.get(f"/reports/plans/{chain.county_plan.pk}/dashboard/").content.decode()
    assert "上级下达任务待落实" in dashboard and chain.upper.title in dashboard
    assert f"/tasks/handed-down/{hd.pk}/" in dashboard
    home = client.get("/").content.decode()
    assert "上级下达任务待落实 1 项" in home
    page = client.get(f"/tasks/handed-down/{hd.pk}/").content.decode()
    # The most similar task of its plan is suggested and chosen; the office confirms it.
    assert f'<option value="{chain.county_task.pk}" selected>' in page
    assert chain.county_other.title not in page
    response = client.post(f"/tasks/handed-down/{hd.pk}/", {"link": str(chain.county_task.pk)})
    assert response.status_code == 302
    chain.county_task.refresh_from_db()
    assert (chain.county_task.parent, chain.county_task.link_kind) == (chain.upper, "linked")
    chain.county_indicator.refresh_from_db()
    assert chain.county_indicator.parent == chain.upper_indicator
    entry = AuditEntry.objects.get(action="task.hand_down_answer")
    assert (entry.actor, entry.target_id) == (chain.users.county_office, str(chain.county_task.pk))
    assert not HandDown.objects.waiting().exists()
    dashboard = client.get(f"/reports/plans/{chain.county_plan.pk}/dashboard/").content.decode()
    assert "上级下达任务待落实" not in dashboard
    # The county office may not take the link back; answering again is refused.
    assert client.post(f"/tasks/{chain.county_task.pk}/unlink/").status_code == 403
    again = client.post(f"/tasks/handed-down/{hd.pk}/", {"link": str(chain.county_other.pk)}, follow=True)
    assert "本方案已由任务" in again.content.decode()
    chain.county_other.refresh_from_db()
    assert chain.county_other.parent is None
    # The city sees the answer on the upper task's page, no longer waiting.
    client.force_login(chain.users.city_office)
    upper = client.get(
        f"/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/"
    ).content.decode()
    section = upper[upper.index('id="handed-down"') :]
    assert chain.county_task.title in section and "已下达、待下级落实" not in section


def test_the_county_office_creates_a_task_through_the_api(chain):
    hd = handed(chain, chain.county2_plan)[chain.county2_plan.pk]
    response = api(chain.users.county2_office).post(
        f"/api/hand-downs/{hd.pk}/answer/", {"title": "平江县光伏发电建设"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = Task.objects.get(pk=response.json()["id"])
    assert (created.parent, created.link_kind, created.title) == (
        chain.upper,
        "created",
        "平江县光伏发电建设",
    )
    assert created.action.plan == chain.county2_plan
    assert response.json()["parent"] == chain.upper.pk
    assert [a.agency for a in created.assignments.all()] == [chain.county2_lead]
    listed = api(chain.users.city_office).get(f"/api/hand-downs/?task={chain.upper.pk}")
    assert [r["answer"] for r in listed.json()["results"]] == [created.pk]


@pytest.mark.parametrize(
    "link, message",
    [
        ("other_plan", "不是岳阳县碳达峰实施方案的现行任务"),
        ("answers_another", "已承接另一项上级任务"),
    ],
)
def test_a_task_the_county_may_not_link_is_refused_and_nothing_changes(chain, link, message):
    hd = handed(chain)[chain.county_plan.pk]
    if link == "other_plan":
        task_id = chain.county2_task.pk
    else:
        task_hand_down(
            task=chain.city_other,
            plans=[chain.county_plan],
            links={chain.county_plan.pk: chain.county_task.pk},
            by=chain.users.city_office,
        )
        task_id = chain.county_task.pk
    response = api(chain.users.county_office).post(
        f"/api/hand-downs/{hd.pk}/answer/", {"task": task_id}, format="json"
    )
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["detail"]
    assert response.json()["errors"][0]["attr"] == "task"
    assert not Task.objects.filter(parent=chain.upper).exists()
    assert not AuditEntry.objects.filter(action="task.hand_down_answer").exists()


def test_an_answered_hand_down_is_refused_a_second_answer(chain):
    hd = handed(chain)[chain.county_plan.pk]
    first = api(chain.users.county_office).post(
        f"/api/hand-downs/{hd.pk}/answer/", {"task": chain.county_task.pk}, format="json"
    )
    assert first.status_code == 201
    second = api(chain.users.county_office).post(f"/api/hand-downs/{hd.pk}/answer/", {}, format="json")
    assert second.status_code == 400
    assert Task.objects.filter(parent=chain.upper).count() == 1


def test_unlinking_sends_the_plan_back_to_waiting_for_its_answer(chain, client):
    hd = handed(chain)[chain.county_plan.pk]
    api(chain.users.county_office).post(
        f"/api/hand-downs/{hd.pk}/answer/", {"task": chain.county_task.pk}, format="json"
    )
    client.force_login(chain.users.city_office)
    assert client.post(f"/tasks/{chain.county_task.pk}/unlink/").status_code == 302
    assert list(HandDown.objects.waiting()) == [hd]


def test_the_upper_page_tells_plans_waiting_from_plans_not_handed_the_task(chain, client):
    handed(chain)
    client.force_login(chain.users.city_office)
    page = client.get(
        f"/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/"
    ).content.decode()
    waiting = page[page.index("已下达、待下级落实") : page.index("尚未下达的下级方案")]
    assert "岳阳县碳达峰实施方案" in waiting and "催办落实" in waiting
    not_handed = page[page.index("尚未下达的下级方案") :]
    assert "平江县碳达峰实施方案" in not_handed.split("</ul>")[0]
    assert "岳阳县碳达峰实施方案" not in not_handed.split("</ul>")[0]
    form = client.get(f"/tasks/{chain.upper.pk}/hand-down/").content.decode()
    assert "待下级落实" in form


def test_the_answer_page_reads_a_fixed_number_of_queries(chain, client, django_assert_max_num_queries):
    hd = handed(chain)[chain.county_plan.pk]
    client.force_login(chain.users.county_office)
    with django_assert_max_num_queries(10) as small:
        assert client.get(f"/tasks/handed-down/{hd.pk}/").status_code == 200
    from tests import factories as f

    action = chain.county_task.action
    for seq in range(10, 40):
        task = f.TaskFactory(action=action, seq=seq, title=f"大力发展光伏发电第{seq}期")
        f.IndicatorFactory(
            plan=chain.county_plan, task=task, name="新增光伏装机容量", unit="万千瓦", target=1
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/tasks/handed-down/{hd.pk}/").status_code == 200


def test_split_targets_for_a_plan_left_to_its_office_are_refused_not_dropped(chain, client):
    client.force_login(chain.users.city_office)
    response = client.post(
        f"/tasks/{chain.upper.pk}/hand-down/",
        {
            f"plan_{chain.county_plan.pk}": "1",
            f"link_{chain.county_plan.pk}": "wait",
            f"target_{chain.county_plan.pk}_{chain.upper_indicator.pk}": "30",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "不能同时分解指标目标" in page
    # The form comes back as typed.
    assert 'value="30"' in page and '<option value="wait" selected>' in page
    assert not HandDown.objects.exists()
