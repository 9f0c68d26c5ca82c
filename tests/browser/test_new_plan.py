"""A county's office, new to carbonplan, gets its own plan running without an
administrator: import → review → commit → schedule → accounts → an agency signs in
with its one-time password, changes it and reports → the office approves → the
dashboard and the next bulletin show the report."""

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from plans.models import Plan
from reports.models import Bulletin
from tasks.models import ProgressReport, ReportingPeriod
from tests import factories as f
from tests.plans.docs import SMALL_PLAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEM = "光伏项目并网手续办理较慢"
NEW_PASSWORD = "Ganquan-Guangfu-2027"


def sign_out(page):
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_a_new_office_runs_its_own_plan_from_import_to_bulletin(
    page, live_server, login_as, screenshot, tmp_path
):
    county = f.RegionFactory(name="甲县")
    f.role(f.UserFactory(username="xinban"), "office", region=county)
    document = tmp_path / "甲县碳达峰行动方案.txt"
    document.write_text(SMALL_PLAN, encoding="utf-8")

    # Import, review, commit.
    login_as("xinban")
    page.goto(f"{live_server.url}/plans/imports/")
    page.set_input_files("input[name=file]", str(document))
    page.select_option("select[name=region]", label="甲县")
    with page.expect_navigation():
        page.click("button:has-text('上传并解析')")
    assert "核对任务分解" in page.content()
    with page.expect_navigation():
        page.click("button:has-text('确认导入')")
    plan = Plan.objects.get()
    assert page.url == f"{live_server.url}/plans/{plan.pk}/"

    # The reporting schedule: the current quarter on, open for entry now.
    page.click("a:has-text('填报安排')")
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/schedule/")
    first = page.locator("input[name=first_period]").input_value()
    assert re.fullmatch(r"\d{4}Q[1-4]", first)
    page.fill("input[name=deadline_days]", "10")
    page.fill("input[name=window_days]", "100")
    screenshot("new-plan-schedule")
    with page.expect_navigation():
        page.click("button:has-text('保存并创建季度')")
    expect(page.locator(".messages")).to_contain_text("填报安排已保存")
    period = ReportingPeriod.objects.get(plan=plan, label=first)
    expect(page.locator("#periods")).to_contain_text(period.display_name)  # as people write it

    # The agencies' accounts, downloaded as a sheet.
    page.click("a:has-text('为各单位创建账号')")
    expect(page.locator("#agency-accounts")).to_contain_text("县发改局")
    with page.expect_download() as download:
        page.click("button:has-text('创建账号并下载 Excel')")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:3]) == ["单位", "用户名", "初始密码"]
    username, password = next((r[1], r[2]) for r in rows[1:] if r[0] == "县发改局")
    page.reload()
    expect(page.locator("#agency-accounts")).to_contain_text(username)
    sign_out(page)

    # The agency signs in with its one-time password and must change it first.
    sign_in(page, live_server, username, password)
    page.wait_for_url(f"{live_server.url}/agencies/password/first-login/")
    page.goto(f"{live_server.url}/tasks/")
    page.wait_for_url(f"{live_server.url}/agencies/password/first-login/")
    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    screenshot("new-plan-first-login")
    with page.expect_navigation():
        page.click("button:has-text('修改密码')")
    expect(page.locator(".messages")).to_contain_text("密码已修改")

    # …and reports the quarter.
    page.goto(f"{live_server.url}/tasks/")
    page.click("table.tasklist >> text=大力发展新能源")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "40")
    page.fill("textarea[name=progress_text]", "已完成3个光伏项目备案。")
    page.fill("textarea[name=problems]", PROBLEM)
    page.click("button:has-text('提交审核')")
    expect(page.locator(".messages")).to_contain_text("已提交")
    sign_out(page)
    sign_in(page, live_server, username, NEW_PASSWORD)
    assert page.url == f"{live_server.url}/"  # the new password works, no first-login page
    sign_out(page)

    # The office approves; the dashboard and the bulletin show it.
    login_as("xinban")
    page.goto(f"{live_server.url}/tasks/review/?plan={plan.pk}&period={period.label}")
    page.click("table.review-list button:has-text('通过')")
    expect(page.locator(".messages")).to_contain_text("已通过")
    report = ProgressReport.objects.get(task__action__plan=plan, agency__name="县发改局", period=period)
    assert report.state == "approved"

    page.goto(f"{live_server.url}/reports/plans/{plan.pk}/dashboard/?period={period.label}")
    expect(page.locator(".bignum-card:has-text('审核情况') .bn-value")).to_contain_text("1")
    screenshot("new-plan-dashboard")

    page.goto(f"{live_server.url}/reports/plans/{plan.pk}/bulletins/")
    page.select_option("#generate-form select[name=period]", period.label)
    with page.expect_navigation():
        page.click("#generate-form button:has-text('生成新版本')")
    expect(page.locator("#bulletins")).to_contain_text(period.display_name)
    bulletin = Bulletin.objects.get(plan=plan, period=period)
    assert bulletin.state == "done", bulletin.error
    with bulletin.docx.open("rb") as fh:
        text = "\n".join(p.text for p in Document(io.BytesIO(fh.read())).paragraphs)
        fh.seek(0)
        tables = Document(io.BytesIO(fh.read())).tables
    text += "\n".join(cell.text for table in tables for row in table.rows for cell in row.cells)
    assert PROBLEM in text
    assert page.console_errors == []
