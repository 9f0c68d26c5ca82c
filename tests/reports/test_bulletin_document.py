"""The bulletin as the office issues it: a short body over annexes, problems grouped,
期号 per plan and year, an editable 总体情况, and a Word file that opens with its
tables readable in LibreOffice."""

import datetime as dt
import io
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from agencies.models import AuditEntry
from plans.demo import DEMO_REGION, build_demo
from plans.models import Plan
from reports.bulletin import bulletin_context
from reports.bulletin_sections import TOP_PROBLEMS, problem_groups
from reports.charts import bulletin_charts, completion_bars
from reports.exporters import BulletinDocx, BulletinPdf
from reports.models import Bulletin
from reports.pdf import render_pdf
from tasks.periods import latest_due
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_DAY = dt.date(2026, 11, 22)
MAX_BODY_PAGES = 6


def pdf_pages(content: bytes, tmp_path, name="b.pdf") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


@pytest.fixture
def demo_context():
    build_demo(today=DEMO_DAY)
    plan = Plan.objects.get(region__name=DEMO_REGION)
    period = latest_due(list(plan.periods.all()), DEMO_DAY)
    return bulletin_context(plan=plan, period=period, today=DEMO_DAY)


def test_a_county_quarter_is_a_short_body_with_its_tables_in_annexes(demo_context, tmp_path):
    context = demo_context
    assert len(context["problems"]) > 15 and len(context["agencies"]) > 20
    pages = pdf_pages(BulletinPdf().render(context), tmp_path)
    first_annex = next(i for i, page in enumerate(pages) if page.lstrip().startswith("附件1"))
    assert 1 <= first_annex <= MAX_BODY_PAGES
    body = "".join("".join(pages[:first_annex]).split())
    assert body.startswith("督查通报（送审稿）")
    assert "岳阳县碳达峰工作督查通报（2026年第三季度）" in body and "2026Q3" not in body
    assert "报送：" in body and "抄送：" in body
    # The problems: counted, grouped, the ten most reported in the body, all in annex 5.
    assert f"共反映问题{len(context['problems'])}条" in body
    groups = problem_groups(context["problems"])
    assert len(groups) > TOP_PROBLEMS
    for group in groups[:TOP_PROBLEMS]:
        assert f"{group['agency']}·{group['kind']}（{group['count']}条" in body
    assert f"{groups[TOP_PROBLEMS]['agency']}·{groups[TOP_PROBLEMS]['kind']}（" not in body
    annexes = "".join("".join(pages[first_annex:]).split())
    for number, title in [("附件1", "各重点行动推进情况表"), ("附件5", "各单位反映问题清单")]:
        assert number + title in annexes
    # Every problem row is in the annex (the agency and the task number of each).
    assert annexes.count("存在问题") >= 1
    for problem in context["problems"][:: max(1, len(context["problems"]) // 12)]:
        # A long problem wraps in its cell, and the text layer interleaves its second line
        # with the wrapped task title beside it: the cell's first line is read whole.
        assert problem["text"].replace(" ", "")[:16] in annexes


def test_chart_labels_are_whole_agency_names(demo_context, tmp_path):
    """Each agency's name is printed whole and inside the chart (which starts 100 pt
    from the page's edge): a label running past the chart's edge would be clipped."""
    names = [a["name"] for a in demo_context["agencies"]]
    svg = bulletin_charts(demo_context)["agencies"]
    html = (
        "<!DOCTYPE html><html><head><style>@page { margin: 0 } body { margin: 0 0 0 100pt }"
        f" svg {{ width: 150mm; height: auto }}</style></head><body>{svg}</body></html>"
    )
    path = tmp_path / "chart.pdf"
    path.write_bytes(render_pdf(html))
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True)
    words = {
        word: float(x_min)
        for x_min, word in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]+)</word>', boxes.stdout)
    }
    for name in names:
        assert name in words, name
        assert words[name] >= 99, (name, words[name])
    assert not any("…" in word for word in words)


def test_an_empty_chart_speaks_the_readers_language():
    with translation.override("zh-hans"):
        chinese = completion_bars([])
    with translation.override("en"):
        english = completion_bars([])
    assert "无数据" in chinese and "No data" not in chinese
    assert "No data" in english and "无数据" not in english


def test_a_quarter_is_written_as_people_write_it(world):
    period = world.period_a
    period.quarter = 3
    assert period.display_name == "2026年第三季度"
    with translation.override("en"):
        assert period.display_name == "Q3 2026"


def test_the_word_file_has_page_numbers_and_the_headers_lines(quarter):
    context = bulletin_context(plan=quarter.plan_a, period=quarter.period_a, today=quarter.today)
    context["issue"] = {"year": 2026, "no": 7}
    doc = Document(io.BytesIO(BulletinDocx().render(context)))
    footer = doc.sections[0].footer._element.xml
    assert 'w:fldCharType="begin"' in footer and "PAGE" in footer
    paragraphs = [p.text for p in doc.paragraphs]
    assert "2026年第7期" in paragraphs and "甲县碳达峰办督〔2026〕7号" in paragraphs
    assert any(p.startswith("甲县碳达峰碳中和工作领导小组办公室\t2026年4月20日") for p in paragraphs)
    assert any(p.startswith("报送：") for p in paragraphs) and any(p.startswith("抄送：") for p in paragraphs)
    for table in doc.tables:
        assert 'w:type="fixed"' in table._tbl.xml
        grid = [col.width for col in table.columns]
        assert all(grid) and all(cell.width for cell in table.rows[-1].cells)


@pytest.mark.libreoffice
def test_word_tables_keep_action_names_whole_in_libreoffice(demo_context, tmp_path):
    docx = tmp_path / "b.docx"
    docx.write_bytes(BulletinDocx().render(demo_context))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)],
        capture_output=True, check=True, timeout=240,
    )  # fmt: skip
    lines = (tmp_path / "b.pdf").read_bytes()
    text = pdf_pages(lines, tmp_path, "b.pdf")
    joined = "\n".join(text)
    assert "— 1 —" in joined or "—1—" in joined.replace(" ", "")
    for action in demo_context["actions"]:
        name = f"{action['label']}{action['title']}"
        assert any(name in line for line in joined.splitlines()), name


def test_the_office_edits_the_overview_and_issues_numbered_bulletins(quarter, login, tmp_path):
    q = quarter
    period_2 = f.PeriodFactory(plan=q.plan_a, year=2026, quarter=2)
    client = login(q.users.office)
    for label in ("2026Q1", "2026Q2"):
        client.post(reverse("reports:bulletin-generate", args=[q.plan_a.pk]), {"period": label})
    first = Bulletin.objects.get(plan=q.plan_a, period=q.period_a)
    second = Bulletin.objects.get(plan=q.plan_a, period=period_2)
    assert first.summary.startswith("《甲县碳达峰实施方案》共部署重点行动1项")
    page = client.get(reverse("reports:plan-bulletins", args=[q.plan_a.pk])).content.decode()
    assert reverse("reports:bulletin-edit", args=[first.pk]) in page and "2026年第一季度" in page

    edit = reverse("reports:bulletin-edit", args=[first.pk])
    summary = "<b>总体</b>推进有序 & 成效明显=SUM(A1)"
    assert client.post(edit, {"summary": summary, "save": "1"}).status_code == 302
    first.refresh_from_db()
    assert (first.summary, first.state, first.issue_no) == (summary, "done", None)
    entry = AuditEntry.objects.get(action="bulletin.summary", target_id=str(first.pk))
    assert entry.changes["summary"][1] == summary and entry.actor == q.users.office
    text = "".join("".join(pdf_pages(first.pdf.read(), tmp_path)).split())
    assert "<b>总体</b>推进有序&成效明显=SUM(A1)" in text
    docx = Document(first.docx.open("rb"))
    assert summary in [p.text for p in docx.paragraphs]

    year = timezone.localdate().year
    for bulletin, number in ((second, 1), (first, 2)):
        assert client.post(reverse("reports:bulletin-edit", args=[bulletin.pk]), {
            "summary": bulletin.summary if bulletin == first else "", "publish": "1"}).status_code == 302  # fmt: skip
        bulletin.refresh_from_db()
        assert (bulletin.issue_year, bulletin.issue_no, bulletin.state) == (year, number, "done")
        paragraphs = [p.text for p in Document(bulletin.docx.open("rb")).paragraphs]
        assert f"{year}年第{number}期" in paragraphs and "（送审稿）" not in paragraphs
    first.refresh_from_db()
    assert first.summary == summary
    assert AuditEntry.objects.filter(action="bulletin.publish", plan=q.plan_a).count() == 2

    # An issued bulletin stays as issued; a new version of the quarter cannot be issued again.
    response = client.post(edit, {"summary": "改过", "publish": "1"})
    assert response.status_code == 200 and "已印发的通报不能再修改" in response.content.decode()
    client.post(reverse("reports:bulletin-generate", args=[q.plan_a.pk]), {"period": "2026Q1"})
    third = Bulletin.objects.get(plan=q.plan_a, period=q.period_a, version=2)
    response = client.post(reverse("reports:bulletin-edit", args=[third.pk]), {"summary": "", "publish": "1"})
    assert "本季度的通报已印发" in response.content.decode()
    third.refresh_from_db()
    assert third.issue_no is None


def test_only_the_office_edits_and_issues(quarter, login):
    q = quarter
    client = login(q.users.office)
    client.post(reverse("reports:bulletin-generate", args=[q.plan_a.pk]), {"period": "2026Q1"})
    bulletin = Bulletin.objects.get(plan=q.plan_a)
    edit = reverse("reports:bulletin-edit", args=[bulletin.pk])
    for user in (q.users.leader, q.users.owner):
        response = login(user).post(edit, {"summary": "x", "publish": "1"})
        assert response.status_code in (403, 404)
    bulletin.refresh_from_db()
    assert bulletin.issue_no is None and bulletin.summary != "x"


def test_the_briefing_charts_carry_whole_names(demo_context):
    import base64

    from reports.briefing import BriefingExporter

    plan = Plan.objects.get(region__name=DEMO_REGION)
    period = latest_due(list(plan.periods.all()), DEMO_DAY)
    context = BriefingExporter(plan=plan, period=period).context()
    svg = {
        name: base64.b64decode(re.search(r"base64,([^\"]+)", img).group(1)).decode()
        for name, img in context["svg"].items()
    }
    assert context["agencies"]
    for row in context["agencies"]:
        assert f">{row.agency.name}<" in svg["agencies"], row.agency.name
    for action in demo_context["actions"]:
        assert f">{action['label']}{action['title']}<" in svg["actions"]
    assert "…" not in "".join(svg.values())
