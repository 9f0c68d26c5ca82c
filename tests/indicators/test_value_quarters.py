"""Indicator values only in the quarters the plan's schedule (填报安排) collects them: a
value for another quarter is refused with the same clear message on the form, in the
workbook and through the API, and nothing is stored."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from plans.models import PlanSchedule
from tasks.models import ProgressReport
from tasks.services import report_get_or_create, report_save_draft
from tests import factories as f
from tests.tasks.test_api import token_client

pytestmark = pytest.mark.django_db
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)
MESSAGE = "按本方案的填报安排，2026年第一季度不报指标值（需报指标值的季度：第二季度、第四季度）。"


@pytest.fixture(autouse=True)
def _in_the_entry_window():
    with time_machine.travel(BEFORE_DEADLINE, tick=True):
        yield


@pytest.fixture
def half_yearly(world):
    """Plan A collects indicator values in Q2 and Q4 only; 2026Q1 is open for reports."""
    return PlanSchedule.objects.create(
        plan=world.plan_a, first_period="2026Q1", last_period="2026Q4", indicator_quarters=[2, 4]
    )


def form_url(world):
    return reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])


def test_the_form_refuses_a_value_in_a_quarter_that_collects_none(world, half_yearly, login):
    client = login(world.users.owner)
    page = client.get(form_url(world)).content.decode()
    assert 'id="values-not-collected"' in page and MESSAGE in page
    response = client.post(
        form_url(world),
        {
            "status": "in_progress",
            "percent": "30",
            "progress_text": "完成光伏备案",
            f"ind_{world.indicator_a.pk}": "12",
            "version": 0,
        },
    )
    assert MESSAGE in response.content.decode()
    assert not IndicatorValue.objects.exists()
    # Refused as a whole: the report's text was not saved either.
    assert not ProgressReport.objects.filter(progress_text="完成光伏备案").exists()
    # Without a value the same form saves.
    client.post(
        form_url(world),
        {"status": "in_progress", "percent": "30", "progress_text": "完成光伏备案", "version": 0},
    )
    assert ProgressReport.objects.filter(progress_text="完成光伏备案").exists()


def test_the_api_refuses_it_on_the_indicators_field(world, half_yearly):
    response = token_client("owner").post(
        "/api/progress-reports/",
        {
            "task": world.task_a1.pk,
            "period": world.period_a.pk,
            "progress_text": "完成光伏备案",
            "indicators": [{"indicator": world.indicator_a.pk, "value": "12"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [("indicators", MESSAGE)]
    assert not IndicatorValue.objects.exists() and not ProgressReport.objects.exists()


def test_the_workbook_refuses_it_by_row(world, half_yearly, login):
    client = login(world.users.owner)
    book = load_workbook(
        io.BytesIO(client.get(reverse("tasks:workbook_download", args=[world.period_a.pk])).content)
    )
    book["进展填报"]["I2"] = "离线填写的进展"
    book["指标值"]["F2"] = 9
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        reverse("tasks:workbook_upload", args=[world.period_a.pk]),
        {"file": SimpleUploadedFile("填报.xlsx", out.getvalue())},
    )
    assert response.status_code == 400
    assert f"第2行：{MESSAGE}" in response.content.decode()
    assert not IndicatorValue.objects.exists() and not ProgressReport.objects.exists()


def test_a_collecting_quarter_and_a_plan_without_a_schedule_take_values(world, half_yearly):
    q2 = f.PeriodFactory(plan=world.plan_a, year=2026, quarter=2)
    with time_machine.travel(dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC), tick=True):
        report = report_get_or_create(task=world.task_a1, agency=world.own, period=q2, by=world.users.owner)
        report_save_draft(
            report=report, data={}, by=world.users.owner, indicator_values={str(world.indicator_a.pk): "12"}
        )
    assert IndicatorValue.objects.get(period=q2).value == 12
    half_yearly.delete()
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    report_save_draft(
        report=report, data={}, by=world.users.owner, indicator_values={str(world.indicator_a.pk): "5"}
    )
    assert IndicatorValue.objects.get(period=world.period_a).value == 5


def test_a_value_kept_from_before_the_schedule_may_stay_or_go_but_not_change(world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    key = str(world.indicator_a.pk)
    report_save_draft(report=report, data={}, by=world.users.owner, indicator_values={key: "5"})
    PlanSchedule.objects.create(
        plan=world.plan_a, first_period="2026Q1", last_period="2026Q4", indicator_quarters=[2, 4]
    )
    # The form sends the value it shows again with the report's text: accepted.
    report_save_draft(
        report=report, data={"progress_text": "文字"}, by=world.users.owner, indicator_values={key: "5"}
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不报指标值"):
        report_save_draft(report=report, data={}, by=world.users.owner, indicator_values={key: "6"})
    assert IndicatorValue.objects.get().value == 5
    report_save_draft(report=report, data={}, by=world.users.owner, indicator_values={key: ""})
    assert not IndicatorValue.objects.exists()
