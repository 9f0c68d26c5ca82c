"""The leader's briefing gains a 重点项目 section from the stored project figures when the
plan has projects, read back with pdftotext; a project's name is printed as written."""

import datetime as dt
from decimal import Decimal

import time_machine

from reports import rollups
from tasks.models import Project, ProjectUpdate
from tests import factories as f

from .test_briefing import briefing_url, poppler

NOW = dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_the_briefing_has_a_key_project_section_with_the_late_projects(world, login, tmp_path):
    wind = Project.objects.create(
        task=world.task_a1, seq=1, name="红石风电场", capacity=Decimal(5), unit="万千瓦",
        investment_planned=Decimal(40000), planned_start=dt.date(2025, 1, 1), planned_finish=dt.date(2026, 12, 31),
    )  # fmt: skip
    Project.objects.create(
        task=world.task_a1, seq=2, name="<img src=x>抽水蓄能电站&amp;", capacity=Decimal(1400), unit="MW",
        planned_start=dt.date(2022, 1, 1), planned_finish=dt.date(2025, 12, 31),
    )  # fmt: skip
    report = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a, state="approved")
    ProjectUpdate.objects.create(
        project=wind, period=world.period_a, report=report, stage="building",
        investment_cumulative=Decimal(10000), capacity_operating=Decimal(1),
    )  # fmt: skip
    rollups.recompute_marked(today=NOW.date())
    pdf = login(world.users.leader).get(briefing_url(world)).content
    text = poppler("pdftotext", pdf, tmp_path, "-layout")
    assert "重点项目" in text and "纳入调度的重点项目 2 个" in text
    assert "累计完成投资 10000 万元" in text and "已投产 1 万千瓦，计划 145 万千瓦" in text
    assert "<img src=x>抽水蓄能电站&amp;" in text and "计划 2025-12-31 建成" in text
    assert "红石风电场" not in text.split("纳入调度的重点项目")[1].split("原因")[1]  # on schedule


@time_machine.travel(NOW, tick=False)
def test_a_plan_without_projects_has_no_project_section(world, login, tmp_path):
    rollups.recompute_marked(today=NOW.date())
    text = poppler("pdftotext", login(world.users.leader).get(briefing_url(world)).content, tmp_path)
    assert "纳入调度的重点项目" not in text
