"""A target in words (“城区公共交通站点500米全覆盖”) is entered as done / not done at every
entry point — the report form, the agency workbook, the API — and stored as 1 / 0; the
import and the admin let the office say which targets are words."""

import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from indicators.services import indicator_values_save
from indicators.trajectory import is_descriptive_text
from plans.import_forms import IndicatorForm
from plans.services import indicator_fields
from tasks.models import ProgressReport
from tasks.services import report_get_or_create
from tests.tasks.test_api import BEFORE_DEADLINE, create_payload, token_client

DESCRIPTIVE = [
    "到2025年,实现城区公共交通站点500米全覆盖",
    "城区公共交通站点500米全覆盖",
    "基本建成绿色低碳循环发展经济体系",
    "建立健全碳排放统计核算机制",
    "实现乡镇污水处理设施全覆盖",
    "到2030年，全面建成清洁低碳安全高效的能源体系",
    "建成15分钟便民生活圈",
    "公共充电设施服务半径3公里全覆盖",
    "2026年底前完成全县碳排放权交易纳管企业配额清缴",
    "形成绿色低碳生活方式",
    "实现“双碳”统计监测全域覆盖",
    "建立规模以上工业碳排放快报统计制度",
    "“十四五”期间实现城乡供水一体化",
]
NUMERIC = [
    "力争到2025年,全县新能源装机容量达到135.5万千瓦以上",
    "全县森林覆盖率目标值为稳定在39.00%",
    "实现充电车位比例不低于20%",
    "全年新增公共充电桩400个以上",
    "城镇新开工装配式建筑面积占新建建筑面积的比例超过60%",
    "到2025年,城市生活垃圾无害化处理率达到100%",
    "培育建设5家省级及以上绿色工厂",
    "建立10个零碳示范村",
    "单位地区生产总值能耗比2020年下降13.5%",
    "公交站点500米覆盖率达到100%",
    "到2025年,农村电网供电可靠率达99.87%",
    "力争年内新增风光新能源装机30万千瓦",
    "城镇新建建筑全面执行绿色建筑标准，星级绿色建筑占比达到30%",
]


@pytest.mark.parametrize("text", DESCRIPTIVE)
def test_a_state_to_reach_is_a_target_in_words(text):
    assert is_descriptive_text(text)


@pytest.mark.parametrize("text", NUMERIC)
def test_a_quantity_compared_is_a_numeric_target(text):
    assert not is_descriptive_text(text)


@pytest.fixture
def words(world):
    world.indicator_a.descriptive = True
    world.indicator_a.source_text = "实现城区公共交通站点500米全覆盖"
    world.indicator_a.save()
    return world


def _report(world):
    return report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a)


def _stored(world):
    return IndicatorValue.objects.get(indicator=world.indicator_a, agency=world.own).value


@pytest.mark.django_db
@pytest.mark.parametrize("entry, stored", [("done", 1), ("not_done", 0), ("已完成", 1), ({"done": False}, 0)])
def test_done_or_not_done_is_stored_as_one_or_zero(words, entry, stored):
    indicator_values_save(
        report=_report(words), values={str(words.indicator_a.pk): entry}, by=words.users.owner
    )
    assert _stored(words) == stored


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["1", "0", "500", 1])
def test_a_number_for_a_target_in_words_is_refused(words, entry):
    with pytest.raises(ValidationError) as exc:
        indicator_values_save(
            report=_report(words), values={str(words.indicator_a.pk): entry}, by=words.users.owner
        )
    assert "已完成" in str(exc.value)
    assert not IndicatorValue.objects.exists()


@pytest.mark.django_db
def test_a_done_flag_for_a_numeric_indicator_is_refused(world):
    with pytest.raises(ValidationError):
        indicator_values_save(
            report=_report(world), values={str(world.indicator_a.pk): {"done": True}}, by=None
        )


@pytest.mark.django_db
@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_report_form_offers_done_or_not_done(words, login):
    client = login(words.users.owner)
    url = reverse("tasks:report_form", args=[words.task_a1.pk, words.period_a.pk])
    page = client.get(url).content.decode()
    field = f'name="ind_{words.indicator_a.pk}"'
    assert f"<select {field}" in page or f'<select name="ind_{words.indicator_a.pk}"' in page
    assert "已完成" in page and "未完成" in page
    assert f'<input type="text" {field}' not in page
    client.post(
        url,
        {
            "action": "save",
            "version": 0,
            "progress_text": "站点布设完成",
            f"ind_{words.indicator_a.pk}": "done",
        },
    )
    assert _stored(words) == 1
    # The saved value comes back selected.
    page = client.get(url).content.decode()
    assert '<option value="done" selected>' in page


def _download(client, world):
    response = client.get(reverse("tasks:workbook_download", args=[world.period_a.pk]))
    return load_workbook(io.BytesIO(response.content))


def _send(client, world, book):
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("填报.xlsx", out.getvalue())
    return client.post(
        reverse("tasks:workbook_upload", args=[world.period_a.pk]), {"file": upload}, follow=True
    )


@pytest.mark.django_db
@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_workbook_takes_the_two_words_and_refuses_a_number(words, login):
    client = login(words.users.owner)
    book = _download(client, words)
    sheet = book["指标值"]
    assert sheet["E2"].value == "实现城区公共交通站点500米全覆盖"
    lists = [dv for dv in sheet.data_validations.dataValidation if "F2" in str(dv.sqref)]
    assert lists and lists[0].formula1 == '"未完成,已完成"'
    sheet["F2"] = 1
    page = _send(client, words, book).content.decode()
    assert "“指标值”第2行 F列" in page
    assert not IndicatorValue.objects.exists()
    sheet["F2"] = "已完成"
    _send(client, words, book)
    assert _stored(words) == 1
    # Downloaded again, the value reads as the word.
    assert _download(client, words)["指标值"]["F2"].value == "已完成"


@pytest.mark.django_db
@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_api_takes_a_done_flag_for_a_target_in_words(words):
    agency = token_client("owner")
    pk = words.indicator_a.pk
    refused = agency.post(
        "/api/progress-reports/",
        create_payload(words, indicators=[{"indicator": pk, "value": "1"}]),
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "indicators"
    assert "已完成" in refused.json()["detail"]
    assert not ProgressReport.objects.exists()
    created = agency.post(
        "/api/progress-reports/",
        create_payload(words, indicators=[{"indicator": pk, "done": True}]),
        format="json",
    )
    assert created.status_code == 201, created.content
    assert _stored(words) == 1
    report = created.json()
    changed = agency.patch(
        f"/api/progress-reports/{report['id']}/",
        {"version": report["version"], "indicators": [{"indicator": pk, "done": False}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert _stored(words) == 0
    for bad in (
        {"indicator": pk, "done": 1},
        {"indicator": pk},
        {"indicator": pk, "done": True, "value": "1"},
    ):
        answer = agency.patch(
            f"/api/progress-reports/{report['id']}/",
            {"version": changed.json()["version"], "indicators": [bad]},
            format="json",
        )
        assert answer.status_code == 400, bad


@pytest.mark.django_db
@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_api_refuses_a_done_flag_for_a_numeric_indicator(world):
    agency = token_client("owner")
    answer = agency.post(
        "/api/progress-reports/",
        create_payload(world, indicators=[{"indicator": world.indicator_a.pk, "done": True}]),
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["attr"] == "indicators"
    ok = agency.post(
        "/api/progress-reports/",
        create_payload(world, indicators=[{"indicator": world.indicator_a.pk, "value": "12"}]),
        format="json",
    )
    assert ok.status_code == 201 and _stored(world) == 12


def test_the_schema_documents_the_done_flag(client):
    schema = client.get("/api/schema/").content.decode()
    assert "IndicatorEntry" in schema and "descriptive indicator" in schema


def _review_form(item, data):
    return IndicatorForm(prefix="i", initial=item, data={f"i-{k}": v for k, v in data.items()}, where="")


def test_the_import_review_lets_the_office_switch_a_target_to_words_and_back():
    words = {"name": "城区公共交通站点", "target": 500, "unit": "米", "comparator": ">=", "year": 2025,
             "text": "实现城区公共交通站点500米全覆盖", "review": True}  # fmt: skip
    form = IndicatorForm(prefix="i", initial=words, where="")
    assert form["descriptive"].initial is True
    base = {"name": "城区公共交通站点", "target": "500", "unit": "米", "comparator": ">=", "year": "2025"}
    numeric = _review_form(words, base)  # the box not ticked
    assert numeric.is_valid(), numeric.errors
    assert numeric.apply(words)["descriptive"] is False
    kept = _review_form(words, {**base, "descriptive": "on"})
    assert kept.is_valid() and kept.apply(words)["descriptive"] is True


def test_an_imported_target_keeps_the_office_choice():
    text = "实现城区公共交通站点500米全覆盖"
    item = {"name": "城区公共交通站点", "target": 500, "unit": "米", "comparator": ">=", "text": text}
    assert indicator_fields(item)["descriptive"] is True
    assert indicator_fields({**item, "descriptive": False})["descriptive"] is False
    assert (
        indicator_fields({**item, "text": "新增公共充电桩30个", "descriptive": True})["descriptive"] is True
    )
