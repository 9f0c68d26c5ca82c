"""The office reviews a quarter at pace: the queue's columns, next/previous, batch
approval with a confirmation, customary return reasons."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEntry
from tasks.models import ProgressReport
from tasks.services import report_return
from tests import factories as f

pytestmark = pytest.mark.django_db


def submitted_report(task, agency, period, days_ago):
    return ProgressReport.objects.create(
        task=task,
        agency=agency,
        period=period,
        state="submitted",
        status="in_progress",
        percent=10,
        progress_text="配合选址",
        submitted_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def queue(world, n, *, days_ago=3):
    """n submitted reports of plan A's quarter, lead agency 'own', in queue order."""
    reports = []
    start = world.action_a.tasks.count() + 100
    for i in range(n):
        task = f.TaskFactory(action=world.action_a, seq=start + i)
        f.AssignmentFactory(task=task, agency=world.own, role="lead")
        reports.append(submitted_report(task, world.own, world.period_a, days_ago))
    return reports


def supporter_report(world):
    # The office queues supporters' reports only when it reviews every agency's.
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    return submitted_report(world.task_a1, world.other, world.period_a, 5)


def test_the_queue_shows_lead_or_support_and_days_waiting(login, world):
    supporter_report(world)
    queue(world, 1, days_ago=2)
    response = login(world.users.office).get(reverse("tasks:review") + f"?plan={world.plan_a.pk}")
    rows = {r.agency.name: r for r in response.context["page"].object_list}
    assert rows["县交通运输局"].role == "support" and rows["县交通运输局"].days_waiting == 5
    assert rows["县发改局"].role == "lead" and rows["县发改局"].days_waiting == 2
    body = response.content.decode()
    assert "牵头/配合" in body and "等待天数" in body and 'form="batch-form"' in body


def test_next_and_previous_walk_the_queue_in_a_fixed_number_of_queries(
    login, world, django_assert_max_num_queries
):
    first, middle, last = queue(world, 3)
    client = login(world.users.office)
    response = client.get(reverse("tasks:report_detail", args=[middle.pk]))
    assert (response.context["previous_id"], response.context["next_id"]) == (first.pk, last.pk)
    assert response.context["queued"] == 3
    assert client.get(reverse("tasks:report_detail", args=[first.pk])).context["previous_id"] is None
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("tasks:report_detail", args=[middle.pk]))
    queue(world, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("tasks:report_detail", args=[middle.pk]))
    assert response.context["queued"] == 33
    # Approving from the page goes on to the next report of the queue.
    done = client.post(
        reverse("tasks:report_approve", args=[middle.pk]),
        {"next": reverse("tasks:report_detail", args=[last.pk])},
    )
    assert done["Location"] == reverse("tasks:report_detail", args=[last.pk])
    after = client.get(reverse("tasks:report_detail", args=[middle.pk]))
    assert (after.context["previous_id"], after.context["next_id"]) == (first.pk, last.pk)
    assert after.context["queued"] == 32


def test_agency_staff_get_no_queue_on_their_report(login, world):
    (report,) = queue(world, 1)
    response = login(world.users.owner).get(reverse("tasks:report_detail", args=[report.pk]))
    assert response.context["queued"] is None and 'rel="next"' not in response.content.decode()


def test_batch_approval_asks_to_confirm_then_approves_each_and_reports_failures(login, world):
    one, two, three = queue(world, 3)
    client = login(world.users.office)
    url = reverse("tasks:review_batch_approve")
    chosen = {"plan": world.plan_a.pk, "report": [one.pk, two.pk], "next": "/tasks/review/"}
    confirm = client.post(url, chosen)
    assert confirm.status_code == 200 and "确认通过" in confirm.content.decode()
    assert ProgressReport.objects.filter(state="approved").count() == 0
    # The office returns one of them in another tab before confirming.
    report_return(report=two, by=world.users.office, comment="请补充")
    response = client.post(url, {**chosen, "confirm": "1"}, follow=True)
    states = dict(ProgressReport.objects.filter(pk__in=[one.pk, two.pk, three.pk]).values_list("pk", "state"))
    assert states == {one.pk: "approved", two.pk: "returned", three.pk: "submitted"}
    body = response.content.decode()
    assert "已通过 1 份填报" in body and "1 份填报未能通过" in body
    assert AuditEntry.objects.filter(action="report.approve").count() == 1


def test_batch_approval_is_the_office_s_alone(login, world):
    (report,) = queue(world, 1)
    data = {"plan": world.plan_a.pk, "report": [report.pk], "confirm": "1"}
    url = reverse("tasks:review_batch_approve")
    assert login(world.users.leader).post(url, data).status_code == 403
    assert login(world.users.owner).post(url, data).status_code in (403, 404)
    # Plan B's office names its own plan with plan A's report: nothing is found.
    response = login(world.users.other_office).post(url, {**data, "plan": world.plan_b.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "submitted"


def test_customary_reasons_and_free_text_make_the_return_comment(login, world):
    report = supporter_report(world)
    client = login(world.users.office)
    url = reverse("tasks:report_return", args=[report.pk])
    page = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    assert "缺少佐证材料" in page and "下步计划不具体" in page
    client.post(url, {"reasons": ["unknown"], "comment": ""})
    report.refresh_from_db()
    assert report.state == "submitted"
    client.post(url, {"reasons": ["evidence", "brief", "nonsense"], "comment": "请附现场照片"})
    report.refresh_from_db()
    assert report.state == "returned"
    assert report.review_comment == "进展描述过于简略；缺少佐证材料\n请附现场照片"


def test_customary_reasons_are_translated(login, world):
    report = supporter_report(world)
    client = login(world.users.office)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("tasks:report_detail", args=[report.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Evidence is missing" in page.content.decode()
