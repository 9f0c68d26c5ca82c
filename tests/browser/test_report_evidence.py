import re

import pytest
from playwright.sync_api import expect

from tasks.models import Evidence, ProgressReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_chosen_file_is_uploaded_when_the_agency_submits_and_the_report_can_be_withdrawn(
    world, page, live_server, login_as, screenshot
):
    login_as("owner")
    page.goto(f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "40")
    page.fill("textarea[name=progress_text]", "已完成3个光伏项目备案。")
    # The file is chosen but its 上传 button never clicked.
    page.set_input_files(
        "#evidence-file", files=[{"name": "备案表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已上传佐证材料")
    expect(page.locator(".messages")).to_contain_text("已提交")
    expect(page.locator("section.evidence")).to_contain_text("备案表.pdf")
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert report.state == "submitted"
    assert list(Evidence.objects.filter(report=report).values_list("original_name", flat=True)) == [
        "备案表.pdf"
    ]
    screenshot("tasks-report-submitted-withdraw")

    page.click("#withdraw-form button:has-text('撤回')")
    expect(page.locator(".messages")).to_contain_text("已撤回")
    expect(page.locator("button:has-text('提交审核')")).to_be_enabled()
    report.refresh_from_db()
    assert report.state == "draft"
    page.click("a:has-text('填报历史')")
    page.wait_for_url(re.compile(r"/history/"))
    expect(page.locator("body")).to_contain_text("撤回")
