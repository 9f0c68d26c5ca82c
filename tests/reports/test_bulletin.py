"""The 督查通报: content, the three files read back, versions, failures, access."""

import datetime as dt
import io
import subprocess

import pandas as pd
import pytest
from django.db import connection
from django.urls import reverse
from docx import Document

from reports.bulletin import bulletin_context, bulletins_request_due
from reports.exporters import BulletinDocx, BulletinPdf, BulletinXlsx
from reports.models import Bulletin
from reports.services import bulletin_request
from tests.reports.conftest import PROBLEM, build_plan

# Transactional: generation is queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(content: bytes, tmp_path) -> str:
    path = tmp_path / "f.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def context(quarter):
    return bulletin_context(plan=quarter.plan_a, period=quarter.period_a, today=quarter.today)


def test_the_context_holds_the_quarters_figures(quarter, context):
    o = context["overview"]
    assert context["title"] == "甲县碳达峰工作督查通报（2026年第一季度）"
    assert (o["tasks"], o["expected"], o["reported"], o["missing"], o["on_time_rate"]) == (2, 3, 2, 1, 33.3)
    # 1.1's lead reported on time; its supporter's missing report is no red light.
    assert (o["red"], o["yellow"], o["green"], o["completion"]) == (1, 0, 1, 30.0)
    assert [(a["title"], a["completion"]) for a in context["actions"]] == [("能源绿色低碳转型行动", 30.0)]
    warnings = {w["number"]: w for w in context["warnings"]}
    assert "1.1" not in warnings
    assert warnings["1.2"]["leads"] == "县交通运输局"
    assert warnings["1.2"]["reasons"] == [
        "县交通运输局报告进展滞后",
        "县交通运输局逾期报送",
        "县交通运输局填报被退回2次",
    ]
    # Ranking by on-time rate: 县发改局 100 %, 县交通运输局 0 % with two returns.
    assert [(a["rank"], a["name"], a["on_time_rate"], a["returns"]) for a in context["agencies"]] == [
        (1, "县发改局", 100.0, 0),
        (2, "县交通运输局", 0.0, 2),
    ]
    (indicator,) = context["indicators"]
    assert (indicator["name"], indicator["value"], indicator["status_label"]) == (
        "新增公共充电桩",
        "10",
        "无基期值",
    )
    assert "无基期值" in indicator["note"]
    assert context["problems"] == [
        {
            "task": "1.1",
            "task_title": "大力发展新能源",
            "agency": "县发改局",
            "text": PROBLEM,
            "next_steps": "加快建设",
        }
    ]
    assert context["next_steps"][0].startswith(
        "请县交通运输局于收到本通报后5个工作日内补报2026年第一季度进展情况"
    )


def test_the_pdf_is_a4_with_the_content_page_numbers_and_the_cjk_font_embedded(quarter, context, tmp_path):
    context["version"] = 1
    filename, mimetype, content = BulletinPdf().export(context)
    assert (filename, mimetype) == ("甲县碳达峰工作督查通报（2026年第一季度）.pdf", "application/pdf")
    # Lines wrap anywhere in Chinese text: compare without whitespace.
    text = "".join(pdf_text(content, tmp_path).split())
    for expected in ["甲县碳达峰工作督查通报", "大力发展新能源", "推进绿色交通", "县交通运输局", "县发改局",
                     "应报送进展3份", "按时报送率33.3%", "红灯任务1项", "新增公共充电桩", "—1—"]:  # fmt: skip
        assert expected in text, expected
    # The problem's markup is printed as text, not interpreted.
    assert "<script>alert('x')</script>资金到位偏慢&用地审批周期长" in text
    fonts = pdf_fonts(content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)
    assert any("Noto-Sans-CJK-SC" in line for line in cjk)
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info


def test_the_word_version_is_editable_text_with_the_tables(quarter, context):
    _name, mimetype, content = BulletinDocx().export(context)
    assert mimetype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "督查通报"
    assert "甲县碳达峰工作督查通报（2026年第一季度）" in paragraphs
    assert "一、总体情况" in paragraphs and "七、下步工作" in paragraphs
    assert any(PROBLEM in p for p in paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    # 33.3 % is both the on-time rate (in the text) and the indicator's completion (10 of ≥ 30).
    assert {"推进绿色交通", "县交通运输局", "县发改局", "33.3%"} - cells == set()
    assert "县交通运输局报告进展滞后；县交通运输局逾期报送；县交通运输局填报被退回2次" in cells


def test_the_excel_version_holds_the_data_sheet_by_sheet(quarter, context):
    _name, _mimetype, content = BulletinXlsx().export(context)
    sheets = pd.read_excel(io.BytesIO(content), sheet_name=None)
    assert list(sheets) == ["总体情况", "重点行动", "红黄灯任务", "单位报送", "指标", "存在问题", "下步工作"]
    agencies = sheets["单位报送"]
    assert agencies["单位"].tolist() == ["县发改局", "县交通运输局"]
    assert agencies["按时报送率（%）"].tolist() == [100.0, 0.0]
    assert agencies["退回次数"].tolist() == [0, 2]
    assert sheets["红黄灯任务"]["任务"].tolist() == ["推进绿色交通"]
    assert sheets["存在问题"]["存在问题"].tolist() == [PROBLEM]
    overview = dict(zip(sheets["总体情况"]["项目"], sheets["总体情况"]["数值"], strict=True))
    assert overview["应报份数"] == 3 and overview["红灯任务"] == 1


def test_the_office_generates_versions_and_downloads_them(quarter, login, tmp_path):
    q = quarter
    client = login(q.users.office)
    url = reverse("reports:bulletin-generate", args=[q.plan_a.pk])
    assert client.post(url, {"period": "2026Q1"}).status_code == 302
    assert client.post(url, {"period": "2026Q1"}).status_code == 302
    first, second = Bulletin.objects.filter(plan=q.plan_a).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert (second.state, second.progress, second.message) == ("done", 100, "已生成")
    assert second.requested_by == q.users.office and second.finished_at

    response = client.get(reverse("reports:bulletin-download", args=[second.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "%E7%AC%AC2%E7%89%88.pdf" in response["Content-Disposition"]  # 第2版.pdf
    assert "县交通运输局" in pdf_text(b"".join(response.streaming_content), tmp_path)
    docx = client.get(reverse("reports:bulletin-download", args=[second.pk, "docx"]))
    assert "县交通运输局" in "".join(
        c.text
        for t in Document(io.BytesIO(b"".join(docx.streaming_content))).tables
        for r in t.rows
        for c in r.cells
    )
    page = client.get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).content.decode()
    assert "第2版" in page and "第1版" in page and "生成新版本" in page


def test_the_status_endpoint_reports_progress(quarter, login):
    q = quarter
    bulletin = Bulletin.objects.create(plan=q.plan_a, period=q.period_a, version=1, state="running", progress=50,
                                       message="生成Word")  # fmt: skip
    data = login(q.users.leader).get(reverse("reports:bulletin-status", args=[bulletin.pk])).json()
    assert data == {"id": bulletin.pk, "state": "running", "state_label": "生成中", "progress": 50,
                    "message": "生成Word", "error": "", "files": {}}  # fmt: skip


def test_a_failure_is_recorded_on_the_bulletin_and_shown(quarter, login, monkeypatch):
    q = quarter

    def broken(self, context):
        raise ValueError("字体文件缺失")

    monkeypatch.setattr(BulletinPdf, "render", broken)
    client = login(q.users.office)
    client.post(reverse("reports:bulletin-generate", args=[q.plan_a.pk]), {"period": "2026Q1"})
    bulletin = Bulletin.objects.get(plan=q.plan_a)
    assert bulletin.state == "failed"
    assert bulletin.error == "ValueError: 字体文件缺失"
    assert not bulletin.pdf
    page = client.get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).content.decode()
    assert "生成失败" in page and "ValueError: 字体文件缺失" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("leader", 200),
        ("admin", 200),
        ("owner", 404),
        ("other_agency", 404),
        ("other_office", 404),
    ],
)
def test_downloads_are_for_the_office_and_leaders_of_the_plan(quarter, login, who, status):
    q = quarter
    bulletin = bulletin_request(plan=q.plan_a, period=q.period_a, by=q.users.office)
    client = login(getattr(q.users, who))
    assert client.get(reverse("reports:bulletin-download", args=[bulletin.pk, "xlsx"])).status_code == status
    assert client.get(reverse("reports:bulletin-status", args=[bulletin.pk])).status_code == status
    assert client.get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).status_code == status


def test_anonymous_users_are_sent_to_log_in(quarter, client):
    bulletin = Bulletin.objects.create(plan=quarter.plan_a, period=quarter.period_a, version=1)
    response = client.get(reverse("reports:bulletin-download", args=[bulletin.pk, "pdf"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_office_may_generate(quarter, login):
    q = quarter
    url = reverse("reports:bulletin-generate", args=[q.plan_a.pk])
    assert login(q.users.leader).post(url, {"period": "2026Q1"}).status_code == 403
    assert login(q.users.other_office).post(url, {"period": "2026Q1"}).status_code == 404
    assert not Bulletin.objects.exists()


def test_an_unknown_quarter_gets_a_message_and_nothing_is_created(quarter, login):
    q = quarter
    client = login(q.users.office)
    response = client.post(
        reverse("reports:bulletin-generate", args=[q.plan_a.pk]), {"period": "2031Q5"}, follow=True
    )
    assert "请选择要生成通报的季度。" in response.content.decode()
    assert not Bulletin.objects.exists()


def test_after_the_deadline_a_first_bulletin_is_generated_once(quarter, login):
    q = quarter
    made = bulletins_request_due(today=dt.date(2026, 4, 11))
    assert sorted(b.plan_id for b in made) == sorted([q.plan_a.pk, q.plan_b.pk])
    assert bulletins_request_due(today=dt.date(2026, 4, 12)) == []
    assert Bulletin.objects.filter(state="done").count() == 2
    assert bulletins_request_due(today=dt.date(2026, 4, 9)) == []
    page = login(q.users.leader).get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).content.decode()
    assert "系统自动" in page and "PDF" in page


@pytest.mark.parametrize("scale", [1, 3])
def test_the_bulletin_takes_the_same_queries_whatever_the_size(scale, django_assert_num_queries):
    data = build_plan(6 * scale)
    # Recompute (rule, tasks, actions, assignments, reports, reopenings, indicators,
    # values, 3 deletes, 3 inserts, the plan rows written, savepoints; regions: parents,
    # plan rows, delete, insert, the stale marks claimed and released; the key-project
    # figures: projects read, rows deleted, the regions' read and deleted), then the context's
    # own reads (rollups, tasks, leads, lights, the rule and the stored indicator
    # assessments, problems, key projects, the plan's published year-end ranking).
    # PostgreSQL writes each table with one COPY where SQLite runs bulk inserts, hence two
    # figures, each the same at any size.
    with django_assert_num_queries(36 if connection.vendor == "postgresql" else 39):
        context = bulletin_context(plan=data.plan, period=data.period, today=dt.date(2026, 4, 20))
    assert len(context["indicators"]) == 6 * scale
    assert (
        len(context["warnings"]) + sum(1 for a in context["actions"] for _ in range(a["green"])) == 6 * scale
    )
    # The exporters lay out the context and never go back to the database.
    with django_assert_num_queries(0):
        for exporter in (BulletinPdf, BulletinDocx, BulletinXlsx):
            assert exporter().export({**context, "version": 1})[2]


@pytest.mark.parametrize("scale", [1, 3])
def test_the_bulletin_pages_take_the_same_queries_whatever_the_number_of_versions(
    scale, quarter, login, django_assert_max_num_queries
):
    q = quarter
    for version in range(1, 3 * scale + 1):
        Bulletin.objects.create(
            plan=q.plan_a, period=q.period_a, version=version, state="done", requested_by=q.users.office
        )
    client = login(q.users.office)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:bulletins")).status_code == 200


def test_a_bulletin_requested_from_the_english_interface_is_worded_in_chinese(quarter, login, tmp_path):
    q = quarter
    client = login(q.users.office)
    url = reverse("reports:bulletin-generate", args=[q.plan_a.pk])
    assert client.post(url, {"period": "2026Q1"}, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    bulletin = Bulletin.objects.get(plan=q.plan_a)
    docx = client.get(
        reverse("reports:bulletin-download", args=[bulletin.pk, "docx"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = "".join(
        c.text
        for t in Document(io.BytesIO(b"".join(docx.streaming_content))).tables
        for r in t.rows
        for c in r.cells
    )
    assert "县交通运输局报告进展滞后" in text
    assert "reports the task as lagging" not in text
