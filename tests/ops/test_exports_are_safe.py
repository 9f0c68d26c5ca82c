"""Text people type never becomes a formula in a spreadsheet the system hands out.

Every field a user or a plan document can write holds formula-like text; the office,
an agency and a leader then follow every link their pages offer and open every
spreadsheet they get. No cell may be a formula, and the planted text must read back
exactly as stored (openpyxl, the sheet XML, pandas).
"""

import ast
import datetime as dt
import html
import io
import re
import zipfile
from collections import deque
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pandas as pd
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse
from openpyxl import load_workbook

from agencies.models import Agency
from carbonplan.downloads import XLSX_MIME
from carbonplan.spreadsheets import AUTHOR, FORMULA_PREFIXES, Spreadsheet
from indicators.models import Indicator
from plans.breakdown_excel import BreakdownExporter, breakdown_read
from plans.models import Action, Plan, Region
from plans.services import plan_create_from_parsed
from reports.rollups import rollup_plan_period, rollup_region_period
from tasks.models import ProgressReport, Task
from tasks.services import (
    report_approve,
    report_get_or_create,
    report_return,
    report_save_draft,
    report_submit,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://127.0.0.1/x","点此")'
FORMULAS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1+1"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
AFTER_DEADLINE = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)
# The spreadsheets each role must find on its pages, by URL name: if a link goes
# missing the crawl would silently check less.
EXPECTED = {
    "office": {
        "plans:breakdown_xlsx",
        "reports:dashboard",
        "reports:dashboard-task",
        "reports:region",
        "reports:missing",
        "reports:bulletin-download",
        "agencies:audit-export",
    },
    "owner": {"tasks:workbook_download"},
    "leader": {"reports:dashboard", "reports:dashboard-task", "reports:bulletin-download"},
}
# Not followed: leaving the session, the admin, the API, language switching, the
# briefing PDF (a minute of layout per role, and a PDF has no cells) and the web app
# manifest (JSON for the browser, not a download).
SKIP_PATHS = ("/accounts/logout", "/admin/", "/api/", "/i18n/", "/static/")
SKIP_NAMES = {"reports:briefing", "webmanifest"}
PAGE_LIMIT = 250


def _text(n):
    return FORMULAS[n % len(FORMULAS)]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def planted(world, django_capture_on_commit_callbacks):
    """The `world` cast with formula-like text in every field people or documents
    write, reported, returned, approved and bulletined through the services."""
    w = world
    city = f.RegionFactory(name="=1+1市", level="city")
    Region.objects.filter(pk__in=[w.county_a.pk, w.county_b.pk]).update(parent=city)
    Region.objects.filter(pk=w.county_a.pk).update(name="@SUM(A1)甲县")
    f.role(w.users.office, "office", region=city)
    Plan.objects.filter(pk=w.plan_a.pk).update(title=HYPERLINK, doc_number="-2+3号")
    Plan.objects.filter(pk=w.plan_b.pk).update(title="+1+1乙县方案")
    Action.objects.filter(pk=w.action_a.pk).update(label="+1", title="+1+1能源绿色低碳转型行动")
    Action.objects.filter(pk=w.action_b.pk).update(title="@SUM(A1)交通运输绿色低碳行动")
    for n, task in enumerate([w.task_a1, w.task_a2, w.task_b1]):
        Task.objects.filter(pk=task.pk).update(
            title=_text(n) + "任务", source_text=_text(n + 1) + "措施", deadline_text=_text(n + 2),
            note=_text(n + 3) + "备注",
        )  # fmt: skip
    # A vertical tab pasted from Word: XML cannot hold it, the exports must not fail.
    Task.objects.filter(pk=w.task_a2.pk).update(note="=1\v备注")
    Agency.objects.filter(pk=w.own.pk).update(name="@SUM(A1)县发改局")
    Agency.objects.filter(pk=w.other.pk).update(name="\t=1县交通运输局")
    Agency.objects.filter(pk=w.stranger.pk).update(name="\r=1县住建局")
    Indicator.objects.filter(pk=w.indicator_a.pk).update(
        name="\r=1新增公共充电桩", unit="=1个", source_text=HYPERLINK
    )
    # The same indicator in plan B: the region view compares them.
    f.IndicatorFactory(plan=w.plan_b, task=w.task_b1, name="\r=1新增公共充电桩", unit="=1个", target=50)
    f.IndicatorFactory(plan=w.plan_a, name="-1+1非化石能源占比", unit="+%", target=25)  # a plan goal
    for name in vars(w):
        obj = getattr(w, name)
        if hasattr(obj, "refresh_from_db"):
            obj.refresh_from_db()

    with time_machine.travel(BEFORE_DEADLINE, tick=False), django_capture_on_commit_callbacks(execute=True):
        texts = {"progress_text": HYPERLINK, "problems": "+1+1资金不到位", "next_steps": "-2+3下季度并网"}
        r1 = report_get_or_create(task=w.task_a1, agency=w.own, period=w.period_a, by=w.users.owner)
        report_save_draft(
            report=r1, by=w.users.owner, base_version=r1.version,
            data={"status": "in_progress", "percent": "40", **texts},
            indicator_values={str(w.indicator_a.pk): "10"},
        )  # fmt: skip
        evidence_url = reverse("tasks:evidence_upload", args=[w.task_a1.pk, w.period_a.pk])
        upload = SimpleUploadedFile("=1+1验收报告.pdf", PDF)
        assert _client(w.users.owner).post(evidence_url, {"file": upload}).status_code == 302
        report_submit(report=r1, by=w.users.owner)
        report_return(report=r1, by=w.users.office, comment="=1+1请补充佐证")
        r1.refresh_from_db()
        report_save_draft(
            report=r1,
            by=w.users.owner,
            base_version=r1.version,
            data={**texts, "progress_text": HYPERLINK + "已补充"},
        )
        report_submit(report=r1, by=w.users.owner)
        r2 = report_get_or_create(task=w.task_a2, agency=w.other, period=w.period_a, by=w.users.other_agency)
        report_save_draft(
            report=r2, by=w.users.other_agency, base_version=r2.version,
            data={"status": "lagging", "percent": "20", "progress_text": "@SUM(A1)进展",
                  "problems": "=1+1用地审批慢", "next_steps": "+2+2加快"},
        )  # fmt: skip
        report_submit(report=r2, by=w.users.other_agency)
        report_approve(report=r2, by=w.users.office, comment="-2+3同意")
    with time_machine.travel(AFTER_DEADLINE, tick=False), django_capture_on_commit_callbacks(execute=True):
        for plan, period in [(w.plan_a, w.period_a), (w.plan_b, w.period_b)]:
            rollup_plan_period(plan=plan, period=period, today=AFTER_DEADLINE.date())
        rollup_region_period(region=city, period_label="2026Q1")
        generate = reverse("reports:bulletin-generate", args=[w.plan_a.pk])
        assert _client(w.users.office).post(generate, {"period": "2026Q1"}).status_code == 302
    return SimpleNamespace(**vars(w), city=city, r1=r1, r2=r2)


def _stored_texts(w):
    """Every text the planted data stored, as the database holds it now."""
    texts = set()
    for report in ProgressReport.objects.all():
        texts |= {report.progress_text, report.problems, report.next_steps}
    for task in Task.objects.all():
        texts |= {task.title, task.source_text, task.note}
    texts |= set(Agency.objects.values_list("name", flat=True))
    texts |= set(Indicator.objects.values_list("name", flat=True))
    texts |= set(Plan.objects.values_list("title", flat=True))
    texts |= set(Action.objects.values_list("title", flat=True))
    return {t for t in texts if t and t.startswith(FORMULA_PREFIXES)}


def crawl(client):
    """{url: response} of every download reachable from the home page by GET links."""
    seen, queue, downloads = set(), deque(["/"]), {}
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        assert len(seen) <= PAGE_LIMIT, "the crawl went past its page limit"
        response = client.get(url)
        if response.status_code != 200:
            continue
        if not response["Content-Type"].startswith("text/html"):
            content = b"".join(response.streaming_content) if response.streaming else response.content
            downloads[url] = (response, content)
            continue
        for href in re.findall(r'href="([^"#]*)', response.content.decode()):
            parts = urlsplit(urljoin(url, html.unescape(href)))
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PATHS) or _name(parts.path) in SKIP_NAMES:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return downloads


def _name(path):
    try:
        match = resolve(path)
    except Exception:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def assert_no_formula(content, where):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode()
                assert not re.search(r"<(\w+:)?f[ >/]", xml), f"{where}: a formula element in {name}"
    book = load_workbook(io.BytesIO(content))
    assert book.properties.creator == AUTHOR, f"{where}: not written by carbonplan.spreadsheets"
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    cells.append(cell.value)
    frames = pd.read_excel(io.BytesIO(content), sheet_name=None, header=None, dtype=object)
    read_by_pandas = {v for frame in frames.values() for v in frame.to_numpy().ravel() if isinstance(v, str)}
    assert set(cells) == read_by_pandas, where
    return set(cells)


@pytest.mark.parametrize("who", ["office", "owner", "leader"])
def test_every_spreadsheet_a_role_can_download_keeps_planted_text_as_text(planted, who):
    client = _client(getattr(planted.users, who))
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        downloads = crawl(client)
    stored = _stored_texts(planted)
    found, names = set(), set()
    for url, (response, content) in downloads.items():
        assert "Content-Disposition" in response, url
        if response["Content-Type"] != XLSX_MIME:
            continue
        names.add(_name(urlsplit(url).path))
        cells = assert_no_formula(content, url)
        if max(sheet.max_row for sheet in load_workbook(io.BytesIO(content)).worksheets) < 2:
            continue  # a table the filter left empty: headers only
        # Some tables strip or join what they show: the planted text, trimmed, is in there.
        assert any(text.strip() in cell for text in stored for cell in cells), (
            f"{url}: carries no planted text"
        )
        found |= stored & cells
    assert names >= EXPECTED[who], f"spreadsheets not reached: {EXPECTED[who] - names}"
    if who == "office":
        # The drill-down, audit and bulletin together carry every planted report text.
        reports = {
            t for r in ProgressReport.objects.all() for t in (r.progress_text, r.problems, r.next_steps)
        }
        assert reports <= found


def test_the_agency_workbook_round_trips_formula_like_text_unchanged(planted):
    client = _client(planted.users.owner)
    url = reverse("tasks:workbook_download", args=[planted.period_a.pk])
    upload_url = reverse("tasks:workbook_upload", args=[planted.period_a.pk])
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        report_return(report=planted.r1, by=planted.users.office, comment="+1+1再改")
        planted.r1.refresh_from_db()
        content = client.get(url).content
        sheet = load_workbook(io.BytesIO(content))["进展填报"]
        assert [sheet["I2"].value, sheet["J2"].value] == [planted.r1.progress_text, planted.r1.problems]
        response = client.post(upload_url, {"file": SimpleUploadedFile("填报.xlsx", content)})
        assert response.status_code == 302
        before = planted.r1.version
        planted.r1.refresh_from_db()
        assert planted.r1.version == before  # nothing changed
        # The agency types more formula-like text in Excel (stored as text there too).
        book = load_workbook(io.BytesIO(content))
        sheet = book["进展填报"]
        sheet["I2"] = "=SUM(1,2)离线进展"
        sheet["I2"].data_type = "s"
        edited = io.BytesIO()
        book.save(edited)
        response = client.post(upload_url, {"file": SimpleUploadedFile("填报.xlsx", edited.getvalue())})
        assert response.status_code == 302
        planted.r1.refresh_from_db()
        assert planted.r1.progress_text == "=SUM(1,2)离线进展"
        again = load_workbook(io.BytesIO(client.get(url).content))["进展填报"]["I2"]
        assert (again.value, again.data_type) == ("=SUM(1,2)离线进展", "s")


def test_the_breakdown_round_trips_formula_like_text_unchanged(planted):
    content = BreakdownExporter(planted.plan_a).render()
    assert_no_formula(content, "任务分解表")
    copy = plan_create_from_parsed(parsed=breakdown_read(content), region=planted.county_a)

    def shape(plan):
        return [
            (t.label, t.title, t.source_text, t.deadline_text,
             sorted(a.agency.name for a in t.assignments.all()))
            for t in Task.objects.filter(action__plan=plan).order_by("action__seq", "seq")
        ]  # fmt: skip

    assert copy.title == planted.plan_a.title == HYPERLINK
    assert shape(copy) == shape(planted.plan_a)
    assert [t[1] for t in shape(copy)] == [HYPERLINK + "任务", "+1+1任务"]


@pytest.mark.parametrize("text", [*FORMULAS, "=", "-", "\n=1", "a=1", "普通文字"])
def test_the_writer_stores_any_text_as_text_and_numbers_as_numbers(text):
    book = Spreadsheet()
    book.active.append([text, 3, -2.5, None])
    book.active["A2"] = text  # set after the row: the writer applies at save time
    content = book.to_bytes()
    assert_no_formula(content, repr(text))
    sheet = load_workbook(io.BytesIO(content)).active
    assert [sheet["A1"].value, sheet["A2"].value, sheet["B1"].value, sheet["C1"].value] == [
        text,
        text,
        3,
        -2.5,
    ]
    assert sheet["A1"].data_type == "s" and sheet["B1"].data_type == "n"
    assert sheet["A1"].quotePrefix == text.startswith(FORMULA_PREFIXES)


def test_characters_a_workbook_cannot_hold_do_not_break_the_export():
    book = Spreadsheet()
    book.active.append(["第一行\v第二行", "=1+1\x01", 5])
    sheet = load_workbook(io.BytesIO(book.to_bytes())).active
    assert [c.value for c in sheet[1]] == ["第一行\n第二行", "=1+1", 5]
    assert sheet["B1"].data_type == "s"


def _product_modules():
    for top in sorted(ROOT.iterdir()):
        if not (top / "__init__.py").exists() or top.name == "tests":
            continue
        for path in sorted(top.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_only_the_writer_creates_workbooks_and_only_file_response_names_downloads():
    """A new export has to go through carbonplan.spreadsheets and file_response()."""
    writer, downloads = ROOT / "carbonplan/spreadsheets.py", ROOT / "carbonplan/downloads.py"
    offenders = []
    for path, tree in _product_modules():
        for node in ast.walk(tree):
            if path != writer and isinstance(node, ast.ImportFrom) and node.module == "openpyxl":
                offenders += [f"{path}: openpyxl.{a.name}" for a in node.names if a.name == "Workbook"]
            if path != writer and isinstance(node, ast.Import):
                offenders += [
                    f"{path}: import {a.name}" for a in node.names if a.name in ("csv", "xlsxwriter")
                ]
            if path != writer and isinstance(node, ast.Attribute) and node.attr == "Workbook":
                offenders.append(f"{path}: .Workbook")
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if path != downloads and text.lower() == "content-disposition":
                offenders.append(f"{path}: sets Content-Disposition")
            if path != downloads and text.startswith("application/vnd.openxmlformats"):
                offenders.append(f"{path}: its own MIME string")
    assert offenders == []
