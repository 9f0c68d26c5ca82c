import pytest
from playwright.sync_api import expect

from tasks.models import ProgressReport
from tasks.services import report_get_or_create, report_save_draft, report_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_inserts_a_supporters_input_and_consolidates_it(world, page, live_server, login_as):
    item = report_get_or_create(
        task=world.task_a1, agency=world.other, period=world.period_a, by=world.users.other_agency
    )
    item, _ = report_save_draft(
        report=item,
        data={"progress_text": "配合完成城东<b>选址</b>2处。", "problems": "用地指标紧张。"},
        by=world.users.other_agency,
    )
    report_submit(report=item, by=world.users.other_agency)

    login_as("owner")
    page.goto(f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/")
    card = page.locator(f"#input-{item.pk}")
    expect(card).to_contain_text("已报送牵头单位")
    page.fill("textarea[name=progress_text]", "本单位完成光伏备案3个。")
    card.locator("button.insert-input").click()
    text = page.input_value("textarea[name=progress_text]")
    assert text == "本单位完成光伏备案3个。\n【县交通运输局】配合完成城东<b>选址</b>2处。"
    assert page.input_value("textarea[name=problems]") == "【县交通运输局】用地指标紧张。"
    expect(card.locator("input[name=consolidated_inputs]")).to_be_checked()
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "40")
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    expect(page.locator(f"#input-{item.pk}")).to_contain_text("已汇总")
    item.refresh_from_db()
    assert item.state == ProgressReport.State.APPROVED
    lead = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert list(lead.consolidated_inputs.all()) == [item]
    assert page.console_errors == []
