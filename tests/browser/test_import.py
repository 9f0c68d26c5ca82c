"""The office imports a plan document of fixtures/docs through the browser."""

from pathlib import Path

import pytest

from plans.models import Plan, PlanImport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = Path(__file__).resolve().parents[2] / "fixtures" / "docs" / "pingjiang-county-2026.txt"


def test_office_uploads_a_plan_checks_warnings_highlights_a_source_and_commits(
    world, page, live_server, login_as, screenshot
):
    login_as("office")
    page.click("text=方案导入")
    page.wait_for_url(f"{live_server.url}/plans/imports/")
    page.set_input_files("input[name=file]", str(PLAN))
    page.select_option("select[name=region]", label="甲县")
    with page.expect_navigation():
        page.click("button:has-text('上传并解析')")
    screenshot("import-review")
    assert "核对任务分解" in page.content()
    warnings = page.locator(".warning-list li")
    assert warnings.count() > 0
    assert page.locator(".chip.agency-unknown").count() > 0
    assert page.locator("tr.task-row.has-warning").count() > 0

    row = page.locator("tr.task-row").nth(2)
    title = row.locator("input.task-title").input_value()
    row.locator("td.task-no").click()
    mark = page.locator("#source-text mark.source-hl")
    assert mark.count() == 1
    assert title[:6] in mark.inner_text()
    assert "selected-item" in (row.get_attribute("class") or "")
    screenshot("import-review-highlight")

    # A warning link selects its task too.
    page.locator(".warning-list a").first.click()
    assert page.locator("#source-text mark.source-hl").count() == 1

    # Correct a title and a target, then save: the page comes back with them.
    first = page.locator("tr.task-row").first
    first.locator("input.task-title").fill("健全碳排放双控制度")
    target = page.locator(".ind-edit input.ind-num").first
    target.fill("35")
    with page.expect_navigation():
        page.locator("button.save-edits").first.click()
    assert "修改已保存" in page.content()
    assert page.locator("tr.task-row").first.locator("input.task-title").input_value() == "健全碳排放双控制度"
    assert page.locator(".ind-edit input.ind-num").first.input_value() == "35"

    with page.expect_navigation():
        page.click("button:has-text('确认导入')")
    plan_import = PlanImport.objects.get()
    assert plan_import.state == "committed"
    assert page.url == f"{live_server.url}/plans/{plan_import.plan_id}/"
    plan = Plan.objects.get(pk=plan_import.plan_id)
    assert plan.title in page.content() and "健全碳排放双控制度" in page.content()
    assert plan.indicators.filter(target=35).exists()
    screenshot("import-committed")
    assert page.console_errors == []


def test_office_starts_a_revision_from_the_plan_page(world, page, live_server, login_as, screenshot):
    login_as("office")
    page.goto(f"{live_server.url}/plans/{world.plan_a.pk}/")
    assert page.locator("a:has-text('导出任务分解表')").count() == 1
    screenshot("plan-detail-office")
    with page.expect_download() as download:
        page.click("a:has-text('导出任务分解表')")
    assert download.value.suggested_filename.endswith("任务分解表.xlsx")
    page.click("a:has-text('导入修订版')")
    page.wait_for_url(f"{live_server.url}/plans/imports/?replaces={world.plan_a.pk}")
    assert page.locator("select[name=replaces]").input_value() == str(world.plan_a.pk)
    screenshot("import-list")
    assert page.console_errors == []


def test_office_sees_what_a_revised_document_changes(
    world, page, live_server, login_as, screenshot, tmp_path
):
    from plans.parsing import parse_plan_text
    from plans.services import plan_create_from_parsed
    from tests import factories as f
    from tests.plans.docs import SMALL_PLAN
    from tests.plans.test_reimport import REVISED

    plan = plan_create_from_parsed(parsed=parse_plan_text(SMALL_PLAN, "jia.txt"), region=world.county_a)
    f.role(world.users.office, "office", plan=plan)
    revised = tmp_path / "jia-v2.txt"
    revised.write_text(REVISED, encoding="utf-8")
    login_as("office")
    page.goto(f"{live_server.url}/plans/imports/?replaces={plan.pk}")
    page.set_input_files("input[name=file]", str(revised))
    with page.expect_navigation():
        page.click("button:has-text('上传并解析')")
    diff = page.locator(".import-diff")
    assert diff.locator(".diff-added").first.is_visible()
    assert "推广装配式建筑" in diff.inner_text() and "新增公共充电桩 ≥50个" in diff.inner_text()
    screenshot("import-revision-diff")
    with page.expect_navigation():
        page.click("button:has-text('确认导入修订版')")
    assert page.url == f"{live_server.url}/plans/{plan.pk}/"
    assert page.console_errors == []


def test_office_adds_a_task_by_hand_and_a_mistake_keeps_what_was_typed(
    world, page, live_server, login_as, screenshot
):
    login_as("office")
    page.goto(f"{live_server.url}/plans/imports/")
    page.set_input_files("input[name=file]", str(PLAN))
    page.select_option("select[name=region]", label="甲县")
    with page.expect_navigation():
        page.click("button:has-text('上传并解析')")
    rows = page.locator("tr.task-row").count()
    add = page.locator("tr.add-task details").first
    add.locator("summary").click()
    add.locator("input[name=a0-new-title]").fill("推进屋顶分布式光伏")
    # No lead agency yet: the page comes back with the error beside the field.
    with page.expect_navigation():
        page.locator("button.save-edits").first.click()
    assert page.locator("tr.add-task details[open]").count() == 1
    assert page.locator("input[name=a0-new-title]").input_value() == "推进屋顶分布式光伏"
    assert page.locator("input[name=a0-new-lead] + .field-error").inner_text() == "不能为空"
    screenshot("import-add-task-error")
    page.locator("input[name=a0-new-lead]").fill("县发改局")
    with page.expect_navigation():
        page.locator("button.save-edits").first.click()
    assert "修改已保存" in page.content()
    assert page.locator("tr.task-row").count() == rows + 1
    assert page.locator("tr.task-row input.task-title").nth(0).input_value() != ""
    assert "推进屋顶分布式光伏" in [
        page.locator("tr.task-row input.task-title").nth(i).input_value() for i in range(rows + 1)
    ]
    assert PlanImport.objects.get().parsed["actions"][0]["tasks"][-1]["added_by_hand"] is True
    # The page with the mistake came back as 400 Bad Request, on purpose; nothing else failed.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
