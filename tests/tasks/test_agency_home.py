"""The agency home: counts of what is due, returned and overdue; days left or late only
where they mean something; filters by quarter and status."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.models import ProgressReport
from tests import factories as f

pytestmark = pytest.mark.django_db

# 2026Q1 of the world fixture: deadline 2026-04-10.
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
AFTER_DEADLINE = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)


def own_tasks(world):
    """Five tasks of 'own' in 2026Q1: no report, draft, returned, submitted, approved."""
    states = [None, "draft", "returned", "submitted", "approved"]
    tasks = {}
    for i, state in enumerate(states):
        task = world.task_a1 if i == 0 else f.TaskFactory(action=world.action_a, seq=50 + i)
        if i:
            f.AssignmentFactory(task=task, agency=world.own, role="support")
        if state:
            ProgressReport.objects.create(
                task=task, agency=world.own, period=world.period_a, state=state, progress_text="x"
            )
        tasks[state or "none"] = task
    return tasks


def rows_by_state(response):
    return {row.state_key: row for row in response.context["rows"]}


UNSUBMITTED = {"none", "draft", "returned"}


@pytest.mark.parametrize(
    "moment, overdue, shown, days",
    [(AFTER_DEADLINE, 3, "days_late", 10), (BEFORE_DEADLINE, 0, "days_left", 8)],
    ids=["after the deadline: days late", "before the deadline: days left"],
)
def test_only_unsubmitted_rows_show_days_left_or_late(login, world, moment, overdue, shown, days):
    with time_machine.travel(moment, tick=False):
        own_tasks(world)
        response = login(world.users.owner).get(reverse("tasks:agency_home") + "?period=2026Q1")
        rows = rows_by_state(response)
        shows = {k: getattr(r, shown) for k, r in rows.items()}
        hidden = [getattr(r, "days_left" if shown == "days_late" else "days_late") for r in rows.values()]
    assert response.context["counts"] == {"total": 5, "due": 3, "returned": 1, "overdue": overdue}
    assert shows == {
        k: days if k in UNSUBMITTED else None for k in ("none", "draft", "returned", "submitted", "approved")
    }
    assert hidden == [None] * 5
    assert response.content.decode().count("已过 10 天") == (3 if overdue else 0)


@time_machine.travel(AFTER_DEADLINE, tick=False)
@pytest.mark.parametrize(
    "status, states",
    [
        ("due", UNSUBMITTED),
        ("overdue", UNSUBMITTED),
        ("returned", {"returned"}),
        ("submitted", {"submitted"}),
        ("approved", {"approved"}),
        ("", {"none", "draft", "returned", "submitted", "approved"}),
        ("bogus", {"none", "draft", "returned", "submitted", "approved"}),
    ],
)
def test_the_status_filter_keeps_only_matching_tasks(login, world, status, states):
    own_tasks(world)
    response = login(world.users.owner).get(reverse("tasks:agency_home") + f"?period=2026Q1&status={status}")
    assert set(rows_by_state(response)) == states
    # The counts are the quarter's, whatever the filter.
    assert response.context["counts"]["total"] == 5


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_nothing_is_overdue_before_the_deadline_and_the_filter_says_so(login, world):
    own_tasks(world)
    response = login(world.users.owner).get(reverse("tasks:agency_home") + "?period=2026Q1&status=overdue")
    assert response.context["rows"] == []
    assert "没有符合条件的任务。" in response.content.decode()


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_the_home_with_a_filter_keeps_a_fixed_number_of_queries(login, world, django_assert_max_num_queries):
    own_tasks(world)
    client = login(world.users.owner)
    url = reverse("tasks:agency_home") + "?period=2026Q1&status=due"
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for i in range(25):
        f.AssignmentFactory(
            task=f.TaskFactory(action=world.action_a, seq=300 + i), agency=world.own, role="support"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["counts"]["due"] == 28
    assert response.context["page"].paginator.count == 28


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_the_quarters_due_tasks_come_first_returned_ones_on_top(login, world):
    tasks = own_tasks(world)
    # Done before the others in the plan's order: it still goes below everything due.
    approved_first = f.TaskFactory(action=world.action_a, seq=0, title="最先的已通过任务")
    f.AssignmentFactory(task=approved_first, agency=world.own, role="support")
    ProgressReport.objects.create(
        task=approved_first, agency=world.own, period=world.period_a, state="approved", progress_text="x"
    )
    response = login(world.users.owner).get(reverse("tasks:agency_home") + "?period=2026Q1")
    rows = response.context["rows"]
    assert [r.state_key for r in rows] == ["returned", "none", "draft", "submitted", "approved", "approved"]
    # Within a group, the plan's order.
    assert [r.task for r in rows[-2:]] == [approved_first, tasks["approved"]]
    body = response.content.decode()
    assert (
        body.index(tasks["returned"].title) < body.index(world.task_a1.title) < body.index("最先的已通过任务")
    )


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_the_due_tasks_lead_every_page_of_a_long_quarter(login, world):
    for i in range(25):
        task = f.TaskFactory(action=world.action_a, seq=100 + i)
        f.AssignmentFactory(task=task, agency=world.own, role="support")
        ProgressReport.objects.create(
            task=task, agency=world.own, period=world.period_a, state="approved", progress_text="x"
        )
    late_in_plan = f.TaskFactory(action=world.action_a, seq=999, title="方案末尾的待报送任务")
    f.AssignmentFactory(task=late_in_plan, agency=world.own, role="support")
    client = login(world.users.owner)
    first = client.get(reverse("tasks:agency_home") + "?period=2026Q1").context["rows"]
    assert [r.task for r in first[:2]] == [world.task_a1, late_in_plan]
    assert {r.state_key for r in first[2:]} == {"approved"}
