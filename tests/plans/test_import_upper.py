"""承接上级任务 at import: the review suggests the upper task each imported task probably
answers; the office confirms or declines; commit links the confirmed ones."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEntry
from plans.import_services import plan_import_commit
from plans.import_upper import upper_suggestions
from plans.models import PlanImport
from plans.parsing import parse_plan_text
from tasks.handdown import task_hand_down
from tasks.models import HandDown, Task

pytestmark = pytest.mark.django_db

COUNTY_PLAN = """岳阳县碳达峰行动方案

二、重点任务
（一）能源绿色低碳转型行动
1．大力发展光伏发电。到2026年，全县新增光伏装机容量达到30万千瓦以上。（县发改局牵头）
2．整治农村人居环境。开展村庄清洁行动。（县发改局牵头）
"""


def upload(client, region):
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("yy.txt", COUNTY_PLAN.encode()), "region": region.pk},
    )
    assert response.status_code == 302, response.content[:500]
    return PlanImport.objects.get()


def test_the_review_suggests_the_upper_task_and_commit_links_the_confirmed_one(chain, client):
    client.force_login(chain.users.city_office)
    plan_import = upload(client, chain.county)
    page = client.get(reverse("plans:import_review", args=[plan_import.pk])).content.decode()
    section = page[page.index('id="upper-links"') :]
    assert "承接上级任务建议" in section and chain.upper.title in section
    assert "整治农村人居环境" not in section.split("</table>")[0]
    [suggestion] = upper_suggestions(plan_import)
    assert (suggestion.title, suggestion.upper) == ("大力发展光伏发电", chain.upper)
    url = reverse("plans:import_upper_link", args=[plan_import.pk])
    # A suggestion that does not exist is refused and nothing is recorded.
    client.post(url, {"key": suggestion.key, "upper": chain.city_other.pk, "decision": "confirmed"})
    plan_import.refresh_from_db()
    assert plan_import.upper_links == {}
    client.post(url, {"key": suggestion.key, "upper": chain.upper.pk, "decision": "confirmed"})
    plan_import.refresh_from_db()
    assert plan_import.upper_links == {suggestion.key: {"upper": chain.upper.pk, "decision": "confirmed"}}
    assert AuditEntry.objects.filter(action="plan_import.upper_link").count() == 1
    assert "已确认承接" in client.get(reverse("plans:import_review", args=[plan_import.pk])).content.decode()
    response = client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    assert response.status_code == 302
    plan_import.refresh_from_db()
    lower = Task.objects.get(action__plan=plan_import.plan, title="大力发展光伏发电")
    assert (lower.parent, lower.link_kind) == (chain.upper, "linked")
    assert lower.indicators.get().parent == chain.upper_indicator
    # The city office imported the county's plan and linked it: it handed the task down.
    assert HandDown.objects.get(task=chain.upper, plan=plan_import.plan).by == chain.users.city_office
    assert AuditEntry.objects.filter(action="task.hand_down_answer", target_id=str(lower.pk)).exists()


def test_a_declined_suggestion_links_nothing(chain, client):
    client.force_login(chain.users.city_office)
    plan_import = upload(client, chain.county)
    [suggestion] = upper_suggestions(plan_import)
    client.post(
        reverse("plans:import_upper_link", args=[plan_import.pk]),
        {"key": suggestion.key, "upper": chain.upper.pk, "decision": "declined"},
    )
    assert upper_suggestions(PlanImport.objects.get())[0].decision == "declined"
    client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    assert not Task.objects.filter(parent=chain.upper).exists()


def test_a_revision_suggests_the_task_handed_down_and_keeps_the_links_it_has(chain):
    task_hand_down(
        task=chain.upper, plans=[chain.county_plan], waiting=[chain.county_plan], by=chain.users.city_office
    )
    task_hand_down(
        task=chain.city_other,
        plans=[chain.county_plan],
        links={chain.county_plan.pk: chain.county_other.pk},
        by=chain.users.city_office,
    )
    text = COUNTY_PLAN.replace(
        "2．整治农村人居环境。开展村庄清洁行动。", "2．推广新能源汽车。全年新增公共充电桩30个。"
    )
    plan_import = PlanImport.objects.create(
        region=chain.county, replaces=chain.county_plan, original_name="v2.txt",
        parsed=parse_plan_text(text, "v2.txt"),
    )  # fmt: skip
    suggestions = upper_suggestions(plan_import)
    # 推广新能源汽车 answers 推进绿色建筑 already: it is offered nothing.
    assert [(s.title, s.upper, s.handed_down) for s in suggestions] == [
        ("大力发展光伏发电", chain.upper, True)
    ]
    plan_import.upper_links = {suggestions[0].key: {"upper": chain.upper.pk, "decision": "confirmed"}}
    plan_import.save()
    plan_import_commit(plan_import=plan_import, by=chain.users.county_office)
    assert not HandDown.objects.waiting().exists()
    answering = Task.objects.get(parent=chain.upper)
    assert answering.action.plan == chain.county_plan and answering.title == "大力发展光伏发电"
    chain.county_other.refresh_from_db()
    assert chain.county_other.parent == chain.city_other


def test_a_confirmed_link_that_can_no_longer_be_made_is_told_not_dropped(chain, client):
    client.force_login(chain.users.city_office)
    plan_import = upload(client, chain.county)
    [suggestion] = upper_suggestions(plan_import)
    client.post(
        reverse("plans:import_upper_link", args=[plan_import.pk]),
        {"key": suggestion.key, "upper": chain.upper.pk, "decision": "confirmed"},
    )
    # The upper task is archived by a revision of the city plan before the county commits.
    Task.objects.filter(pk=chain.upper.pk).update(archived_at=timezone.now())
    response = client.post(reverse("plans:import_commit", args=[plan_import.pk]), follow=True)
    assert "未能承接上级任务" in response.content.decode()
    plan_import.refresh_from_db()
    assert plan_import.state == "committed"
    assert not Task.objects.filter(parent=chain.upper).exists()


def test_a_county_office_linking_its_own_task_at_import_is_not_recorded_as_handing_it_down(chain):
    """The city handed nothing down: the row that makes the link says so (no 下达人), and
    the answer's audit entry names the county office that linked it."""
    plan_import = PlanImport.objects.create(
        region=chain.county, replaces=chain.county_plan, original_name="v2.txt",
        parsed=parse_plan_text(COUNTY_PLAN, "v2.txt"),
    )  # fmt: skip
    [suggestion] = upper_suggestions(plan_import)
    assert (suggestion.upper, suggestion.handed_down) == (chain.upper, False)
    plan_import.upper_links = {suggestion.key: {"upper": chain.upper.pk, "decision": "confirmed"}}
    plan_import.save()
    plan_import_commit(plan_import=plan_import, by=chain.users.county_office)
    answering = Task.objects.get(parent=chain.upper)
    assert HandDown.objects.get(task=chain.upper, plan=chain.county_plan).by is None
    entry = AuditEntry.objects.get(action="task.hand_down_answer", target_id=str(answering.pk))
    assert entry.actor == chain.users.county_office
