import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from tasks.models import ProgressReport
from tasks.services import report_get_or_create, report_save_draft
from tests import factories as f

pytestmark = pytest.mark.django_db


def download(client, world):
    response = client.get(reverse("tasks:workbook_download", args=[world.period_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def send(client, world, book):
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("填报.xlsx", out.getvalue())
    return client.post(reverse("tasks:workbook_upload", args=[world.period_a.pk]), {"file": upload})


def test_the_workbook_lists_the_agency_tasks_and_their_indicators(login, world):
    book = download(login(world.users.owner), world)
    sheet = book["进展填报"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3], r[4]) for r in rows] == [("1.1", "大力发展新能源", "牵头")]
    values = list(book["指标值"].iter_rows(min_row=2, values_only=True))
    assert values[0][2] == "新增公共充电桩" and values[0][3] == "个"
    other = download(login(world.users.other_agency), world)
    assert {r[3] for r in other["进展填报"].iter_rows(min_row=2, values_only=True)} == {"推进绿色交通"}
    # The task it supports is an input to the lead (the plan's leads consolidate).
    assert [r[3:5] for r in other["配合单位材料"].iter_rows(min_row=2, values_only=True)] == [
        ("大力发展新能源", "县发改局")
    ]
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    other = download(login(world.users.other_agency), world)
    assert {r[3] for r in other["进展填报"].iter_rows(min_row=2, values_only=True)} == {
        "大力发展新能源",
        "推进绿色交通",
    }
    assert "配合单位材料" not in other.sheetnames


def test_a_filled_workbook_round_trips_into_drafts(login, world):
    client = login(world.users.owner)
    book = download(client, world)
    sheet = book["进展填报"]
    sheet["G2"], sheet["H2"], sheet["I2"], sheet["K2"] = "推进中", 35, "离线填写的进展", "下季度并网"
    book["指标值"]["F2"] = 9
    response = send(client, world, book)
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert (report.status, report.percent, report.progress_text, report.next_steps) == (
        "in_progress",
        35,
        "离线填写的进展",
        "下季度并网",
    )
    assert report.state == "draft"
    assert IndicatorValue.objects.get(indicator=world.indicator_a, agency=world.own).value == 9
    # Downloading again shows what was applied.
    again = download(client, world)["进展填报"]
    assert again["I2"].value == "离线填写的进展" and again["F2"].value == "草稿"


def test_errors_are_listed_by_row_and_cell_and_nothing_is_applied(login, world):
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    extra = f.TaskFactory(action=world.action_a, seq=9, title="第三项任务")
    f.AssignmentFactory(task=extra, agency=world.own, role="support")
    client = login(world.users.owner)
    book = download(client, world)
    sheet = book["进展填报"]
    sheet["G2"], sheet["H2"], sheet["I2"] = "推进中", 50, "这一行是对的"
    sheet["G3"], sheet["H3"], sheet["I3"] = "快完成了", "一百二", "这一行有两处错"
    book["指标值"]["F2"] = "很多"
    response = send(client, world, book)
    assert response.status_code == 400
    body = response.content.decode()
    assert "第3行 完成进度：应为0–100的数字" in body
    assert "第3行 推进状态：应为未启动、推进中、已完成、滞后之一" in body
    assert "“指标值”第2行 本季度值：应为数字" in body
    assert not ProgressReport.objects.exists()
    assert not IndicatorValue.objects.exists()


def test_a_row_changed_online_since_the_download_is_refused(login, world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    client = login(world.users.owner)
    book = download(client, world)
    report_save_draft(
        report=report, data={"progress_text": "网上改过"}, by=world.users.colleague, base_version=1
    )
    book["进展填报"]["I2"] = "离线版本"
    body = send(client, world, book).content.decode()
    assert "第2行：该任务的填报在下载后已在网上修改" in body
    report.refresh_from_db()
    assert report.progress_text == "网上改过"


def test_a_tampered_task_id_or_a_non_excel_file_is_refused(login, world):
    client = login(world.users.owner)
    book = download(client, world)
    book["进展填报"]["A2"] = world.task_b1.pk
    book["进展填报"]["I2"] = "x"
    assert "第2行 任务ID：不是本单位本季度的任务" in send(client, world, book).content.decode()
    junk = SimpleUploadedFile("x.xlsx", b"not a workbook")
    response = client.post(reverse("tasks:workbook_upload", args=[world.period_a.pk]), {"file": junk})
    assert "不是有效的Excel" in response.content.decode()


# --- a supporting agency's inputs (配合单位材料) where the plan's leads consolidate -------
def _only_supporting(world):
    """县交通运输局 supports task 1.1 and leads nothing."""
    from tasks.models import TaskAssignment

    TaskAssignment.objects.filter(agency=world.other, role="lead").delete()


def test_a_supporting_agency_s_workbook_has_no_percent_or_status_columns(login, world):
    _only_supporting(world)
    book = download(login(world.users.other_agency), world)
    assert "进展填报" not in book.sheetnames
    headers = [c.value for c in book["配合单位材料"][1]]
    assert headers == [
        "任务ID",
        "版本",
        "编号",
        "重点任务",
        "牵头单位",
        "填报状态",
        "进展情况",
        "存在问题",
        "下步计划",
    ]
    assert not any(
        h in ("推进状态", "完成进度（%）")
        for name in book.sheetnames
        for h in [c.value for c in book[name][1]]
    )


def test_an_input_sheet_round_trips_into_an_input_draft(login, world):
    _only_supporting(world)
    client = login(world.users.other_agency)
    book = download(client, world)
    sheet = book["配合单位材料"]
    sheet["G2"], sheet["H2"] = "配合完成选址2处", "用地指标紧张"
    response = send(client, world, book)
    assert response.status_code == 302, response.content.decode()
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.other, period=world.period_a)
    assert (report.progress_text, report.problems, report.percent, report.status) == (
        "配合完成选址2处",
        "用地指标紧张",
        None,
        "",
    )
    again = download(client, world)["配合单位材料"]
    assert again["G2"].value == "配合完成选址2处" and again["F2"].value == "草稿"


def test_a_percent_typed_for_an_input_on_an_old_template_is_refused_by_row(login, world):
    """A workbook downloaded before the plan's leads consolidated still uploads; a percent
    or status on the row of an input is refused, naming the row, and nothing is applied."""
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    client = login(world.users.other_agency)
    book = download(client, world)
    world.plan_a.review_mode = "lead_consolidates"
    world.plan_a.save()
    sheet = book["进展填报"]
    row = next(r for r in range(2, 4) if sheet[f"D{r}"].value == "大力发展新能源")
    sheet[f"G{row}"], sheet[f"H{row}"], sheet[f"I{row}"] = "推进中", 30, "配合完成选址"
    response = send(client, world, book)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"第{row}行：配合单位材料只报送进展情况，不填推进状态" in body
    assert f"第{row}行：配合单位材料只报送进展情况，不填完成进度" in body
    assert not ProgressReport.objects.filter(agency=world.other).exists()


# --- key projects ------------------------------------------------------------------------


@pytest.fixture
def wind(world):
    from tasks.models import Project

    return Project.objects.create(task=world.task_a1, name="红石风电场", investment_planned=40000)


def test_the_owner_fills_its_projects_quarter_offline(login, world, wind):
    from tasks.models import ProgressReportVersion, ProjectUpdate

    client = login(world.users.owner)
    book = download(client, world)
    sheet = book["重点项目"]
    assert [c.value for c in sheet[2]][2:6] == ["1.1", "红石风电场", 40000, "前期工作"]
    sheet["F2"], sheet["G2"], sheet["I2"] = "开工建设", 1500, "征地未完成"
    assert send(client, world, book).status_code == 302
    update = ProjectUpdate.objects.get(project=wind)
    assert (update.stage, update.investment_quarter, update.problems) == ("building", 1500, "征地未完成")
    assert update.report.state == "draft"  # the quarter travels with the report's draft
    assert any(
        f"project:{wind.pk}" in v.changed_fields
        for v in ProgressReportVersion.objects.filter(report=update.report)
    )
    # Sending the same file again changes nothing; the sheet read back shows the quarter.
    versions = ProgressReportVersion.objects.count()
    again = download(client, world)
    assert send(client, world, again).status_code == 302 and ProgressReportVersion.objects.count() == versions
    assert [c.value for c in again["重点项目"][2]][5:9] == ["开工建设", 1500, None, "征地未完成"]
    ProjectUpdate.objects.filter(pk=update.pk).update(problems='=HYPERLINK("http://x")')
    cell = download(client, world)["重点项目"]["I2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")  # text, never a formula
    # The supporting agency's workbook has no project sheet.
    assert "重点项目" not in download(login(world.users.other_agency), world).sheetnames


def test_a_bad_stage_or_amount_in_the_project_sheet_is_listed_and_nothing_is_applied(login, world, wind):
    from tasks.models import ProjectUpdate

    client = login(world.users.owner)
    book = download(client, world)
    book["进展填报"]["I2"] = "离线填写的进展"
    book["重点项目"]["F2"] = "快建成了"
    response = send(client, world, book)
    assert (
        response.status_code == 400
        and "项目阶段：应为前期工作、开工建设、建成投产之一" in response.content.decode()
    )
    book["重点项目"]["F2"], book["重点项目"]["G2"] = "开工建设", "一千万"
    response = send(client, world, book)
    assert response.status_code == 400 and "应为不小于0的数字" in response.content.decode()
    assert not ProjectUpdate.objects.exists()
    assert not ProgressReport.objects.filter(progress_text="离线填写的进展").exists()
