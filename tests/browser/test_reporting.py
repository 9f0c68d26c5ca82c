import re

import pytest
from playwright.sync_api import expect

from tasks.models import ProgressReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def count(page, name):
    return page.locator(f"[data-count={name}]").inner_text().strip()


def test_agency_submits_office_returns_agency_resubmits_office_approves(
    world, page, live_server, login_as, screenshot
):
    login_as("owner")
    page.click("nav.mainnav >> text=本单位任务")
    expect(page.locator("table.tasklist")).to_contain_text("大力发展新能源")
    expect(page.locator("table.tasklist")).to_contain_text("未填报")
    screenshot("tasks-agency-home")
    page.click("table.tasklist >> text=大力发展新能源")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "40")
    page.fill("textarea[name=progress_text]", "已完成3个光伏项目备案。")
    page.fill(f"input[name=ind_{world.indicator_a.pk}]", "8")
    screenshot("tasks-report-form")
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    expect(page.locator(".meta")).to_contain_text("已提交")
    sign_out(page)

    login_as("office")
    page.goto(f"{live_server.url}/tasks/review/?plan={world.plan_a.pk}")
    assert (count(page, "submitted"), count(page, "returned"), count(page, "approved")) == ("1", "0", "0")
    screenshot("tasks-review")
    page.click("table.review-list >> text=大力发展新能源")
    expect(page.locator(".report-body")).to_contain_text("已完成3个光伏项目备案。")
    page.fill("#return-comment", "请写明项目名称。")
    screenshot("tasks-report-detail-office")
    page.click("button:has-text('退回修改')")
    expect(page.locator(".messages")).to_contain_text("已退回")
    page.goto(f"{live_server.url}/tasks/review/?plan={world.plan_a.pk}")
    assert (count(page, "submitted"), count(page, "returned")) == ("0", "1")
    sign_out(page)

    login_as("owner")
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator("table.tasklist")).to_contain_text("被退回")
    page.click("table.tasklist >> text=大力发展新能源")
    expect(page.locator(".notice.returned")).to_contain_text("请写明项目名称。")
    page.fill("textarea[name=progress_text]", "已完成甲、乙、丙3个光伏项目备案。")
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    sign_out(page)

    login_as("office")
    page.goto(f"{live_server.url}/tasks/review/?plan={world.plan_a.pk}")
    assert (count(page, "submitted"), count(page, "returned"), count(page, "approved")) == ("1", "0", "0")
    page.click("table.review-list button:has-text('通过')")
    expect(page.locator(".messages")).to_contain_text("已通过")
    assert (count(page, "submitted"), count(page, "approved")) == ("0", "1")
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own)
    assert report.state == "approved" and report.progress_text == "已完成甲、乙、丙3个光伏项目备案。"
    page.goto(f"{live_server.url}/tasks/reports/{report.pk}/history/")
    events = list(report.versions.order_by("number").values_list("event", flat=True))
    assert events[-4:] == ["returned", "saved", "submitted", "approved"] and events.count("submitted") == 2
    expect(page.locator("table.history tbody tr")).to_have_count(len(events))
    expect(page.locator("table.history")).to_contain_text("请写明项目名称。")
    screenshot("tasks-history")
    assert page.console_errors == []


def test_autosave_survives_a_reload(world, page, live_server, login_as, screenshot):
    login_as("owner")
    url = f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/"
    page.goto(url)
    page.fill("textarea[name=progress_text]", "自动保存的进展")
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"已自动保存 \d\d:\d\d"))
    page.reload()
    expect(page.locator("textarea[name=progress_text]")).to_have_value("自动保存的进展")
    assert ProgressReport.objects.get(task=world.task_a1, agency=world.own).progress_text == "自动保存的进展"
    assert page.console_errors == []


def test_text_typed_while_the_server_is_unreachable_comes_back_from_the_browser(
    world, page, live_server, login_as
):
    login_as("owner")
    url = f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/"
    page.goto(url)
    page.route("**/autosave/", lambda route: route.abort())
    page.fill("textarea[name=problems]", "断网时写的问题")
    expect(page.locator("#autosave-status")).to_contain_text("已保存在本机")
    page.unroute("**/autosave/")
    page.reload()
    expect(page.locator("textarea[name=problems]")).to_have_value("断网时写的问题")
    expect(page.locator("#autosave-status")).to_contain_text(re.compile("已恢复|已自动保存"))
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"已自动保存 \d\d:\d\d"))
    assert ProgressReport.objects.get(task=world.task_a1, agency=world.own).problems == "断网时写的问题"


def test_a_double_clicked_submit_makes_one_submission(world, page, live_server, login_as):
    login_as("owner")
    page.goto(f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/")
    page.select_option("select[name=status]", "done")
    page.fill("input[name=percent]", "100")
    page.fill("textarea[name=progress_text]", "全部完成")
    page.dblclick("button:has-text('提交审核')")
    expect(page.locator(".meta")).to_contain_text("已提交")
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own)
    assert report.versions.filter(event="submitted").count() == 1


def test_a_stale_tab_is_shown_both_texts(world, page, live_server, login_as, screenshot):
    login_as("owner")
    url = f"{live_server.url}/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/"
    page.goto(url)
    page.fill("textarea[name=progress_text]", "第一个窗口")
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存")
    second = page.context.new_page()
    second.goto(url)
    second.fill("textarea[name=next_steps]", "第二个窗口的计划")
    expect(second.locator("#autosave-status")).to_contain_text("已自动保存")
    page.fill("textarea[name=progress_text]", "第一个窗口又改了")
    expect(page.locator("#autosave-status")).to_contain_text("合并")
    page.click("button:has-text('保存草稿')")
    expect(page.locator("#conflict")).to_contain_text("第二个窗口的计划")
    expect(page.locator("textarea[name=progress_text]")).to_have_value("第一个窗口又改了")
    screenshot("tasks-conflict")
    page.click("button:has-text('保存草稿')")
    expect(page.locator(".messages")).to_contain_text("草稿已保存")
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own)
    assert report.progress_text == "第一个窗口又改了"


def test_an_upload_with_errors_lists_them_and_the_office_can_reopen_a_quarter(
    world, page, live_server, login_as, screenshot, tmp_path
):
    import io

    from openpyxl import load_workbook

    from tasks.workbook import AgencyQuarterWorkbook

    _name, _mime, content = AgencyQuarterWorkbook(agency=world.own, period=world.period_a).export()
    book = load_workbook(io.BytesIO(content))
    book["进展填报"]["G2"], book["进展填报"]["H2"] = "差不多", "一半"
    path = tmp_path / "填报.xlsx"
    book.save(path)
    login_as("owner")
    page.goto(f"{live_server.url}/tasks/periods/{world.period_a.pk}/upload/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并检查')")
    expect(page.locator(".upload-errors")).to_contain_text("第2行 完成进度：应为0–100的数字")
    screenshot("tasks-upload-errors")
    assert not ProgressReport.objects.exists()
    sign_out(page)

    login_as("office")
    page.goto(f"{live_server.url}/tasks/periods/{world.period_a.pk}/")
    page.click("button:has-text('关闭填报')")
    expect(page.locator(".messages")).to_contain_text("已关闭填报")
    page.select_option("select[name=agency]", str(world.own.pk))
    page.fill("input[name=until]", "2099-12-31")
    page.fill("input[name=reason]", "系统故障补报")
    page.click("button:has-text('开放补报')")
    expect(page.locator("table")).to_contain_text("系统故障补报")
    screenshot("tasks-period-settings")
    page.goto(f"{live_server.url}/tasks/notifications/")
    screenshot("tasks-notifications")
    # The refused upload answers 400 on purpose; the console must hold nothing else.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
