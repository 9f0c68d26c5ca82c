"""Project tables (项目名称 | 建设内容 | 建设规模 | 责任单位 | 总投资 | 建设年限) in a .docx, an
office's .xlsx and a PDF are read as projects of the task they stand under or name, by
their header words in any order; rows no task can take are listed in a warning for the
office; a task-division table never becomes projects."""

import io

import openpyxl
import pytest
from docx import Document

from plans.parsing import parse_document, parse_plan_text

HEAD = ["序号", "项目名称", "建设内容", "建设规模", "责任单位", "总投资（亿元）", "建设年限"]
ROWS = [
    ["1", "红石风电场", "新建风机20台", "5万千瓦", "县发改局", "3.2", "2025—2026年"],
    ["2", "筻口镇储能电站", "建设储能电站", "50MW/100MWh", "县发改局", "2", "2026年"],
]
TASK_1 = "1.大力发展新能源。加快风电光伏建设。（牵头单位：县发改局；配合单位：县自然资源局）"
TASK_2 = "2.推进煤炭消费替代。严控煤炭消费。（牵头单位：县工信局）"
ACTION_2 = ["（二）交通运输绿色低碳行动", "1.推广新能源汽车。加快充电设施建设。（牵头单位：县交通运输局）"]


def _tasks(parsed):
    return {t["title"]: t for a in parsed["actions"] for t in a["tasks"]}


def _check_wind_farm(parsed):
    tasks = _tasks(parsed)
    projects = {p["name"]: p for p in tasks["大力发展新能源"]["projects"]}
    assert set(projects) == {"红石风电场", "筻口镇储能电站"}
    wind = projects["红石风电场"]
    assert (wind["capacity"], wind["unit"], wind["investment"]) == (5, "万千瓦", 32000)
    assert (wind["start_year"], wind["year"], wind["agency"]) == (2025, 2026, "县发改局")
    assert projects["筻口镇储能电站"]["capacity_text"] == "50MW/100MWh"
    assert tasks["推进煤炭消费替代"]["projects"] == []
    # The rows are projects, not targets of the task.
    assert not [w for w in parsed["warnings"] if w["code"] == "indicator_review"]


def test_a_project_table_in_a_docx_goes_to_the_task_it_stands_under():
    doc = Document()
    for line in ["岳阳县碳达峰实施方案", "一、重点任务", "（一）能源绿色低碳转型行动", TASK_1]:
        doc.add_paragraph(line)
    # Columns in another order: they are known by their words.
    order = [1, 6, 3, 0, 5, 4, 2]
    table = doc.add_table(rows=1 + len(ROWS), cols=len(HEAD))
    for r, row in enumerate([HEAD, *ROWS]):
        for c, k in enumerate(order):
            table.cell(r, c).text = row[k]
    for line in [TASK_2, *ACTION_2]:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    parsed = parse_document(out.getvalue(), "方案.docx")
    _check_wind_farm(parsed)


def test_a_project_sheet_of_an_office_workbook_goes_to_the_task_its_rows_name():
    book = openpyxl.Workbook()
    tasks = book.active
    tasks.title = "任务分工"
    tasks.append(["序号", "重点任务", "主要内容", "牵头单位", "配合单位", "完成时限"])
    tasks.append(["一、能源绿色低碳转型行动"])
    tasks.append(["1", "大力发展新能源", "加快风电光伏建设", "县发改局", "县自然资源局", "2026年"])
    tasks.append(["2", "推进煤炭消费替代", "严控煤炭消费", "县工信局", "", "2026年"])
    projects = book.create_sheet("重点项目")
    projects.append(["所属任务", *HEAD])
    for row in ROWS:
        projects.append(["大力发展新能源", *row])
    projects.append(["", "3", "城区充电站", "建设公共充电站", "10座", "县交通运输局", "0.5", "2025-2027"])
    out = io.BytesIO()
    book.save(out)
    parsed = parse_document(out.getvalue(), "分工表.xlsx")
    assert [[t["title"] for t in a["tasks"]] for a in parsed["actions"]] == [
        ["大力发展新能源", "推进煤炭消费替代"]
    ]
    _check_wind_farm(parsed)
    # A row naming no task, in an annex sheet: on the review for the office, not lost.
    lost = [w for w in parsed["warnings"] if w["code"] == "project_table_unattached"]
    assert len(lost) == 1 and "城区充电站" in lost[0]["message"]
    assert "sheet_unread" not in {w["code"] for w in parsed["warnings"]}


def test_a_project_table_in_a_pdf_is_read_from_its_ruled_cells():
    from weasyprint import HTML

    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in [HEAD, *ROWS])
    page = (
        "<style>@page { size: A4 landscape; margin: 15mm; } body { font-family: 'Noto Serif CJK SC';"
        " font-size: 10pt; } td { border: 0.75pt solid #000; padding: 3pt; }</style>"
        "<p>岳阳县碳达峰实施方案</p><p>一、重点任务</p><p>（一）能源绿色低碳转型行动</p>"
        f"<p>{TASK_1}</p><table style='border-collapse: collapse; width: 100%'>{cells}</table>"
        f"<p>{TASK_2}</p>" + "".join(f"<p>{line}</p>" for line in ACTION_2)
    )
    parsed = parse_document(HTML(string=page).write_pdf(), "方案.pdf")
    _check_wind_farm(parsed)


def test_an_annex_table_of_projects_naming_no_task_is_put_to_the_office():
    text = "\n".join(
        [
            "岳阳县碳达峰实施方案", "（一）能源绿色低碳转型行动", TASK_1, TASK_2, *ACTION_2, "附件",
            "\t".join(["项目名称", "建设规模", "总投资", "建设年限", "责任单位"]),
            "\t".join(["城区充电站", "10座", "5000万元", "2025-2027", "县交通运输局"]),
            "\t".join(["<script>x</script>加氢站", "1座", "800万元", "2026", "县交通运输局"]),
        ]
    )  # fmt: skip
    parsed = parse_plan_text(text)
    assert all(not t["projects"] for t in _tasks(parsed).values())
    lost = [w for w in parsed["warnings"] if w["code"] == "project_table_unattached"]
    assert len(lost) == 1 and "2个项目" in lost[0]["message"] and "城区充电站" in lost[0]["message"]


@pytest.mark.parametrize(
    "header",
    [
        ["序号", "重点任务", "具体内容", "牵头单位", "配合单位", "完成时限"],
        # A project name column alone with one ledger column is no project table.
        ["序号", "项目名称", "牵头单位", "配合单位"],
    ],
)
def test_a_table_that_is_not_a_project_table_gives_no_projects(header):
    rows = [
        "\t".join(header),
        "\t".join(["1", "红石风电场建设", "加快建设", "县发改局", "县林业局", "2026年"][: len(header)]),
    ]
    text = "\n".join(["岳阳县碳达峰实施方案", "（一）能源绿色低碳转型行动", TASK_1, *rows, TASK_2])
    parsed = parse_plan_text(text)
    tables = [p for t in _tasks(parsed).values() for p in t["projects"] if "agency" in p]
    assert tables == []
    assert "project_table_unattached" not in {w["code"] for w in parsed["warnings"]}


@pytest.mark.django_db
def test_a_project_tables_agency_becomes_the_new_projects_owner_when_the_region_has_it(world):
    from tasks.models import Project
    from tasks.projects import projects_sync

    world.task_a1.projects = [
        {"name": "城区充电站", "agency": "县交通运输局"},
        {"name": "加氢站", "agency": "某某公司"},
    ]
    world.task_a1.save()
    projects_sync(plan=world.plan_a)
    owners = {p.name: p.agency for p in Project.objects.all()}
    assert owners == {"城区充电站": world.other, "加氢站": None}
    # The office's choice stays on a revision.
    Project.objects.filter(name="城区充电站").update(agency=world.own)
    projects_sync(plan=world.plan_a)
    assert Project.objects.get(name="城区充电站").agency == world.own
