"""Light reasons are stored as codes and parameters and worded in the reader's language."""

import importlib

import pytest
from django.utils import translation

from reports import light_reasons as why
from reports.models import TaskLight
from reports.rollups import rollup_plan_period

converting = importlib.import_module("reports.migrations.0005_task_light_reason_codes")


@pytest.fixture
def lights(quarter):
    rollup_plan_period(plan=quarter.plan_a, period=quarter.period_a, today=quarter.today)
    return quarter


def test_reasons_are_stored_as_codes_with_parameters(lights):
    q = lights
    a1 = TaskLight.objects.get(task=q.task_a1, period=q.period_a)
    assert a1.reason_codes == [
        {"code": "missing", "params": {"agency": "县交通运输局", "role": "support", "deadline": "2026-04-10"}}
    ]
    a2 = TaskLight.objects.get(task=q.task_a2, period=q.period_a)
    assert [r["code"] for r in a2.reason_codes] == ["lagging", "late", "returned"]
    assert a2.reason_codes[2]["params"] == {"agency": "县交通运输局", "count": 2}


@pytest.mark.parametrize("page", ["dashboard/?period=2026Q1", "leader/?period=2026Q1"])
def test_the_english_interface_shows_the_reasons_in_english(lights, login, page):
    q = lights
    client = login(q.users.office if page.startswith("dashboard") else q.users.leader)
    url = f"/reports/plans/{q.plan_a.pk}/{page}"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Supporting agency 县交通运输局 has not reported (deadline 2026-04-10)" in english
    assert "逾期未报" not in english and "报告进展滞后" not in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "配合单位县交通运输局逾期未报（截止2026-04-10）" in chinese


def test_the_drill_down_words_every_reason_in_english(lights, login):
    q = lights
    url = f"/reports/plans/{q.plan_a.pk}/dashboard/tasks/{q.task_a2.pk}/?period=2026Q1"
    page = login(q.users.office).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "县交通运输局 reports the task as lagging",
        "县交通运输局 reported late",
        "县交通运输局&#x27;s report was returned 2 times",
    ):
        assert text in page


EVERY_CODE = [
    why.reason(why.MISSING, agency="县发改局", role="lead", deadline="2026-04-10"),
    why.reason(why.MISSING, agency="县交通运输局", role="support", deadline="2026-04-10"),
    why.reason(why.LAGGING, agency="县交通运输局"),
    why.reason(why.LATE, agency="县交通运输局"),
    why.reason(why.RETURNED, agency="县交通运输局", count=3),
    why.reason(why.OVERDUE, deadline="2026-03-01", percent="40"),
    why.reason(why.OVERDUE, deadline="2026-03-01", percent=""),
    why.reason(
        why.INDICATOR_BEHIND, name="光伏装机", behind="20", expected="62.5", value="50", unit="万千瓦"
    ),
]


def test_stored_sentences_are_converted_back_into_the_same_codes(lights):
    with translation.override("zh-hans"):
        sentences = [why.reason_text(item) for item in EVERY_CODE]
    assert sentences[0] == "牵头单位县发改局逾期未报（截止2026-04-10）"
    assert sentences[7] == "指标“光伏装机”落后序时进度20%（应达62.5万千瓦，实际50万千瓦）"
    assert [converting.to_code(s) for s in sentences] == EVERY_CODE


def test_the_migration_converts_existing_rows_and_keeps_unknown_wording(lights):
    q = lights
    light = TaskLight.objects.get(task=q.task_a2, period=q.period_a)
    old = ["县交通运输局逾期报送", "一句从前手写的原因"]
    TaskLight.objects.filter(pk=light.pk).update(reason_codes=old)
    from django.apps import apps

    converting.forwards(apps, None)
    light.refresh_from_db()
    assert light.reason_codes == [
        why.reason(why.LATE, agency="县交通运输局"),
        why.reason(why.TEXT, text="一句从前手写的原因"),
    ]
    with translation.override("en"):
        assert light.reasons == ["县交通运输局 reported late", "一句从前手写的原因"]
