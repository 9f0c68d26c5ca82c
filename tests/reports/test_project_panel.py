"""The key-project panel: projects by stage, investment against planned and 序时进度,
capacity in operation, the projects behind schedule with their reasons, on the dashboard,
the leader view, the ledger page and its Excel export, and in the bulletin."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from reports import rollups
from reports.bulletin import bulletin_context
from reports.bulletin_sections import bulletin_document
from reports.dashboards.projects import project_panel
from reports.exporters import BulletinDocx, BulletinXlsx
from tasks.models import Project, ProjectUpdate
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def ledger(world):
    """Three projects of task A1 (lead 县发改局) judged at the end of 2026Q1: a wind farm
    under construction on schedule, a pumped-storage station past its planned finish
    (red), and a solar park past its planned start and not started (yellow)."""
    wind = Project.objects.create(
        task=world.task_a1, seq=1, name="红石风电场", capacity=Decimal(5), unit="万千瓦",
        investment_planned=Decimal(40000), planned_start=dt.date(2025, 1, 1), planned_finish=dt.date(2026, 12, 31),
    )  # fmt: skip
    pumped = Project.objects.create(
        task=world.task_a1, seq=2, name="甲县抽水蓄能电站", capacity=Decimal(1400), unit="MW",
        investment_planned=Decimal(850000), planned_start=dt.date(2022, 1, 1), planned_finish=dt.date(2025, 12, 31),
    )  # fmt: skip
    solar = Project.objects.create(
        task=world.task_a1, seq=3, name="=HYPERLINK(\"http://x\")长寿镇光伏电站", capacity=Decimal(2),
        unit="万千瓦", planned_start=dt.date(2026, 1, 1),
    )  # fmt: skip
    report = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a, state="approved")
    ProjectUpdate.objects.create(
        project=wind, period=world.period_a, report=report, stage="building",
        investment_cumulative=Decimal(12000), capacity_operating=Decimal(1),
    )  # fmt: skip
    ProjectUpdate.objects.create(
        project=pumped, period=world.period_a, report=report, stage="building",
        investment_cumulative=Decimal(500000), problems="机组设备延期到货",
    )  # fmt: skip
    # A draft quarter counts for nothing until approved.
    draft = f.ReportFactory(
        task=world.task_a1, agency=world.own, period=f.PeriodFactory(plan=world.plan_a, quarter=2)
    )
    ProjectUpdate.objects.create(project=solar, period=draft.period, report=draft, stage="operating")
    return world, wind, pumped, solar


@time_machine.travel(TODAY, tick=False)
def test_the_panel_counts_stages_sums_investment_and_capacity_and_lists_the_late(ledger):
    world, wind, pumped, solar = ledger
    panel = project_panel(world.plan_a, world.period_a)
    assert panel.as_of == dt.date(2026, 3, 31)
    assert [(s, n) for s, _label, n in panel.stages] == [("preparing", 1), ("building", 2), ("operating", 0)]
    assert panel.investment_planned == Decimal(890000) and panel.investment_done == Decimal(512000)
    assert panel.investment_rate == 57.5
    # 序时进度: the wind farm 454/729 of its time, the pumped storage all of it.
    assert panel.investment_expected == (Decimal(40000) * Decimal("0.6228") + Decimal(850000)).quantize(
        Decimal("0.01")
    )
    # 1400 MW is 140 万千瓦: power is summed in one unit.
    assert panel.capacity == [{"unit": "万千瓦", "planned": Decimal(147), "operating": Decimal(1)}]
    assert [(r.project.name, r.light) for r in panel.behind] == [
        ("甲县抽水蓄能电站", "red"),
        (solar.name, "yellow"),
    ]
    assert "2025-12-31" in panel.behind[0].reason and panel.behind[0].problems == "机组设备延期到货"


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_and_the_leader_view_show_the_panel(ledger, login):
    world = ledger[0]
    # The pages read the stored figures, computed from the marks the writes left.
    rollups.recompute_marked(today=dt.date(2026, 4, 20))
    for user, page in ((world.users.office, "dashboard"), (world.users.leader, "leader")):
        body = login(user).get(f"/reports/plans/{world.plan_a.pk}/{page}/?period=2026Q1").content.decode()
        assert "重点项目推进情况" in body and "甲县抽水蓄能电站" in body and "计划 2025-12-31 建成" in body


@time_machine.travel(TODAY, tick=False)
def test_the_ledger_exports_to_excel_with_names_kept_as_text(ledger, login):
    world, _wind, _pumped, solar = ledger
    client = login(world.users.office)
    page = client.get(f"/reports/plans/{world.plan_a.pk}/projects/?period=2026Q1")
    assert page.status_code == 200 and "红石风电场" in page.content.decode()
    xlsx = client.get(f"/reports/plans/{world.plan_a.pk}/projects/?period=2026Q1&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(next(r for r in rows if "项目名称" in r))
    names = [r[1] for r in rows[header + 1 :]]
    assert names == ["红石风电场", "甲县抽水蓄能电站", solar.name]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == solar.name)
    assert cell.data_type == "s"  # a name that looks like a formula stays text


@time_machine.travel(TODAY, tick=False)
def test_the_ledger_page_costs_the_same_queries_with_more_projects(ledger, login):
    world = ledger[0]
    client = login(world.users.office)
    url = f"/reports/plans/{world.plan_a.pk}/projects/?period=2026Q1"
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(10):
        task = f.TaskFactory(action=world.action_a, seq=20 + n, title=f"任务{n}")
        f.AssignmentFactory(task=task, agency=world.other, role="lead")
        project = Project.objects.create(task=task, name=f"光伏电站{n}号", planned_start=dt.date(2025, 6, 1))
        report = f.ReportFactory(task=task, agency=world.other, period=world.period_a, state="approved")
        ProjectUpdate.objects.create(project=project, period=world.period_a, report=report, stage="building")
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    assert "光伏电站9号" in body
    assert len(small.captured_queries) == len(large.captured_queries)


@time_machine.travel(TODAY, tick=False)
def test_the_bulletin_gains_a_key_project_section_and_annex(ledger):
    world = ledger[0]
    context = bulletin_context(plan=world.plan_a, period=world.period_a, today=dt.date(2026, 4, 20))
    document = bulletin_document(context)
    headings = [s["heading"] for s in document["sections"]]
    assert headings[5:] == ["六、重点项目推进情况", "七、存在的主要问题", "八、下步工作"]
    text = "".join(document["sections"][5]["paragraphs"])
    assert "纳入调度的重点项目3个" in text and "甲县抽水蓄能电站（县发改局，红灯" in text and "附件6" in text
    assert any("逾期未建成投产的重点项目" in line for line in context["next_steps"])
    docx = Document(io.BytesIO(BulletinDocx().export({**context, "version": 1})[2]))
    cells = {c.text for t in docx.tables for row in t.rows for c in row.cells}
    assert "甲县抽水蓄能电站" in cells and "重点项目推进情况表" in {p.text for p in docx.paragraphs}
    book = openpyxl.load_workbook(io.BytesIO(BulletinXlsx().export({**context, "version": 1})[2]))
    assert "重点项目" in book.sheetnames


def test_a_plan_without_projects_keeps_its_bulletin_as_it_was(world):
    context = bulletin_context(plan=world.plan_a, period=world.period_a, today=dt.date(2026, 4, 20))
    document = bulletin_document(context)
    assert [s["heading"] for s in document["sections"]][5:] == ["六、存在的主要问题", "七、下步工作"]
    assert [a["key"] for a in document["annexes"]][-1] == "problems"
