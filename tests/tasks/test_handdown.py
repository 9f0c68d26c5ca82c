"""上级任务下达: the upper office hands a task down to the plans below, through the API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from agencies.models import AuditEntry
from tasks.models import Task

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def hand_down(user, task, **body):
    return api(user).post(f"/api/tasks/{task.pk}/hand-down/", body, format="json")


def test_the_city_office_links_one_county_task_and_creates_another_with_its_split_target(chain):
    response = hand_down(
        chain.users.city_office,
        chain.upper,
        plans=[chain.county_plan.pk, chain.county2_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
        targets={str(chain.county2_plan.pk): {str(chain.upper_indicator.pk): "45.5"}},
    )
    assert response.status_code == 201, response.content
    rows = {row["plan"]: row for row in response.json()}
    assert rows[chain.county_plan.pk]["id"] == chain.county_task.pk
    assert rows[chain.county_plan.pk]["created"] is False
    assert rows[chain.county_plan.pk]["parent"] == chain.upper.pk
    created = Task.objects.get(pk=rows[chain.county2_plan.pk]["id"])
    assert rows[chain.county2_plan.pk]["created"] is True
    assert created.parent == chain.upper and created.link_kind == "created"
    assert created.title == chain.upper.title and created.deadline == chain.upper.deadline
    assert created.action.plan == chain.county2_plan and created.action.title == "上级下达任务"
    # 市发改局 leads the upper task, so 县发展和改革局 leads the county's, marked as inferred.
    assert [(a.agency, a.role, a.inferred) for a in created.assignments.all()] == [
        (chain.county2_lead, "lead", True)
    ]
    split = created.indicators.get()
    assert (split.name, split.unit, split.target, split.parent) == (
        "新增光伏装机容量",
        "万千瓦",
        Decimal("45.5"),
        chain.upper_indicator,
    )
    # The linked task's indicator of the same name carries the split, its own target kept.
    chain.county_indicator.refresh_from_db()
    assert chain.county_indicator.parent == chain.upper_indicator
    assert chain.county_indicator.target == Decimal("30")
    actions = set(AuditEntry.objects.filter(action="task.hand_down").values_list("target_id", flat=True))
    assert actions == {str(chain.upper.pk), str(chain.county_task.pk), str(created.pk)}


def test_handing_down_again_changes_nothing(chain):
    first = hand_down(chain.users.city_office, chain.upper, plans=[chain.county2_plan.pk]).json()
    again = hand_down(chain.users.city_office, chain.upper, plans=[chain.county2_plan.pk])
    assert again.status_code == 201
    assert again.json()[0]["id"] == first[0]["id"] and again.json()[0]["created"] is False
    assert Task.objects.filter(parent=chain.upper).count() == 1


def test_the_parent_filter_lists_the_tasks_answering_an_upper_task(chain):
    hand_down(
        chain.users.city_office,
        chain.upper,
        plans=[chain.county_plan.pk, chain.county2_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
    )
    listed = api(chain.users.city_office).get(f"/api/tasks/?parent={chain.upper.pk}").json()
    assert listed["count"] == 2
    assert {row["plan"] for row in listed["results"]} == {chain.county_plan.pk, chain.county2_plan.pk}
    # The county office sees its own answering task, with the parent it answers.
    own = api(chain.users.county_office).get(f"/api/tasks/?parent={chain.upper.pk}").json()
    assert [(r["id"], r["parent"]) for r in own["results"]] == [(chain.county_task.pk, chain.upper.pk)]
    assert api(chain.users.city_office).get("/api/tasks/?parent=abc").status_code == 400


def test_a_plan_not_below_the_tasks_region_is_refused_and_nothing_is_linked(chain):
    response = hand_down(chain.users.admin, chain.upper, plans=[chain.county_plan.pk, chain.sibling_plan.pk])
    assert response.status_code == 400
    assert str(chain.sibling_plan.pk) in str(response.json())
    assert not Task.objects.filter(parent=chain.upper).exists()
    own_plan = hand_down(chain.users.city_office, chain.upper, plans=[chain.city_plan.pk])
    assert own_plan.status_code == 400


def test_a_link_to_a_task_of_another_plan_or_one_already_answering_elsewhere_is_refused(chain):
    wrong_plan = hand_down(
        chain.users.city_office,
        chain.upper,
        plans=[chain.county_plan.pk],
        links={str(chain.county_plan.pk): chain.county2_task.pk},
    )
    assert wrong_plan.status_code == 400
    hand_down(
        chain.users.city_office, chain.upper, plans=[chain.county_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
    )  # fmt: skip
    taken = hand_down(
        chain.users.city_office,
        chain.city_other,
        plans=[chain.county_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
    )
    assert taken.status_code == 400
    chain.county_task.refresh_from_db()
    assert chain.county_task.parent == chain.upper


def test_a_bad_split_target_is_refused(chain):
    response = hand_down(
        chain.users.city_office,
        chain.upper,
        plans=[chain.county2_plan.pk],
        targets={str(chain.county2_plan.pk): {str(chain.upper_indicator.pk): "=1+1"}},
    )
    assert response.status_code == 400
    assert not Task.objects.filter(parent=chain.upper).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_office", 201),
        ("city_plan_office", 201),
        ("city_leader", 403),
        ("province_leader", 403),
        ("city_agency", 403),
        ("county_office", 404),
        ("county_agency", 404),
        ("sibling_office", 404),
    ],
)
def test_only_the_upper_tasks_office_hands_it_down(chain, who, status):
    response = hand_down(getattr(chain.users, who), chain.upper, plans=[chain.county2_plan.pk])
    assert response.status_code == status
    assert Task.objects.filter(parent=chain.upper).exists() == (status == 201)


def test_the_lower_office_cannot_take_the_link_back_but_the_upper_office_can(chain):
    hand_down(
        chain.users.city_plan_office, chain.upper, plans=[chain.county_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
    )  # fmt: skip
    url = f"/api/tasks/{chain.county_task.pk}/unlink/"
    assert api(chain.users.county_office).post(url).status_code == 403
    assert api(chain.users.county_agency).post(url).status_code == 403
    assert api(chain.users.sibling_office).post(url).status_code == 404
    # The API's task fields stay read-only: a write is no way round it.
    assert (
        api(chain.users.county_office)
        .patch(f"/api/tasks/{chain.county_task.pk}/", {"parent": None}, format="json")
        .status_code
        == 405
    )
    chain.county_task.refresh_from_db()
    assert chain.county_task.parent == chain.upper
    response = api(chain.users.city_plan_office).post(url)
    assert response.status_code == 200 and response.json()["parent"] is None
    chain.county_task.refresh_from_db()
    chain.county_indicator.refresh_from_db()
    assert chain.county_task.parent is None and chain.county_indicator.parent is None
    assert AuditEntry.objects.filter(action="task.unlink", target_id=str(chain.county_task.pk)).exists()


def test_the_candidates_rank_the_lower_tasks_by_title_and_shared_indicator(chain):
    from tasks.handdown import handdown_candidates

    found = handdown_candidates(chain.upper, [chain.county_plan, chain.county2_plan])
    assert [t for _score, t in found[chain.county_plan.pk]][0] == chain.county_task
    assert chain.county_other not in [t for _score, t in found[chain.county_plan.pk]]


def test_deleting_the_upper_task_or_its_plan_leaves_the_lower_tasks_unlinked(chain):
    hand_down(
        chain.users.city_office,
        chain.upper,
        plans=[chain.county_plan.pk, chain.county2_plan.pk],
        links={str(chain.county_plan.pk): chain.county_task.pk},
    )
    lower = list(Task.objects.filter(parent=chain.upper).order_by("pk"))
    assert len(lower) == 2
    chain.upper.action.plan.delete()
    for task in lower:
        task.refresh_from_db()
        assert (task.parent_id, task.link_kind) == (None, "")
    assert Task.objects.filter(pk=chain.county_task.pk).exists()
