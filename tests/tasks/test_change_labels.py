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


@pytest.fixture
def project_saved(world):
    from decimal import Decimal

    from tasks.models import Project

    project = Project.objects.create(
        task=world.task_a1, name="<i>红石</i>风电场", capacity=Decimal(5), unit="万千瓦"
    )
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    report_save_draft(
        report=report,
        data={"progress_text": "风机吊装完成"},
        project_updates=[{"project": project.pk, "stage": "building", "investment_quarter": "1200"}],
        by=world.users.owner,
        base_version=1,
    )
    return report, project


@time_machine.travel(BEFORE_DEADLINE, tick=True)
@pytest.mark.parametrize("page", ["history", "drill-down", "audit log"])
def test_a_projects_quarter_is_named_by_the_project_not_its_number(login, world, project_saved, page):
    report, project = project_saved
    body = login(world.users.office).get(pages(world, report)[page]).content.decode()
    assert "重点项目：&lt;i&gt;红石&lt;/i&gt;风电场" in body
    assert f"重点项目：{project.pk}" not in body and "project:" not in body


@time_machine.travel(BEFORE_DEADLINE, tick=True)
def test_the_audit_export_names_the_project_and_a_deleted_one_keeps_its_number(login, world, project_saved):
    import io

    import openpyxl

    _report, project = project_saved
    client = login(world.users.office)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/agencies/audit/export.xlsx").content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("重点项目：<i>红石</i>风电场" in c for c in cells)
    pk = project.pk
    project.delete()
    body = client.get("/agencies/audit/").content.decode()
    assert f"重点项目（编号 {pk}，已删除）" in body
