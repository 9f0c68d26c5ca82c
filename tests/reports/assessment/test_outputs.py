"""What leaves the system: the Excel score table, the Word 考核结果通报 (edited and issued
like the bulletin), the year-end bulletin's ranking, and the leader and region pages."""

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from reports.assessment import services
from reports.bulletin import bulletin_context
from reports.exporters import BulletinDocx, BulletinXlsx
from reports.models import Assessment, AssessmentNotice
from tests import factories as f

from .conftest import compute

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://evil.example","点此")'


def _publish(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(state="published", published_at=timezone.now())
    return Assessment.objects.get(pk=assessment.pk)


def test_the_score_table_has_the_components_as_columns_and_keeps_text_as_text(year, login):
    year.other.name = HOSTILE
    year.other.save()
    assessment = compute(year)
    response = login(year.users.office).get(reverse("reports:assessment-xlsx", args=[assessment.pk]))
    assert response.status_code == 200
    content = response.content
    table = pd.read_excel(io.BytesIO(content), sheet_name="得分表")
    assert list(table.columns[:4]) == ["排名", "单位", "得分", "等次"]
    assert "按时报送（满分30）" in table.columns and "牵头汇总（满分10）" in table.columns
    own = table[table["单位"] == "县发改局"].iloc[0]
    assert (own["排名"], own["得分"], own["等次"], own["按时报送（满分30）"]) == (2, 59.0, "较差", 26.0)
    lines = pd.read_excel(io.BytesIO(content), sheet_name="扣分明细")
    assert any("逾期报送" in text for text in lines["说明"])
    cell = next(c for row in openpyxl.load_workbook(io.BytesIO(content))["得分表"].iter_rows() for c in row
                if c.value == HOSTILE)  # fmt: skip
    assert cell.data_type == "s"


def test_the_result_notice_is_generated_edited_and_issued_with_its_document_number(
    year, login, django_capture_on_commit_callbacks
):
    assessment = compute(year)
    client = login(year.users.office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:notice-generate", args=[assessment.pk]))
    notice = AssessmentNotice.objects.get()
    assert notice.state == "done" and notice.version == 1
    status = client.get(reverse("reports:notice-status", args=[notice.pk])).json()
    assert status["state"] == "done" and status["progress"] == 100
    doc = Document(notice.docx.open("rb"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于甲县2025年度碳达峰工作考核结果的通报" in text and "（送审稿）" in text
    assert "优秀等次（1家）：县交通运输局" in text and "较差等次（1家）：县发改局" in text
    ranking = doc.tables[0]
    assert [c.text for c in ranking.rows[0].cells][:4] == ["排名", "单位", "得分", "等次"]
    assert [c.text for c in ranking.rows[2].cells][:4] == ["2", "县发改局", "59", "较差"]
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer  # page numbers
    edit = reverse("reports:notice-edit", args=[notice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, {"summary": "经专班办公室考核，现通报如下。<b>加粗</b>", "save": "1"})
    refused = client.post(edit, {"summary": "印发", "publish": "1"})
    assert "考核结果发布后才能印发通报" in refused.content.decode()
    _publish(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, {"summary": "经专班办公室考核，现通报如下。<b>加粗</b>", "publish": "1"})
    notice.refresh_from_db()
    assert notice.issue_no == 1 and notice.issue_year == timezone.localdate().year
    text = "\n".join(p.text for p in Document(notice.docx.open("rb")).paragraphs)
    assert (
        f"甲县碳达峰办考〔{notice.issue_year}〕1号" in text
        and "经专班办公室考核，现通报如下。<b>加粗</b>" in text
    )
    assert client.post(edit, {"summary": "再改", "save": "1"}).status_code == 200  # issued: refused, shown
    notice.refresh_from_db()
    assert "再改" not in notice.summary
    # Issued: the agencies of the round may download it too.
    assert (
        login(year.users.owner).get(reverse("reports:notice-download", args=[notice.pk])).status_code == 200
    )


def test_the_year_end_bulletin_carries_the_published_ranking(year):
    q4 = year.quarters[3]
    assessment = compute(year)
    context = bulletin_context(plan=year.plan_a, period=q4, today=dt.date(2026, 2, 2))
    assert context["assessment"] == {"year": 2025, "published": False, "rows": [], "grades": []}
    _publish(assessment)
    context = bulletin_context(plan=year.plan_a, period=q4, today=dt.date(2026, 2, 2))
    rows = context["assessment"]["rows"]
    assert [(r["rank"], r["name"], r["grade"]) for r in rows] == [
        (1, "县交通运输局", "优秀"),
        (2, "县发改局", "较差"),
    ]
    doc = Document(io.BytesIO(BulletinDocx().export(context).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2025年度考核结果已发布" in text and "附件6" in text and "2025年度考核得分排名表" in text
    assert any(t.rows[1].cells[1].text == "县交通运输局" for t in doc.tables if len(t.columns) == 4)
    book = openpyxl.load_workbook(io.BytesIO(BulletinXlsx().export(context).content))
    assert "2025年度考核" in book.sheetnames
    # Other quarters say nothing of it.
    assert (
        bulletin_context(plan=year.plan_a, period=year.quarters[2], today=dt.date(2026, 2, 2))["assessment"]
        is None
    )


def test_the_leader_view_and_the_region_page_show_the_published_ranking(year, login):
    assessment = compute(year)
    year.users.leader.carbon_roles.create(kind="leader", region=year.county_a)
    leader = login(year.users.leader)
    f.PeriodFactory(plan=year.plan_a, year=2026, quarter=2)
    page = leader.get(reverse("reports:leader", args=[year.plan_a.pk]))
    assert "尚无已发布的年度考核结果" in page.content.decode()
    _publish(assessment)
    body = leader.get(reverse("reports:leader", args=[year.plan_a.pk])).content.decode()
    ranking = body.split('id="leader-ranking"')[1]
    assert ranking.index("县交通运输局") < ranking.index("县发改局") and "93.78" in ranking
    region = leader.get(reverse("reports:region", args=[year.county_a.pk])).content.decode()
    card = region.split('id="region-assessments"')[1]
    assert "甲县碳达峰实施方案" in card and "县交通运输局" in card


def test_the_selector_the_homes_use_gives_the_latest_published_ranking(year):
    from reports.assessment.selectors import assessment_ranking

    assessment = compute(year)
    assert assessment_ranking(year.plan_a) is None
    assert assessment_ranking(year.plan_a, published_only=False).assessment == assessment
    _publish(assessment)
    ranking = assessment_ranking(year.plan_a, 2025)
    assert [(r.agency.name, r.rank) for r in ranking.rows] == [("县交通运输局", 1), ("县发改局", 2)]
    assert ranking.grades == [("优秀", 1), ("良好", 0), ("一般", 0), ("较差", 1)]
    services.assessment_revise(assessment=ranking.assessment, by=year.users.office)
    assert assessment_ranking(year.plan_a).assessment == assessment  # the draft round is not shown
