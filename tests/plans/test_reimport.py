"""Re-importing a revised version of a plan: the difference is shown, the plan is
updated in place and the progress history of tasks that stay is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditEntry
from indicators.models import Indicator
from plans.import_review import plan_diff
from plans.models import PlanImport
from plans.parsing import parse_plan_text
from plans.services import plan_revise_from_parsed
from tasks.models import ProgressReport, Task

from .docs import SMALL_PLAN

pytestmark = pytest.mark.django_db

REVISED = (
    SMALL_PLAN.replace("全年新增公共充电桩30个以上", "全年新增公共充电桩50个以上")
    .replace(
        "1．推广绿色建筑。到2025年，城镇新建建筑全面执行绿色建筑标准。",
        "1．推广装配式建筑。到2025年，装配式建筑占新建建筑比例达到30%。",
    )
    .replace(
        "（二）城乡建设碳达峰行动",
        "3．推进公共机构节能。到2025年，公共机构单位建筑面积能耗下降5%。（县机关事务中心牵头）\n（二）城乡建设碳达峰行动",
    )
)


def test_the_diff_lists_added_removed_and_changed_tasks_and_targets(jia_plan):
    diff = plan_diff(jia_plan, parse_plan_text(REVISED, "jia-v2.txt"))
    assert [t["title"] for t in diff["tasks_added"]] == ["推进公共机构节能", "推广装配式建筑"]
    assert [t["title"] for t in diff["tasks_removed"]] == ["推广绿色建筑"]
    assert diff["tasks_removed"][0]["reports"] == 2
    assert [t["title"] for t in diff["tasks_changed"]] == ["推进绿色交通"]
    assert diff["tasks_unchanged"] == 1
    assert [(t["old"], t["new"]) for t in diff["targets_changed"]] == [
        ("新增公共充电桩 ≥30个", "新增公共充电桩 ≥50个")
    ]
    added = [t["text"] for t in diff["targets_added"]]
    assert any("30%" in text for text in added) and any("5%" in text for text in added)


def test_an_unchanged_document_shows_no_difference(jia_plan):
    diff = plan_diff(jia_plan, parse_plan_text(SMALL_PLAN, "jia.txt"))
    assert not diff["has_changes"] and diff["tasks_unchanged"] == 3


def test_revising_keeps_the_reports_of_tasks_that_stay_and_archives_the_others(jia_plan):
    kept = Task.objects.get(action__plan=jia_plan, title="大力发展新能源")
    changed = Task.objects.get(action__plan=jia_plan, title="推进绿色交通")
    gone = Task.objects.get(action__plan=jia_plan, title="推广绿色建筑")
    all_reports = set(ProgressReport.objects.filter(task__action__plan=jia_plan).values_list("pk", flat=True))
    gone_reports = set(gone.reports.values_list("pk", flat=True))
    gone_agencies = set(gone.assignments.values_list("agency_id", flat=True))
    charger = Indicator.objects.get(task=changed)
    counts = plan_revise_from_parsed(plan=jia_plan, parsed=parse_plan_text(REVISED, "jia-v2.txt"))
    assert counts["tasks_removed"] == 1 and counts["tasks_added"] == 2 and counts["reports_archived"] == 2
    assert counts["tasks_archived"] == [gone.pk]
    titles = list(
        Task.objects.filter(action__plan=jia_plan)
        .active()
        .order_by("action__seq", "seq")
        .values_list("title", flat=True)
    )
    assert titles == ["大力发展新能源", "推进绿色交通", "推进公共机构节能", "推广装配式建筑"]
    # Nothing is deleted: the task that went is archived with its reports and agencies.
    assert (
        set(ProgressReport.objects.filter(task__action__plan=jia_plan).values_list("pk", flat=True))
        == all_reports
    )
    gone.refresh_from_db()
    assert gone.archived_at is not None and len(gone_reports) == 2
    assert set(gone.reports.values_list("pk", flat=True)) == gone_reports
    assert set(gone.assignments.values_list("agency_id", flat=True)) == gone_agencies
    assert list(Task.objects.of_plan(jia_plan).archived()) == [gone]
    assert Task.objects.filter(pk=kept.pk).exists() and Task.objects.filter(pk=changed.pk).exists()
    charger.refresh_from_db()  # the same indicator row, so its reported values stay
    assert charger.target == 50
    assert AuditEntry.objects.filter(action="plan.revise", target_id=str(jia_plan.pk)).exists()


def test_reimport_through_the_pages_shows_the_diff_and_updates_the_plan_in_place(world, login, jia_plan):
    client = login(world.users.office)
    detail = client.get(reverse("plans:detail", args=[jia_plan.pk])).content.decode()
    assert f"?replaces={jia_plan.pk}" in detail
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("jia-v2.txt", REVISED.encode("gb18030")), "replaces": jia_plan.pk},
    )
    plan_import = PlanImport.objects.get()
    assert plan_import.replaces == jia_plan and plan_import.region == world.county_a
    page = client.get(response["Location"]).content.decode()
    assert "与现有方案相比" in page and "推广装配式建筑" in page and "将归档的任务" in page
    assert "2 条填报随任务归档" in page
    client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    plan_import.refresh_from_db()
    assert plan_import.state == "committed" and plan_import.plan == jia_plan
    assert Task.objects.filter(action__plan=jia_plan, title="推进公共机构节能").exists()
    assert (
        ProgressReport.objects.filter(task__title="大力发展新能源", task__action__plan=jia_plan).count() == 3
    )


def test_only_the_office_of_a_plan_may_upload_its_revision(world, login, jia_plan):
    client = login(world.users.other_office)
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("jia-v2.txt", REVISED.encode()), "replaces": jia_plan.pk},
    )
    assert response.status_code == 200 and "replaces" in response.context["form"].errors
    assert PlanImport.objects.count() == 0


def test_a_reworded_task_heading_keeps_the_task_and_its_reports(jia_plan):
    task = Task.objects.get(action__plan=jia_plan, title="大力发展新能源")
    reports = set(task.reports.values_list("pk", flat=True))
    revised = SMALL_PLAN.replace("1．大力发展新能源。", "1．加快发展新能源。")
    diff = plan_diff(jia_plan, parse_plan_text(revised, "jia-v2.txt"))
    assert not diff["tasks_added"] and not diff["tasks_removed"]
    assert diff["tasks_changed"][0]["changes"][0] == "标题：大力发展新能源 → 加快发展新能源"
    plan_revise_from_parsed(plan=jia_plan, parsed=parse_plan_text(revised, "jia-v2.txt"))
    task.refresh_from_db()
    assert task.title == "加快发展新能源" and set(task.reports.values_list("pk", flat=True)) == reports


def test_tasks_with_merely_alike_headings_are_not_taken_for_each_other(jia_plan):
    revised = SMALL_PLAN.replace("2．推进绿色交通。", "2．推进绿色建筑。")
    diff = plan_diff(jia_plan, parse_plan_text(revised, "jia-v2.txt"))
    assert [t["title"] for t in diff["tasks_removed"]] == ["推进绿色交通"]
    assert [t["title"] for t in diff["tasks_added"]] == ["推进绿色建筑"]
