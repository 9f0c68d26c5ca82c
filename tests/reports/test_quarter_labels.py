"""No document or page meant for people writes a bare quarter code (2026Q3): the bulletin
(PDF, DOCX, XLSX), the briefing, the Excel exports and the pages' quarter selectors write
2026年第三季度 (Q3 2026 in English). URLs, form values and the API keep the code.

Each file is read back as its reader would: pdftotext, python-docx, openpyxl."""

import datetime as dt
import io
import re
import subprocess

import lxml.html
import pytest
import time_machine
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from plans.demo import DEMO_REGION, build_demo
from plans.models import Plan
from reports.bulletin import bulletin_context
from reports.exporters import BulletinDocx, BulletinPdf
from reports.exporters.bulletin_xlsx import BulletinXlsx
from tasks.models import label_display
from tasks.periods import latest_due

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_DAY = dt.date(2026, 11, 22)
CODE = re.compile(r"(?<![0-9A-Za-z])20\d\dQ[1-4](?![0-9])")


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def page_text(response) -> str:
    """What a reader sees: the page's text, without scripts, styles or attribute values,
    nor the help under a field that takes a quarter code as typed (“如 2026Q1”)."""
    root = lxml.html.fromstring(response.content.decode())
    for el in root.xpath("//script | //style | //*[contains(@class, 'helptext')]"):
        el.drop_tree()
    return " ".join(root.itertext())  # each element's text apart, as a reader sees it


@pytest.fixture
def demo():
    build_demo(today=DEMO_DAY)
    plan = Plan.objects.get(region__name=DEMO_REGION)
    period = latest_due(list(plan.periods.all()), DEMO_DAY)
    return plan, period


def test_the_quarter_helper_reads_a_code_and_leaves_anything_else():
    assert label_display("2026Q3") == "2026年第三季度"
    with translation.override("en"):
        assert label_display("2026Q3") == "Q3 2026"
    assert label_display("") == "" and label_display("下半年") == "下半年"


def test_the_bulletin_files_name_the_quarter_as_people_write_it(demo, tmp_path):
    plan, period = demo
    context = bulletin_context(plan=plan, period=period, today=DEMO_DAY)
    # An indicator whose latest value is older than the quarter shows the quarter it
    # comes from (as the stored assessment says: a code).
    context["indicators"][0]["value_period"] = f"{period.year}Q{period.quarter - 1}"
    texts = {
        "pdf": pdf_text(BulletinPdf().render(context), tmp_path),
        "docx": docx_text(BulletinDocx().render(context)),
        "xlsx": xlsx_text(BulletinXlsx().render(context)),
    }
    for kind, text in texts.items():
        assert not CODE.findall(text), (kind, CODE.findall(text)[:5])
        assert period.display_name in "".join(text.split()), kind
    older = next(i["value_period"] for i in context["indicators"] if i["value_period"])
    assert label_display(older) in texts["xlsx"]
    with translation.override("en"):
        context = bulletin_context(plan=plan, period=period, today=DEMO_DAY, recompute=False)
        english = pdf_text(BulletinPdf().render(context), tmp_path)
    assert f"Q{period.quarter} {period.year}" in english and not CODE.findall(english)


@time_machine.travel(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC), tick=False)
def test_the_briefing_and_excel_exports_name_the_quarter_as_people_write_it(demo, client, tmp_path):
    plan, period = demo
    client.login(username="office", password="carbonplan")
    briefing = client.get(f"/reports/plans/{plan.pk}/briefing.pdf", {"period": period.label})
    assert briefing.status_code == 200
    text = pdf_text(briefing.content, tmp_path)
    assert not CODE.findall(text) and period.display_name in "".join(text.split())
    dashboard = f"/reports/plans/{plan.pk}/dashboard/"
    exports = [
        ("office", dashboard, {"table": table}) for table in ("actions", "agencies", "indicators", "tasks")
    ] + [
        ("office", f"/reports/plans/{plan.pk}/missing/", {}),
        ("city", f"/reports/regions/{plan.region.parent_id}/", {"table": "plans"}),
        ("city", f"/reports/regions/{plan.region.parent_id}/", {"table": "indicators"}),
    ]
    for username, url, params in exports:
        client.login(username=username, password="carbonplan")
        response = client.get(url, {"period": period.label, "format": "xlsx", **params})
        assert response.status_code == 200, (url, params, response.status_code)
        text = xlsx_text(response.content)
        assert not CODE.findall(text), (url, params, CODE.findall(text)[:5])


@time_machine.travel(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC), tick=False)
def test_pages_and_their_quarter_selectors_name_quarters_as_people_write_them(demo, client):
    plan, period = demo
    pages = {
        "office": [
            f"/reports/plans/{plan.pk}/dashboard/",
            f"/reports/plans/{plan.pk}/missing/",
            f"/reports/plans/{plan.pk}/agencies/",
            f"/reports/plans/{plan.pk}/bulletins/",
            f"/reports/plans/{plan.pk}/leader/",
            f"/tasks/review/?plan={plan.pk}",
            f"/plans/{plan.pk}/schedule/",
        ],
        "agency": ["/tasks/"],
        "city": [f"/reports/regions/{plan.region.parent_id}/"],
    }
    for username, urls in pages.items():
        client.login(username=username, password="carbonplan")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            text = page_text(response)
            assert not CODE.findall(text), (url, CODE.findall(text)[:5])
            root = lxml.html.fromstring(response.content.decode())
            options = root.xpath("//select[@name='period']/option")
            for option in options:  # the selector's value stays the code, its text is the quarter
                assert re.fullmatch(r"20\d\dQ[1-4]", option.get("value")), url
                assert option.text_content().strip().startswith(label_display(option.get("value"))), url
    with translation.override("en"):
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        client.login(username="office", password="carbonplan")
        text = page_text(client.get(f"/reports/plans/{plan.pk}/dashboard/"))
        assert f"Q{period.quarter} {period.year}" in text and not CODE.findall(text)


def test_the_api_keeps_the_code(demo, client):
    plan, period = demo
    from rest_framework.test import APIClient

    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "office", "password": "carbonplan"}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    labels = [p["label"] for p in api.get("/api/periods/", {"plan": plan.pk}).json()["results"]]
    assert period.label in labels and all(re.fullmatch(r"20\d\dQ[1-4]", label) for label in labels)
