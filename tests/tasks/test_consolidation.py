"""Lead agencies consolidate their supporters' inputs: the rule in tasks.services."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from agencies.models import AuditEntry, Notification
from tasks.consolidation import missing_inputs
from tasks.models import ProgressReport
from tasks.services import (
    report_approve,
    report_get_or_create,
    report_return,
    report_return_input,
    report_save_draft,
    report_submit,
    report_withdraw,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

# 2026Q1 of the world fixture: opens 2026-03-16, deadline 2026-04-10.
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
LEAD_FIELDS = {"status": "in_progress", "percent": "40", "progress_text": "完成光伏项目备案3个。"}


@pytest.fixture(autouse=True)
def _in_the_entry_window():
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        yield


def _input(world, text="配合完成选址2处。", *, submit=True):
    report = report_get_or_create(
        task=world.task_a1, agency=world.other, period=world.period_a, by=world.users.other_agency
    )
    report, _ = report_save_draft(
        report=report, data={"progress_text": text}, by=world.users.other_agency, base_version=report.version
    )
    if submit:
        report = report_submit(report=report, by=world.users.other_agency)
    return report


def _lead(world, **data):
    report = report_get_or_create(
        task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
    )
    report, _ = report_save_draft(
        report=report, data={**LEAD_FIELDS, **data}, by=world.users.owner, base_version=report.version
    )
    return report


def test_a_supporter_submits_its_input_with_progress_text_alone(world):
    report = _input(world)
    assert report.state == "submitted"
    assert report.percent is None and report.status == ""


def test_in_office_mode_a_supporter_still_fills_status_and_percent(world):
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    with pytest.raises(ValidationError) as exc:
        _input(world)
    assert "推进状态" in exc.value.messages[0] and "完成进度" in exc.value.messages[0]


def test_the_office_cannot_approve_or_return_an_input(world):
    report = _input(world)
    with pytest.raises(ValidationError, match="牵头单位汇总"):
        report_approve(report=report, by=world.users.office)
    with pytest.raises(ValidationError, match="牵头单位汇总"):
        report_return(report=report, by=world.users.office, comment="补充")
    report.refresh_from_db()
    assert report.state == "submitted"


def test_the_office_still_reviews_a_supporter_in_office_mode(world):
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    report = _input(world, submit=False)
    report, _ = report_save_draft(
        report=report, data={"status": "in_progress", "percent": "10"}, by=world.users.other_agency
    )
    report = report_submit(report=report, by=world.users.other_agency)
    assert report_approve(report=report, by=world.users.office).state == "approved"


def test_the_lead_returns_an_input_with_a_comment_and_the_supporter_resubmits(world):
    report = _input(world)
    with pytest.raises(ValidationError):
        report_return_input(report=report, by=world.users.owner, comment="  ")
    returned = report_return_input(report=report, by=world.users.owner, comment="请补充选址位置")
    assert returned.state == "returned" and returned.review_comment == "请补充选址位置"
    assert returned.versions.order_by("-number").first().event == "returned"
    assert AuditEntry.objects.filter(action="report.return_input", target_id=str(report.pk)).exists()
    note = Notification.objects.get(user=world.users.other_agency, kind="report_returned")
    assert "牵头单位退回" in note.title
    again, _ = report_save_draft(
        report=returned, data={"progress_text": "选址在城东。"}, by=world.users.other_agency
    )
    assert report_submit(report=again, by=world.users.other_agency).state == "submitted"


def test_the_lead_returns_only_inputs(world):
    lead = _lead(world)
    lead = report_submit(report=lead, by=world.users.owner)
    with pytest.raises(ValidationError, match="只能退回配合单位"):
        report_return_input(report=lead, by=world.users.owner, comment="x")


def test_a_submitted_input_notifies_the_lead_agency_not_the_office(world):
    _input(world)
    assert Notification.objects.filter(user=world.users.owner, kind="input_submitted").exists()
    assert not Notification.objects.filter(user=world.users.office).exists()


def test_the_lead_records_the_inputs_it_consolidates_as_a_field(world):
    item = _input(world)
    lead = _lead(world, consolidated_inputs=[item.pk])
    assert list(lead.consolidated_inputs.all()) == [item]
    version = lead.versions.order_by("-number").first()
    assert "consolidated_inputs" in version.changed_fields
    assert version.snapshot["consolidated_inputs"] == [item.pk]
    entry = AuditEntry.objects.filter(action="report.save", target_id=str(lead.pk)).latest("pk")
    assert entry.changes["consolidated_inputs"] == [[], [item.pk]]


@pytest.mark.parametrize("case", ["draft", "other_task", "not_supporter", "office_mode", "garbage"])
def test_inputs_the_lead_may_not_consolidate_are_a_field_error(world, case):
    item = _input(world, submit=case != "draft")
    ids = [item.pk]
    if case == "other_task":
        stranger_task = f.TaskFactory(action=world.action_a, seq=9, title="其他任务")
        f.AssignmentFactory(task=stranger_task, agency=world.own, role="support")
        ids = [report_get_or_create(task=stranger_task, agency=world.own, period=world.period_a, by=None).pk]
    elif case == "not_supporter":
        lead_item = _lead(world)
        ids = [lead_item.pk]
    elif case == "office_mode":
        world.plan_a.review_mode = "office_reviews_all"
        world.plan_a.save()
    elif case == "garbage":
        ids = "12"
    with pytest.raises(ValidationError) as exc:
        _lead(world, consolidated_inputs=ids)
    assert "consolidated_inputs" in exc.value.message_dict


def test_a_supporter_cannot_consolidate(world):
    item = _input(world, submit=False)
    with pytest.raises(ValidationError) as exc:
        report_save_draft(report=item, data={"consolidated_inputs": [item.pk]}, by=world.users.other_agency)
    assert "consolidated_inputs" in exc.value.message_dict


def test_submitting_the_lead_report_consolidates_its_inputs(world):
    item = _input(world)
    lead = _lead(world, consolidated_inputs=[item.pk])
    report_submit(report=lead, by=world.users.owner)
    item.refresh_from_db()
    assert item.state == "approved" and item.reviewed_by == world.users.owner
    version = item.versions.order_by("-number").first()
    assert version.event == "approved" and "牵头单位" in version.comment and "汇总" in version.comment
    assert AuditEntry.objects.filter(action="report.consolidate", target_id=str(item.pk)).exists()
    # Once consolidated it can neither be withdrawn nor returned.
    with pytest.raises(ValidationError):
        report_withdraw(report=item, by=world.users.other_agency)
    with pytest.raises(ValidationError):
        report_return_input(report=item, by=world.users.owner, comment="补充")


def test_a_supporter_withdraws_its_input_until_it_is_consolidated(world):
    item = _input(world)
    assert report_withdraw(report=item, by=world.users.other_agency).state == "draft"


@pytest.mark.parametrize("taken_back", ["withdrawn", "returned"])
def test_an_input_taken_back_leaves_the_lead_draft_that_gathered_it(world, taken_back):
    item = _input(world)
    lead = _lead(world, consolidated_inputs=[item.pk])
    if taken_back == "withdrawn":
        report_withdraw(report=item, by=world.users.other_agency)
    else:
        report_return_input(report=item, by=world.users.owner, comment="请补充选址位置")
    assert list(lead.consolidated_inputs.all()) == []
    # Resubmitted, it can be gathered again, and submitting the lead's report takes it.
    again, _ = report_save_draft(
        report=item, data={"progress_text": "选址在城东。"}, by=world.users.other_agency
    )
    report_submit(report=again, by=world.users.other_agency)
    lead.refresh_from_db()
    lead, _ = report_save_draft(
        report=lead, data={"consolidated_inputs": [item.pk]}, by=world.users.owner, base_version=lead.version
    )
    report_submit(report=lead, by=world.users.owner)
    item.refresh_from_db()
    assert item.state == "approved"


def test_a_lead_submits_while_an_input_is_missing(world):
    lead = _lead(world)
    assert [a.name for a in missing_inputs(lead)] == ["县交通运输局"]
    assert report_submit(report=lead, by=world.users.owner).state == "submitted"
    _input(world)
    assert missing_inputs(lead) == []


def test_a_lead_report_still_goes_to_the_office(world):
    lead = report_submit(report=_lead(world), by=world.users.owner)
    assert Notification.objects.filter(user=world.users.office, kind="report_submitted").exists()
    assert report_approve(report=lead, by=world.users.office).state == ProgressReport.State.APPROVED


# --- pages -------------------------------------------------------------------------------


def _review_rows(client, world):
    from django.urls import reverse

    url = reverse("tasks:review") + f"?plan={world.plan_a.pk}"
    return [(r.agency.name, r.role) for r in client.get(url).context["page"].object_list]


def test_the_office_queue_holds_only_lead_reports_where_leads_consolidate(login, world):
    _input(world)
    report_submit(report=_lead(world), by=world.users.owner)
    client = login(world.users.office)
    assert _review_rows(client, world) == [("县发改局", "lead")]
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    assert sorted(_review_rows(client, world)) == [("县交通运输局", "support"), ("县发改局", "lead")]


def test_batch_approval_leaves_inputs_alone(login, world):
    from django.urls import reverse

    item = _input(world)
    client = login(world.users.office)
    client.post(
        reverse("tasks:review_batch_approve"),
        {"plan": world.plan_a.pk, "report": [item.pk], "confirm": "1"},
    )
    item.refresh_from_db()
    assert item.state == "submitted"


def test_the_lead_form_lists_inputs_with_insert_and_missing_supporters(login, world):
    from django.urls import reverse

    client = login(world.users.owner)
    url = reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])
    body = client.get(url).content.decode()
    assert "尚未报送：县交通运输局" in body
    item = _input(world, "配合<b>选址</b>2处")
    body = client.get(url).content.decode()
    assert "插入到本单位报告" in body and f'name="consolidated_inputs" value="{item.pk}"' in body
    assert "已报送牵头单位" in body and "配合&lt;b&gt;选址&lt;/b&gt;2处" in body and "<b>选址" not in body
    # Without the script the box alone does it.
    response = client.post(
        url, {**LEAD_FIELDS, "version": 0, "action": "submit", "consolidated_inputs": [str(item.pk)]}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "approved"
    body = client.get(url).content.decode()
    assert "已汇总" in body


def test_the_lead_returns_an_input_from_its_form(login, world):
    from django.urls import reverse

    item = _input(world)
    client = login(world.users.owner)
    url = reverse("tasks:report_return_input", args=[item.pk])
    client.post(url, {"comment": ""})
    item.refresh_from_db()
    assert item.state == "submitted"
    response = client.post(url, {"comment": "请补充位置"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "returned" and item.review_comment == "请补充位置"
    # The office may not take the lead's place.
    assert login(world.users.office).post(url, {"comment": "x"}).status_code == 403


def test_the_supporter_form_hides_status_and_percent_and_names_the_lead(login, world):
    from django.urls import reverse

    client = login(world.users.other_agency)
    url = reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])
    body = client.get(url).content.decode()
    assert 'name="percent"' not in body and 'name="status"' not in body
    assert "报送牵头单位" in body and "县发改局" in body
    response = client.post(url, {"progress_text": "配合选址", "version": 0, "action": "submit"})
    assert response.status_code == 302
    assert ProgressReport.objects.get(agency=world.other, task=world.task_a1).state == "submitted"
    assert "已报送牵头单位" in client.get(url).content.decode()


def test_the_lead_report_page_shows_the_inputs_beneath_and_which_it_consolidated(login, world):
    from django.urls import reverse

    item = _input(world, "配合选址2处")
    lead = report_submit(report=_lead(world, consolidated_inputs=[item.pk]), by=world.users.owner)
    body = login(world.users.office).get(reverse("tasks:report_detail", args=[lead.pk])).content.decode()
    assert "配合选址2处" in body and "已汇总" in body and "已纳入本报告" in body
    detail = login(world.users.office).get(reverse("tasks:report_detail", args=[item.pk]))
    assert detail.context["may_review"] is False


def test_the_office_counts_only_lead_reports_to_review_where_leads_consolidate(world):
    from reports.counts import period_counts
    from reports.rollups import rollup_plan_period

    _input(world)
    report_submit(report=_lead(world), by=world.users.owner)
    rollup_plan_period(plan=world.plan_a, period=world.period_a)
    counts = period_counts(world.plan_a, world.period_a)
    assert (counts.to_review, counts.missing_lead, counts.missing_support) == (1, 1, 0)
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    rollup_plan_period(plan=world.plan_a, period=world.period_a)
    assert period_counts(world.plan_a, world.period_a).to_review == 2


def test_the_agency_home_counts_the_inputs_of_the_tasks_it_leads(login, world, django_assert_max_num_queries):
    from django.urls import reverse

    url = reverse("tasks:agency_home") + "?period=2026Q1"
    owner = login(world.users.owner)
    body = owner.get(url).content.decode()
    assert "配合单位材料 0/1，未报：县交通运输局" in body
    _input(world)
    with django_assert_max_num_queries(30) as small:
        body = owner.get(url).content.decode()
    pinned = len(small.captured_queries)
    assert "配合单位材料 1/1" in body and "未报：" not in body
    # The supporter reads its row in the input's words.
    assert "已报送牵头单位" in login(world.users.other_agency).get(url).content.decode()
    for i in range(10):
        task = f.TaskFactory(action=world.action_a, seq=100 + i)
        f.AssignmentFactory(task=task, agency=world.own, role="lead")
        f.AssignmentFactory(task=task, agency=f.AgencyFactory(region=world.county_a), role="support")
    owner = login(world.users.owner)
    with django_assert_max_num_queries(pinned):
        assert owner.get(url).status_code == 200


def test_the_bulletin_lists_a_consolidated_problem_once_and_keeps_an_unconsolidated_one(world):
    from reports.bulletin import bulletin_context

    consolidated = _input(world, "配合完成选址2处。")
    consolidated.problems = "用地指标紧张。"
    consolidated.save()
    lead = _lead(
        world,
        problems="【县交通运输局】用地指标紧张。",
        consolidated_inputs=[consolidated.pk],
    )
    report_submit(report=lead, by=world.users.owner)
    # A second supporter's input that the lead has not gathered: its problem stays listed.
    third = f.AgencyFactory(region=world.county_a, name="县财政局")
    f.AssignmentFactory(task=world.task_a1, agency=third, role="support")
    late = report_get_or_create(task=world.task_a1, agency=third, period=world.period_a, by=None)
    late.problems, late.progress_text, late.state = "资金未到位。", "配合推进。", "submitted"
    late.save()

    texts = [p["text"] for p in bulletin_context(plan=world.plan_a, period=world.period_a)["problems"]]
    assert texts.count("【县交通运输局】用地指标紧张。") == 1
    assert "用地指标紧张。" not in texts
    assert "资金未到位。" in texts
