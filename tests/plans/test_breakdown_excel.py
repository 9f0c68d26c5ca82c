import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from agencies.models import AuditEntry
from indicators.models import Indicator
from plans.breakdown_excel import (
    HEADERS,
    BreakdownExporter,
    breakdown_import,
    breakdown_read,
    parse_indicator_text,
)
from plans.parsing import parse_plan_text
from plans.services import plan_create_from_parsed
from tasks.models import ProgressReport, Task

from .. import factories as f
from .docs import YUEYANG

pytestmark = pytest.mark.django_db


def structure(plan):
    """Everything the 任务分解表 carries, in order, for comparing two plans."""
    rows = []
    for action in plan.actions.order_by("seq"):
        rows.append(("action", action.label, action.title))
        for task in action.tasks.order_by("seq"):
            assignments = task.assignments.order_by("role", "seq")
            rows.append(
                (
                    "task", task.label, task.title, task.source_text, task.lead_inferred,
                    [a.agency.name for a in assignments if a.role == "lead"],
                    [a.agency.name for a in assignments if a.role == "support"],
                    [(i.name, i.comparator, i.target, i.target_max, i.unit, i.target_year, i.baseline_year, i.change)
                     for i in task.indicators.order_by("seq")],
                )
            )  # fmt: skip
    goals = [
        (i.name, i.comparator, i.target, i.unit, i.target_year)
        for i in Indicator.objects.of_plan(plan).goals().order_by("seq")
    ]
    return rows, goals, (plan.title, plan.doc_number, plan.issued_on, plan.plan_year)


@pytest.fixture
def yueyang_plan(world):
    text = YUEYANG.read_text(encoding="utf-8")
    plan = plan_create_from_parsed(
        parsed=parse_plan_text(text, YUEYANG.name), region=world.county_a, source_text=text
    )
    f.role(world.users.office, "office", plan=plan)
    return plan


def test_the_export_has_the_customary_layout(yueyang_plan):
    wb = load_workbook(io.BytesIO(BreakdownExporter(yueyang_plan).render()))
    ws = wb["任务分解表"]
    assert ws.cell(1, 1).value == "岳阳县碳达峰实施方案任务分解表"
    assert [c.value for c in ws[2]] == HEADERS
    assert ws.cell(3, 1).value == yueyang_plan.actions.first().label
    assert ws.cell(3, 2).value == "产业绿色低碳发展行动"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "B3:H3" in merged
    first_task = [c.value for c in ws[4]]
    assert first_task[1] == "推动工业绿色低碳转型" and first_task[4] == "县发改局、县工信局"
    assert first_task[5] == "岳阳高新技术产业园区管委会、各乡镇人民政府"
    assert "主要目标" in wb.sheetnames and "方案信息" in wb.sheetnames


def test_export_then_import_gives_the_same_structure(world, yueyang_plan):
    data = BreakdownExporter(yueyang_plan).render()
    copy = plan_create_from_parsed(parsed=breakdown_read(data), region=world.county_a)
    assert structure(copy) == structure(yueyang_plan)
    assert (
        Task.objects.filter(action__plan=copy).count()
        == Task.objects.filter(action__plan=yueyang_plan).count()
    )


def test_importing_the_unchanged_workbook_into_its_plan_changes_nothing(yueyang_plan):
    before = structure(yueyang_plan)
    task_ids = set(Task.objects.filter(action__plan=yueyang_plan).values_list("pk", flat=True))
    counts = breakdown_import(plan=yueyang_plan, data=BreakdownExporter(yueyang_plan).render(), by=None)
    assert counts["tasks_added"] == counts["tasks_removed"] == 0
    assert structure(yueyang_plan) == before
    assert set(Task.objects.filter(action__plan=yueyang_plan).values_list("pk", flat=True)) == task_ids


def test_an_edited_workbook_updates_the_plan_and_keeps_reports(world, yueyang_plan):
    task = Task.objects.filter(action__plan=yueyang_plan).order_by("action__seq", "seq").first()
    period = f.PeriodFactory(plan=yueyang_plan)
    report = f.ReportFactory(task=task, agency=task.assignments.first().agency, period=period)
    wb = load_workbook(io.BytesIO(BreakdownExporter(yueyang_plan).render()))
    ws = wb["任务分解表"]
    ws.cell(4, 6).value = "县财政局"
    ws.cell(4, 4).value = "规模以上工业企业数 ≥120家（2025年）"
    out = io.BytesIO()
    wb.save(out)
    breakdown_import(plan=yueyang_plan, data=out.getvalue(), by=world.users.office)
    task.refresh_from_db()
    assert [a.agency.name for a in task.assignments.filter(role="support")] == ["县财政局"]
    assert [(i.name, i.target, i.unit, i.target_year) for i in task.indicators.all()] == [
        ("规模以上工业企业数", 120, "家", 2025)
    ]
    assert ProgressReport.objects.filter(pk=report.pk, task=task).exists()
    assert AuditEntry.objects.filter(action="plan.revise", target_id=str(yueyang_plan.pk)).exists()


def test_a_bad_workbook_is_refused_with_errors_per_row_and_cell_and_changes_nothing(yueyang_plan):
    before = structure(yueyang_plan)
    wb = load_workbook(io.BytesIO(BreakdownExporter(yueyang_plan).render()))
    ws = wb["任务分解表"]
    tasks = [row for row in range(3, ws.max_row + 1) if not isinstance(ws.cell(row, 5), MergedCell)]
    no_lead, no_title, bad_target = tasks[3], tasks[0], tasks[1]
    ws.cell(no_lead, 5).value = None
    ws.cell(no_title, 2).value = ""
    ws.cell(bad_target, 4).value = "装机容量很多"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as excinfo:
        breakdown_import(plan=yueyang_plan, data=out.getvalue(), by=None)
    messages = excinfo.value.messages
    assert f"第{no_lead}行 牵头单位：不能为空" in messages
    assert f"第{no_title}行 重点任务：不能为空" in messages
    assert any(m.startswith(f"第{bad_target}行 量化目标：第1条“装机容量很多”无法识别") for m in messages)
    assert len(messages) == 3
    assert structure(yueyang_plan) == before


def test_a_workbook_without_the_header_or_not_a_workbook_is_refused():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["编号", "任务"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError, match="找不到表头"):
        breakdown_read(out.getvalue())
    with pytest.raises(ValidationError, match="无法读取该 Excel 文件"):
        breakdown_read(b"not a zip file")


def test_task_rows_before_any_action_row_are_reported():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["甲县方案任务分解表"])
    ws.append(HEADERS)
    ws.append(["1", "推进绿色交通", "", "", "县交通运输局", "", "", ""])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as excinfo:
        breakdown_read(out.getvalue())
    assert excinfo.value.messages[0].startswith("第3行：任务之前应有一行重点行动")


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "新能源装机容量 ≥135.5万千瓦（2025年）",
            ("新能源装机容量", ">=", 135.5, None, "万千瓦", 2025, None, None),
        ),
        (
            "单位GDP能耗 比2020年下降≥14.5%（2025年）",
            ("单位GDP能耗", ">=", 14.5, None, "%", 2025, 2020, "decrease"),
        ),
        ("培育绿色工厂 ≥1–2家", ("培育绿色工厂", ">=", 1, 2, "家", None, None, None)),
        ("煤炭消费量 ≤120万吨", ("煤炭消费量", "<=", 120, None, "万吨", None, None, None)),
    ],
)
def test_targets_are_read_back_from_their_written_form(text, expected):
    got = parse_indicator_text(text)
    keys = ("name", "comparator", "target", "target_max", "unit", "year", "baseline_year", "change")
    assert tuple(got[k] for k in keys) == expected


def test_the_export_view_is_for_the_office_and_its_query_count_is_fixed(
    world, login, django_assert_max_num_queries
):
    url = reverse("plans:breakdown_xlsx", args=[world.plan_a.pk])
    assert login(world.users.leader).get(url).status_code == 403
    assert login(world.users.other_office).get(url).status_code == 404
    assert login(world.users.owner).get(url).status_code == 404
    client = login(world.users.office)
    with django_assert_max_num_queries(12) as small:
        response = client.get(url)
    baseline = len(small)
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    for n in range(10):
        task = f.TaskFactory(action=world.action_a, seq=10 + n, title=f"任务{n}")
        f.AssignmentFactory(task=task, agency=world.own)
        f.IndicatorFactory(plan=world.plan_a, task=task)
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    ws = load_workbook(io.BytesIO(response.content))["任务分解表"]
    assert ws.max_row == 2 + 1 + 12


def test_a_workbook_uploaded_as_a_revision_goes_through_the_review(world, login, yueyang_plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from plans.models import PlanImport

    client = login(world.users.office)
    wb = load_workbook(io.BytesIO(BreakdownExporter(yueyang_plan).render()))
    wb["任务分解表"].cell(4, 2).value = "推动工业绿色低碳转型升级"
    out = io.BytesIO()
    wb.save(out)
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("分解表.xlsx", out.getvalue()), "replaces": yueyang_plan.pk},
    )
    plan_import = PlanImport.objects.get()
    assert plan_import.state == "parsed", plan_import.error
    page = client.get(response["Location"]).content.decode()
    # A reworded heading is the same task, changed, not one removed and one added.
    assert "标题：推动工业绿色低碳转型 → 推动工业绿色低碳转型升级" in page
    assert "变化的任务" in page and "新增任务" not in page and "删除任务" not in page
