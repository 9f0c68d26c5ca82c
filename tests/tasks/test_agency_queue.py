"""Agency staff's first page is a work queue: what is due by when, what was returned with
the office's comment, the supporters' inputs waiting for the lead and unread notices, each
linking to the list it counts; its queries do not grow with the agency's tasks."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)  # 2026Q1's deadline (10 April) has passed


@pytest.fixture
def waiting(world):
    f.ReportFactory(
        task=world.task_a1, agency=world.own, period=world.period_a, state="returned",
        review_comment="请补充并网容量数据", reviewed_at=dt.datetime(2026, 4, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    f.ReportFactory(task=world.task_a1, agency=world.other, period=world.period_a, state="submitted")
    Notification.objects.create(user=world.users.owner, kind="report_returned", title="被退回")
    return world


def queue(client):
    page = client.get("/").content.decode()
    return page[page.index('id="agency-queue"') :].split("</section>")[0]


@time_machine.travel(DAY, tick=False)
def test_the_agency_sees_what_is_due_returned_waiting_and_unread(waiting, client):
    client.force_login(waiting.users.owner)
    section = queue(client)
    home = reverse("tasks:agency_home")
    assert "报送截止 2026-04-10" in section
    assert f'href="{home}?period=2026Q1&amp;status=due">待报送 1 项</a>' in section
    assert f'href="{home}?period=2026Q1&amp;status=overdue">已逾期 1 项</a>' in section
    assert "请补充并网容量数据" in section
    assert reverse("tasks:report_form", args=[waiting.task_a1.pk, waiting.period_a.pk]) in section
    assert "配合单位材料待汇总 1 份" in section  # 县交通运输局's input on the task 县发改局 leads
    assert "未读通知 1 条" in section


@time_machine.travel(DAY, tick=False)
def test_the_supporting_agency_has_no_inputs_to_gather(waiting, client):
    client.force_login(waiting.users.other_agency)
    section = queue(client)
    assert "配合单位材料待汇总" not in section and "未读通知" not in section


@time_machine.travel(DAY, tick=False)
def test_the_agency_home_costs_the_same_queries_as_its_tasks_grow(
    waiting, client, django_assert_max_num_queries
):
    client.force_login(waiting.users.owner)
    client.get("/")
    with django_assert_max_num_queries(40) as before:
        client.get("/")
    for n in range(8):
        task = f.TaskFactory(action=waiting.action_a, seq=10 + n, title=f"新任务{n}")
        f.AssignmentFactory(task=task, agency=waiting.own, role="lead")
        f.AssignmentFactory(task=task, agency=waiting.other, role="support")
        f.ReportFactory(
            task=task, agency=waiting.own, period=waiting.period_a, state="returned", review_comment="补充"
        )
        f.ReportFactory(task=task, agency=waiting.other, period=waiting.period_a, state="submitted")
    with django_assert_max_num_queries(len(before.captured_queries)):
        section = queue(client)
    assert "配合单位材料待汇总 9 份" in section
