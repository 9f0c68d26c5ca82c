"""A corpus of hostile inputs walked through the real pages.

Every case must end in a clear Chinese message (or a 4xx JSON error with a Chinese
detail on the API) and must leave nothing half written: the rows a successful request
would have touched are counted before and after.
"""

import datetime as dt
import io
import json
import os
import random
import re
import zipfile

import docx
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from agencies.models import AuditEntry
from indicators.models import IndicatorValue
from plans.models import Action, Plan, PlanImport
from tasks.models import Evidence, ProgressReport, ProgressReportVersion, Task
from tasks.services import report_get_or_create, report_save_draft

pytestmark = pytest.mark.django_db

# Inside the quarter's reporting window of the `world` fixture (2026Q1).
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ALL_MODELS = (
    Plan,
    PlanImport,
    Action,
    Task,
    ProgressReport,
    ProgressReportVersion,
    IndicatorValue,
    Evidence,
    AuditEntry,
)


def counts(*models):
    return {model.__name__: model.objects.count() for model in models or ALL_MODELS}


def page_text(response):
    return response.content.decode()


def media_files(settings):
    root = settings.MEDIA_ROOT
    if not os.path.isdir(root):
        return []
    return sorted(p for p in map(str, root.rglob("*")) if os.path.isfile(p))


def _junk(size, seed=7):
    # Deterministic pseudo-random bytes with NULs, so failures are reproducible.
    rng = random.Random(seed)
    data = bytearray(rng.randbytes(size))
    data[::17] = b"\x00" * len(data[::17])
    return bytes(data)


def _empty_docx():
    document = docx.Document()
    document.add_paragraph("")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _undecodable():
    # 0xFF and 0x80 can start a character neither in UTF-8 nor in GB18030.
    data = ("碳达峰实施方案".encode("utf-16-le") + b"\xff\x80\xff\x80") * 20
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
    return data


def _zip_not_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "这不是Excel")
    return out.getvalue()


NEWS = (
    "本报讯 昨日，我县举办第十届油菜花旅游文化节，吸引游客三万余人次。"
    "活动现场设置了农产品展销、非遗展演等环节，当地群众纷纷表示收获满满。"
).encode()


# --- plan document upload (office) ------------------------------------------------------

# (name, bytes, whether the form itself refuses it before anything is stored)
PLAN_CORPUS = {
    "empty file": ("方案.txt", b"", True),
    "binary junk named .txt": ("方案.txt", _junk(4096), False),
    "an exe renamed .docx": ("方案.docx", b"MZ\x90\x00\x03" + _junk(2048, seed=3), False),
    "a docx without text": ("方案.docx", _empty_docx(), False),
    "undecodable text": ("方案.txt", _undecodable(), False),
    "a news paragraph": ("新闻.txt", NEWS, False),
    "a zip renamed .docx": ("方案.docx", _zip_not_workbook(), False),
    "a zip renamed .xlsx": ("分解表.xlsx", _zip_not_workbook(), False),
    "binary junk named .xlsx": ("分解表.xlsx", _junk(4096, seed=11), False),
    "a wrong extension": ("方案.exe", b"MZ\x90\x00\x03" + _junk(512, seed=13), True),
    "a PDF with no pages": ("方案.pdf", b"%PDF-1.4\n%%EOF\n", False),
}


@pytest.mark.parametrize("case", list(PLAN_CORPUS))
def test_a_hostile_plan_document_is_refused_with_a_message_and_creates_no_plan(case, login, world):
    name, data, refused_by_form = PLAN_CORPUS[case]
    client = login(world.users.office)
    before = counts(Plan, Action, Task, PlanImport)
    response = client.post(
        reverse("plans:import_list"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    assert response.status_code == 200
    after = counts(Plan, Action, Task, PlanImport)
    assert {k: after[k] for k in ("Plan", "Action", "Task")} == {
        k: before[k] for k in ("Plan", "Action", "Task")
    }
    body = page_text(response)
    if refused_by_form:
        # The form refuses it: nothing is stored, the message sits under the field.
        assert after["PlanImport"] == before["PlanImport"]
        errors = response.context["form"].errors["file"]
        assert errors and all(CHINESE.search(e) and e in body for e in errors)
        return
    # The designed path for unreadable documents: a FAILED import row that records why,
    # shown to the office on the review page; never a plan.
    assert after["PlanImport"] == before["PlanImport"] + 1
    plan_import = PlanImport.objects.latest("pk")
    assert plan_import.state == PlanImport.State.FAILED, plan_import.parsed
    assert plan_import.error and CHINESE.search(plan_import.error)
    assert plan_import.error in body or plan_import.error.replace("“", "&ldquo;") in body
    assert "无法解析" in body


def test_a_plan_document_over_the_size_limit_is_refused_before_it_is_stored(login, world, settings):
    settings.PLAN_UPLOAD_MAX_BYTES = 2048
    client = login(world.users.office)
    before = counts()
    text = ("一、总体要求\n" + "推进能源绿色低碳转型。" * 400).encode()
    assert len(text) > 2048
    response = client.post(reverse("plans:import_list"), {"file": SimpleUploadedFile("方案.txt", text)})
    assert response.status_code == 200
    assert "文件过大" in page_text(response)
    assert "上限为 2 KB" in page_text(response)
    assert counts() == before
    assert media_files(settings) == []


# --- offline workbook upload (owner) ----------------------------------------------------


def _downloaded_book(client, world):
    response = client.get(reverse("tasks:workbook_download", args=[world.period_a.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _post_workbook(client, world, data, name="填报.xlsx"):
    return client.post(
        reverse("tasks:workbook_upload", args=[world.period_a.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def _saved_report(world):
    report = report_get_or_create(
        task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
    )
    report, _warnings = report_save_draft(
        report=report,
        data={"status": "in_progress", "percent": "40", "progress_text": "原有进展"},
        by=world.users.owner,
        base_version=report.version,
        indicator_values={str(world.indicator_a.pk): "5"},
    )
    return report


def _report_state(report):
    report.refresh_from_db()
    return (report.version, report.status, report.percent, report.progress_text, report.updated_at)


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize(
    "case,data",
    [
        ("a zip that is not a workbook", _zip_not_workbook()),
        ("random bytes", _junk(2048)),
        ("empty xlsx name only", b"PK\x05\x06" + b"\x00" * 18),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_and_changes_nothing(case, data, login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    before = counts()
    response = _post_workbook(client, world, data)
    assert response.status_code == 400
    assert "文件不是有效的Excel（.xlsx）文件" in page_text(response)
    assert counts() == before
    assert _report_state(report) == state


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize(
    "percent,value",
    [(1e9, "1e9"), (-5, "-5"), ("abc", "abc"), ("1e309", "1e309"), ("NaN", "NaN"), ("inf", "inf")],
)
def test_absurd_numbers_in_a_workbook_are_listed_by_row_and_nothing_is_applied(percent, value, login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    book = _downloaded_book(client, world)
    sheet = book["进展填报"]
    sheet["H2"], sheet["I2"] = percent, "改过的进展"
    book["指标值"]["F2"] = value
    out = io.BytesIO()
    book.save(out)
    before = counts()
    response = _post_workbook(client, world, out.getvalue())
    assert response.status_code == 400
    body = page_text(response)
    assert "第2行 完成进度：应为0–100的数字" in body
    if value not in ("1e9", "-5"):  # huge or negative indicator values are numbers
        assert "“指标值”第2行 本季度值：应为数字" in body
    assert counts() == before
    assert _report_state(report) == state
    assert IndicatorValue.objects.get(indicator=world.indicator_a, agency=world.own).value == 5


# --- evidence upload (owner, on their report) -------------------------------------------


def _evidence_post(client, world, upload):
    return client.post(
        reverse("tasks:evidence_upload", args=[world.task_a1.pk, world.period_a.pk]),
        {"file": upload},
        follow=True,
    )


EVIDENCE_CORPUS = {
    "an exe renamed .pdf": ("证明.pdf", b"MZ\x90\x00\x03" + _junk(1024, seed=5), "内容与扩展名不符"),
    "an html page": ("证明.html", b"<html><script>alert(1)</script></html>", "类型不允许"),
    "an empty pdf": ("证明.pdf", b"", "请选择要上传的文件"),
    "a pdf that is a zip": ("证明.pdf", _zip_not_workbook(), "内容与扩展名不符"),
    "a zip renamed .docx": ("证明.docx", _zip_not_workbook(), "内容与扩展名不符"),
    "no extension": ("证明", b"%PDF-1.4\n%%EOF\n", "类型不允许"),
}


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize("case", list(EVIDENCE_CORPUS))
def test_hostile_evidence_is_refused_and_nothing_is_stored(case, login, world, settings):
    name, data, message = EVIDENCE_CORPUS[case]
    report = _saved_report(world)
    client = login(world.users.owner)
    before, files = counts(), media_files(settings)
    response = _evidence_post(client, world, SimpleUploadedFile(name, data))
    assert response.status_code == 200
    assert message in page_text(response)
    assert counts() == before
    assert media_files(settings) == files
    assert not report.evidence.exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_evidence_over_the_size_limit_is_refused_and_nothing_is_stored(login, world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    _saved_report(world)
    client = login(world.users.owner)
    pdf = b"%PDF-1.4\n" + b"0" * 4096 + b"\n%%EOF\n"
    before, files = counts(), media_files(settings)
    response = _evidence_post(client, world, SimpleUploadedFile("大文件.pdf", pdf))
    body = page_text(response)
    assert "超过了" in body and "的上限" in body
    assert counts() == before
    assert media_files(settings) == files


# --- the report form, its autosave and the API (owner) ---------------------------------

BAD_PERCENTS = ["150", "-1", "abc", "1e309", "NaN", "Infinity", "100.0001", "五十"]


def _form_url(world):
    return reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize("percent", BAD_PERCENTS)
def test_a_bad_percent_on_the_report_form_is_refused_and_nothing_is_saved(percent, login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        _form_url(world),
        {
            "version": report.version,
            "status": "in_progress",
            "percent": percent,
            "progress_text": "新的进展",
            f"ind_{world.indicator_a.pk}": "7",
        },
    )
    assert response.status_code == 400
    assert "完成进度应为0–100的数字" in page_text(response)
    assert counts() == before
    assert _report_state(report) == state
    assert IndicatorValue.objects.get(indicator=world.indicator_a, agency=world.own).value == 5


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_bad_percent_on_a_first_save_leaves_no_empty_report_behind(login, world):
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        _form_url(world), {"status": "in_progress", "percent": "150", "progress_text": "x"}
    )
    assert response.status_code == 400
    assert "完成进度应为0–100的数字" in page_text(response)
    assert counts() == before


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize("percent", [150, -1, "abc", "1e309", 1e300])
def test_a_bad_percent_through_autosave_is_a_400_with_a_chinese_error(percent, login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk]),
        json.dumps({"version": report.version, "percent": percent, "progress_text": "新的进展"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "完成进度应为0–100的数字" in response.json()["error"]
    assert counts() == before
    assert _report_state(report) == state


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"percent": {"a": 1}}', b'{"indicators": [1]}', b"\xff\xfe"]
)
def test_malformed_autosave_bodies_are_a_400_with_a_chinese_error(body, login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "数据格式有误。"
    assert counts() == before
    assert _report_state(report) == state


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _chinese_detail(payload):
    return CHINESE.search(json.dumps(payload, ensure_ascii=False))


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize("percent", ["150", "-1", "abc", "1e309", "NaN"])
def test_a_bad_percent_through_the_api_is_a_400_and_creates_no_report(percent, world):
    before = counts()
    response = _api(world.users.owner).post(
        "/api/progress-reports/",
        {
            "task": world.task_a1.pk,
            "period": world.period_a.pk,
            "status": "in_progress",
            "percent": percent,
            "progress_text": "新建充电桩12个",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert [error["attr"] for error in response.json()["errors"]] == ["percent"]
    assert _chinese_detail(response.json())
    assert counts() == before


@time_machine.travel(BEFORE_DEADLINE, tick=False)
@pytest.mark.parametrize("payload", [[1, 2], {"task": "abc", "period": None}, {"task": 10**12}])
def test_malformed_api_payloads_are_a_400_with_a_chinese_detail(payload, world):
    before = counts()
    response = _api(world.users.owner).post("/api/progress-reports/", payload, format="json")
    assert response.status_code == 400, response.content
    assert _chinese_detail(response.json())
    assert counts() == before


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_script_in_the_progress_text_is_saved_as_text_and_shown_escaped(login, world):
    client = login(world.users.owner)
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = client.post(
        _form_url(world), {"version": "", "status": "in_progress", "percent": "20", "progress_text": hostile}
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert report.progress_text == hostile
    for url in (reverse("tasks:report_detail", args=[report.pk]), _form_url(world)):
        body = page_text(client.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
    office_body = page_text(login(world.users.office).get(reverse("tasks:report_detail", args=[report.pk])))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in office_body
    assert "<script>alert(1)" not in office_body


# --- period settings (office) -----------------------------------------------------------


def _period_state(period):
    period.refresh_from_db()
    return (period.opens_on, period.deadline, period.is_closed)


@pytest.mark.parametrize(
    "opens_on,deadline,message",
    [
        ("2026-04-10", "2026-04-01", "报送截止日期不能早于填报开始日期"),
        ("2026-03-16", "10000-01-01", "有效的日期"),
        ("2026-03-16", "2026-02-30", "有效的日期"),
        ("2026-03-16", "明天", "有效的日期"),
        ("", "2026-04-15", "该字段是必填项"),
    ],
)
def test_impossible_period_dates_are_refused_and_the_period_is_unchanged(
    opens_on, deadline, message, login, world
):
    period = world.period_a
    state = _period_state(period)
    client = login(world.users.office)
    before = counts()
    response = client.post(
        reverse("tasks:period_settings", args=[period.pk]),
        {"action": "dates", "opens_on": opens_on, "deadline": deadline},
        follow=True,
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert counts() == before
    assert _period_state(period) == state


@pytest.mark.parametrize(
    "opens_on,deadline",
    [
        ("1900-01-01", "1900-01-15"),
        ("2026-03-16", "9999-12-31"),
        ("0001-01-01", "2026-04-15"),
    ],
)
def test_period_dates_far_outside_the_quarter_are_refused(opens_on, deadline, login, world):
    period = world.period_a
    state = _period_state(period)
    client = login(world.users.office)
    before = counts()
    response = client.post(
        reverse("tasks:period_settings", args=[period.pk]),
        {"action": "dates", "opens_on": opens_on, "deadline": deadline},
        follow=True,
    )
    assert response.status_code == 200
    assert "已更新填报时间" not in page_text(response)
    assert counts() == before
    assert _period_state(period) == state


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_bad_percent_on_a_first_autosave_leaves_no_empty_report_behind(login, world):
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk]),
        json.dumps({"percent": "150", "progress_text": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "完成进度应为0–100的数字" in response.json()["error"]
    assert counts() == before


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_refused_evidence_before_any_report_leaves_no_empty_report_behind(login, world, settings):
    client = login(world.users.owner)
    before, files = counts(), media_files(settings)
    response = _evidence_post(client, world, SimpleUploadedFile("证明.pdf", b"MZ" + _junk(512)))
    assert "内容与扩展名不符" in page_text(response)
    assert counts() == before
    assert media_files(settings) == files


NUL_TEXT = "进展\x00情况"


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_nul_character_on_the_report_form_is_refused_with_a_message(login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    before = counts()
    response = client.post(
        _form_url(world),
        {"version": report.version, "status": "in_progress", "percent": "50", "progress_text": NUL_TEXT},
    )
    assert response.status_code == 400
    assert "空" in response.context["form"].errors["progress_text"][0]
    assert counts() == before
    assert _report_state(report) == state


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_nul_character_through_autosave_is_a_400_not_a_crash(login, world):
    report = _saved_report(world)
    state = _report_state(report)
    client = login(world.users.owner)
    client.raise_request_exception = False
    before = counts()
    response = client.post(
        reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk]),
        json.dumps({"version": report.version, "progress_text": NUL_TEXT}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert CHINESE.search(response.json()["error"])
    assert counts() == before
    assert _report_state(report) == state


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_nul_character_through_the_api_is_a_400(world):
    before = counts()
    client = _api(world.users.owner)
    client.raise_request_exception = False
    response = client.post(
        "/api/progress-reports/",
        {"task": world.task_a1.pk, "period": world.period_a.pk, "progress_text": NUL_TEXT},
        format="json",
    )
    assert response.status_code == 400
    assert _chinese_detail(response.json())
    assert counts() == before


def test_a_plan_document_with_a_nul_character_fails_as_a_recorded_import(login, world):
    from tests.plans.docs import SMALL_PLAN

    client = login(world.users.office)
    client.raise_request_exception = False
    data = SMALL_PLAN.replace("大力发展新能源", "大力发展\x00新能源").encode()
    before = counts(Plan, Action, Task)
    response = client.post(
        reverse("plans:import_list"), {"file": SimpleUploadedFile("方案.txt", data)}, follow=True
    )
    assert response.status_code == 200
    assert counts(Plan, Action, Task) == before
    plan_import = PlanImport.objects.latest("pk")
    # A NUL marks the text as binary: refused as a whole, never stored into the jsonb column.
    assert plan_import.state == PlanImport.State.FAILED
    assert "无法识别为中文文本" in plan_import.error
    assert "无法解析" in page_text(response)
