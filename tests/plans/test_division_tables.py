"""Plans published as a task-division table (附件：重点任务分工表) in an office's own Excel
sheet, .docx or PDF: the upload page imports them, the review page shows the table row
(and page) each task came from, what could not be read is shown, and an annex table's
agencies win over the text's with a warning naming the difference."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import PlanImport
from plans.parsing import parse_plan_text
from plans.parsing.pdf_chars import Char, join_chars
from tests.plans import corpus, corpus_office
from tests.plans.docs import expected_structure


def _upload(client, world, filename, data):
    response = client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile(filename, data), "region": world.county_a.pk},
    )
    assert response.status_code == 302
    return PlanImport.objects.latest("pk"), response


@pytest.mark.django_db
def test_an_office_sheet_imports_by_its_header_words_and_shows_each_tasks_row(world, login):
    from openpyxl import load_workbook

    data = corpus_office.division_table_xlsx(
        "huaihua-city-2026", "reordered, 具体措施, one 责任单位 column, no 序号"
    )
    wb = load_workbook(io.BytesIO(data))
    notes = wb.create_sheet("填表说明")
    notes.append(["请各单位于每季度末报送进展。"])
    out = io.BytesIO()
    wb.save(out)
    client = login(world.users.office)
    plan_import, response = _upload(client, world, "分工表.xlsx", out.getvalue())
    assert plan_import.state == "parsed", plan_import.error
    tasks = [t for a in plan_import.parsed["actions"] for t in a["tasks"]]
    expected = [t for a in expected_structure("huaihua-city-2026")["actions"] for t in a["tasks"]]
    assert [t["title"] for t in tasks] == [t["title"] for t in expected]
    # “X牵头，Y配合” in one 责任单位 column is split into the two roles.
    assert [(t["lead"], t["support"]) for t in tasks] == [(t["lead"], t["support"]) for t in expected]
    # Rows 1–3 hold the caption, the title and the header; row 4 the first action.
    assert tasks[0]["source"]["row"] == 5
    page = client.get(response["Location"]).content.decode()
    assert "表格第 5 行" in page
    # The sheet that is not a table is named, not silently dropped.
    assert "填表说明" in page and "未读取的工作表" in page


@pytest.mark.django_db
def test_a_sheet_without_a_task_table_is_refused_with_one_message(world, login):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "联系人", "电话"])
    for n in range(40):
        ws.append([f"县第{n}局", "张三", "0730-1234567"])
    out = io.BytesIO()
    wb.save(out)
    plan_import, _ = _upload(login(world.users.office), world, "通讯录.xlsx", out.getvalue())
    assert plan_import.state == "failed"
    assert plan_import.error.startswith("未能在该 Excel 文件中找到任务分工表")
    assert not re.search(r"第\d+行", plan_import.error)  # not one error per row


def test_this_systems_own_breakdown_workbook_is_still_read_as_before():
    from openpyxl import Workbook

    from plans.breakdown_excel import HEADERS
    from plans.importing import document_parse

    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    ws.append(["甲县方案任务分解表"])
    ws.append(HEADERS)
    ws.append(["（一）", "能源绿色低碳转型行动", "", "", "", "", "", ""])
    ws.append(
        [
            "1",
            "大力发展新能源",
            "推进光伏。",
            "装机容量 ≥135.5万千瓦（2025年）",
            "县发改局",
            "县财政局",
            "2025年",
            "",
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    parsed, _ = document_parse(data=out.getvalue(), filename="任务分解表.xlsx")
    task = parsed["actions"][0]["tasks"][0]
    assert (task["lead"], task["indicators"][0]["target"]) == (["县发改局"], 135.5)


@pytest.mark.django_db
@pytest.mark.libreoffice
@pytest.mark.skipif(corpus.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_review_page_shows_the_page_and_row_of_a_task_read_from_a_pdf_table(world, login):
    data = corpus_office.soffice_pdf(corpus_office.division_table_docx("pingjiang-county-2026"))
    client = login(world.users.office)
    plan_import, response = _upload(client, world, "分工表.pdf", data)
    assert plan_import.state == "parsed", plan_import.error
    sources = [t["source"] for a in plan_import.parsed["actions"] for t in a["tasks"]]
    # Header = row 1, the first action = row 2: the first task is row 3 on page 1, and
    # the rows run on over the pages.
    assert sources[0]["row"] == 3 and sources[0]["page"] == 1
    assert [s["page"] for s in sources] == sorted(s["page"] for s in sources) and sources[-1]["page"] > 1
    page = client.get(response["Location"]).content.decode()
    assert "第 1 页 · 表格第 3 行" in page


def test_an_annex_tables_agencies_win_and_a_difference_is_named():
    text = corpus.fixture_text("huaihua-city-2026")
    rows = ["附件：重点任务分工表", "序号\t重点任务\t牵头单位\t配合单位\t完成时限"]
    number = 0
    for section in corpus_office.division_sections("huaihua-city-2026"):
        rows.append(f"{section.label}{section.title}")
        for row in section.rows:
            number += 1
            lead = ["市财政局"] if number == 2 else row.lead
            rows.append(f"{number}\t{row.title}\t{'、'.join(lead)}\t{'、'.join(row.support)}\t2026年底前")
    parsed = parse_plan_text(text + "\n" + "\n".join(rows))
    tasks = [t for a in parsed["actions"] for t in a["tasks"]]
    assert tasks[1]["lead"] == ["市财政局"]
    disagreements = [w for w in parsed["warnings"] if w["code"] == "table_disagrees"]
    assert len(disagreements) == 1
    assert (disagreements[0]["action"], disagreements[0]["task"]) == (1, 2)
    assert "市财政局" in disagreements[0]["message"] and tasks[1]["title"] in disagreements[0]["message"]


# --- the spaces of a PDF text layer ------------------------------------------------------------


def _chars(spec):
    """Characters on one line from "text" pieces; " " a typed space, "_" a gap PDFium
    filled with a generated space."""
    out, x = [], 0.0
    for ch in spec:
        if ch in " _":
            out.append(Char(" ", x, 0, x, x + 3, 0, 0, 12.0 if ch == " " else 0.0, True))
            x += 3
            continue
        width = 12.0 if not ch.isascii() else 6.0
        out.append(Char(ch, x, 0, x, x + width, 0, 10, 12.0, False))
        x += width
    return out


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("单位_GDP_二氧化碳", "单位GDP二氧化碳"),  # spaces around Latin inside Chinese
        ("确保_2030_年前", "确保2030年前"),
        ("推 动 工 业 绿 色 低 碳 转 型", "推动工业绿色低碳转型"),  # spaces between every character
        ("“ 双碳 ” 引领", "“双碳”引领"),
        ("PM2.5_and_NOx", "PM2.5 and NOx"),  # a real space between Latin words stays
        ("100_MW_/_200_MWh", "100 MW / 200 MWh"),
        ("县发改局 县财政局", "县发改局 县财政局"),  # one typed space between two names stays
    ],
)
def test_a_pdf_line_keeps_only_the_spaces_its_words_need(spec, text):
    assert join_chars(_chars(spec), 12.0) == text


def test_a_table_row_that_holds_no_task_is_shown_as_a_warning_not_dropped():
    text = (
        "甲县重点任务清单\n序号\t重点任务\t牵头单位\t配合单位\n（一）能源绿色低碳转型行动\n"
        "1\t推进光伏建设\t县发改局\t县财政局\n2\t\t县财政局\t\n3\t推进节能改造\t县工信局\t\n"
    )
    parsed = parse_plan_text(text)
    assert [t["title"] for a in parsed["actions"] for t in a["tasks"]] == ["推进光伏建设", "推进节能改造"]
    unplaced = [w for w in parsed["warnings"] if w["code"] == "unplaced_line"]
    assert len(unplaced) == 1 and "2 县财政局" in unplaced[0]["message"] and unplaced[0]["line"] == 5


def test_a_box_drawn_round_text_in_a_pdf_is_read_as_its_lines():
    from weasyprint import HTML

    from plans.parsing import decode_document

    page = (
        "<style>@page { size: A5; margin: 20mm; } body { font-family: 'Noto Serif CJK SC'; font-size: 10.5pt; }"
        "td { border: 0.75pt solid #000; padding: 4pt; }</style>"
        "<p>1.推进光伏建设。加快分布式光伏发展，推动屋顶光伏整县开发。（县发改局牵头）</p>"
        "<table style='border-collapse: collapse; width: 100%'><tr><td><p>专栏1 重点工程</p>"
        "<p>1.某光伏电站项目：装机10万千瓦。</p><p>2.某储能项目：规模5万千瓦。</p></td></tr></table>"
        "<p>2.推进节能改造。（县工信局牵头）</p>"
    )
    lines = [line for line in decode_document(HTML(string=page).write_pdf(), "方案.pdf").splitlines() if line]
    assert lines == [
        "1.推进光伏建设。加快分布式光伏发展，推动屋顶光伏整县开发。（县发改局牵头）",
        "专栏1重点工程",
        "1.某光伏电站项目：装机10万千瓦。",
        "2.某储能项目：规模5万千瓦。",
        "2.推进节能改造。（县工信局牵头）",
    ]


@pytest.mark.django_db
def test_an_office_sheet_as_a_revision_keeps_the_facts_it_does_not_state(world):
    from plans.import_services import plan_import_create
    from plans.services import plan_create_from_parsed
    from tests import factories as f
    from tests.plans.docs import YUEYANG

    text = YUEYANG.read_text(encoding="utf-8")
    plan = plan_create_from_parsed(parsed=parse_plan_text(text, YUEYANG.name), region=world.county_a)
    f.role(world.users.office, "office", plan=plan)
    sheet = corpus_office.division_table_xlsx("yueyang-county-2024")  # no 文号 in it
    plan_import = plan_import_create(data=sheet, filename="分工表.xlsx", by=world.users.office, replaces=plan)
    assert plan_import.state == "parsed", plan_import.error
    assert plan_import.parsed["plan"]["doc_number"] == plan.doc_number == "岳县政发〔2024〕2号"
    assert plan_import.parsed["plan"]["title"] == "岳阳县碳达峰实施方案"
