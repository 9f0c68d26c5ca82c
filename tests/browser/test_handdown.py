"""The supervision chain in a browser: the city office goes from its region page to its
task, hands it down to a county plan linking the suggested county task; the county office
sees what its task answers and cannot undo it; the county agency reports; the city sees
the county's progress on its task's page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks.models import Task
from tasks.periods import quarter_bounds, quarter_of
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_quarter(chain):
    """The quarter under way, open for reporting in the city's and the counties' plans."""
    year, quarter = quarter_of(timezone.localdate())
    starts, ends = quarter_bounds(year, quarter)
    return {
        plan.pk: f.PeriodFactory(
            plan=plan, year=year, quarter=quarter, opens_on=starts, deadline=ends + dt.timedelta(days=10)
        )
        for plan in (chain.city_plan, chain.county_plan, chain.county2_plan)
    }


def test_a_city_task_is_handed_down_reported_on_below_and_seen_above(
    chain, open_quarter, page, live_server, login_as
):
    base = live_server.url
    label = open_quarter[chain.city_plan.pk].label
    login_as("city_office")
    page.goto(f"{base}/reports/regions/{chain.city.pk}/")
    expect(page.locator("h1")).to_contain_text("岳阳市")
    expect(page.locator("a:has-text('区域简报 PDF')")).to_be_visible()
    page.goto(f"{base}/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/?period={label}")
    section = page.locator("#handed-down")
    expect(section).to_contain_text("尚未下达的下级方案")
    section.locator("a:has-text('下达到下级方案')").click()
    page.check(f"input[name=plan_{chain.county_plan.pk}]")
    # The county's own task is suggested; the office confirms it.
    page.select_option(f"select[name=link_{chain.county_plan.pk}]", str(chain.county_task.pk))
    page.click("button:has-text('确认下达')")
    expect(page.locator(".messages")).to_contain_text("已下达到 1 个下级方案")
    expect(page.locator("#handed-down")).to_contain_text(chain.county_task.title)
    assert Task.objects.get(pk=chain.county_task.pk).parent_id == chain.upper.pk
    page.context.clear_cookies()

    login_as("county_office")
    page.goto(
        f"{base}/reports/plans/{chain.county_plan.pk}/dashboard/tasks/{chain.county_task.pk}/?period={label}"
    )
    expect(page.locator("#parent-task")).to_contain_text(chain.upper.title)
    expect(page.locator("#parent-task")).to_contain_text("本级不能解除")
    expect(page.locator("button:has-text('解除下达')")).to_have_count(0)
    page.context.clear_cookies()

    login_as("county_agency")
    page.goto(f"{base}/tasks/report/{chain.county_task.pk}/{open_quarter[chain.county_plan.pk].pk}/")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "35")
    page.fill("textarea[name=progress_text]", "已完成屋顶光伏备案8个。")
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    page.context.clear_cookies()

    login_as("city_office")
    page.goto(f"{base}/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/?period={label}")
    row = page.locator("#handed-down tr", has_text=chain.county_task.title)
    expect(row).to_contain_text("岳阳县")
    expect(row).to_contain_text("35%")
    expect(row).to_contain_text("已完成屋顶光伏备案8个。")
    assert page.console_errors == []


def test_a_city_task_handed_down_unlinked_is_answered_by_the_county_office_itself(
    chain, open_quarter, page, live_server, login_as
):
    base = live_server.url
    label = open_quarter[chain.city_plan.pk].label
    login_as("city_office")
    page.goto(f"{base}/reports/regions/{chain.city.pk}/")
    expect(page.locator("h1")).to_contain_text("岳阳市")
    page.goto(f"{base}/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/?period={label}")
    page.locator("#handed-down a:has-text('下达到下级方案')").click()
    page.check(f"input[name=plan_{chain.county_plan.pk}]")
    # Handed down without a link: the county office answers it.
    page.select_option(f"select[name=link_{chain.county_plan.pk}]", "wait")
    page.click("button:has-text('确认下达')")
    expect(page.locator(".messages")).to_contain_text("待下级落实 1 个")
    waiting = page.locator("#handed-down li", has_text="岳阳县碳达峰实施方案")
    expect(waiting).to_contain_text("下达")
    waiting.locator("button:has-text('催办落实')").click()
    expect(page.locator(".messages")).to_contain_text("已向岳阳县碳达峰实施方案专班办公室发送催办")
    page.context.clear_cookies()

    login_as("county_office")
    expect(page.locator("#handed-down-waiting")).to_contain_text("上级下达任务待落实 1 项")
    page.locator("#handed-down-waiting a", has_text=chain.upper.title).click()
    expect(page.locator("#upper-task")).to_contain_text(chain.upper.title)
    # The county's most similar task is suggested and chosen; the office confirms it.
    expect(page.locator("select[name=link]")).to_have_value(str(chain.county_task.pk))
    page.click("button:has-text('确认落实')")
    expect(page.locator(".messages")).to_contain_text("已落实上级下达任务")
    expect(page.locator("#parent-task")).to_contain_text(chain.upper.title)
    expect(page.locator("button:has-text('解除下达')")).to_have_count(0)
    assert Task.objects.get(pk=chain.county_task.pk).parent_id == chain.upper.pk
    page.goto(f"{base}/reports/plans/{chain.county_plan.pk}/upper-chases/")
    expect(page.locator("#chase-history")).to_contain_text("下达任务未落实")
    page.context.clear_cookies()

    login_as("county_agency")
    page.goto(f"{base}/tasks/report/{chain.county_task.pk}/{open_quarter[chain.county_plan.pk].pk}/")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "35")
    page.fill("textarea[name=progress_text]", "已完成屋顶光伏备案8个。")
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    page.context.clear_cookies()

    login_as("city_office")
    page.goto(f"{base}/reports/plans/{chain.city_plan.pk}/dashboard/tasks/{chain.upper.pk}/?period={label}")
    row = page.locator("#handed-down tr", has_text=chain.county_task.title)
    expect(row).to_contain_text("35%")
    expect(row).to_contain_text("关联已有任务")
    expect(page.locator("#handed-down")).not_to_contain_text("已下达、待下级落实")
    assert page.console_errors == []
