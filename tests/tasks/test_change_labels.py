"""A changed field is named the same way, in the reader's language, wherever a report's
changes are shown: the history page, the task drill-down and the audit log."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.services import report_get_or_create, report_save_draft

pytestmark = pytest.mark.django_db

BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def saved(world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    report_save_draft(
        report=report,
        data={"progress_text": "新建充电桩12个"},
        indicator_values={str(world.indicator_a.pk): "12"},
        by=world.users.owner,
        base_version=1,
    )
    return report


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def pages(world, report):
    return {
        "history": reverse("tasks:report_history", args=[report.pk]),
        "drill-down": f"/reports/plans/{world.plan_a.pk}/dashboard/tasks/{world.task_a1.pk}/?period=2026Q1",
        "audit log": "/agencies/audit/",
    }


@time_machine.travel(BEFORE_DEADLINE, tick=True)
@pytest.mark.parametrize("page", ["history", "drill-down", "audit log"])
def test_changed_fields_are_shown_by_their_labels(login, world, saved, page):
    response = login(world.users.office).get(pages(world, saved)[page])
    assert response.status_code == 200
    body = response.content.decode()
    assert "进展情况" in body and "指标：新增公共充电桩" in body
    assert "indicator:" not in body and "progress_text" not in body


@time_machine.travel(BEFORE_DEADLINE, tick=True)
@pytest.mark.parametrize("page", ["history", "drill-down", "audit log"])
def test_changed_fields_are_labelled_in_english_for_an_english_reader(login, world, saved, page):
    body = english(login(world.users.office)).get(pages(world, saved)[page]).content.decode()
    assert "Indicator: 新增公共充电桩" in body
    assert "indicator:" not in body and "progress_text" not in body
