"""The parsed plan is typed between its JSON edges: the records lose nothing of the JSON
(import_plan --json writes exactly what the parser gives), read duplicate references
however written, and carry a task's source and key projects through review and commit."""

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from plans.models import PlanImport
from plans.parsing import parse_document, parse_plan_text
from plans.parsing.schema import (
    ParsedIndicator,
    ParsedPlan,
    ParsedProject,
    ParsedTask,
    TaskRef,
    TaskSource,
)
from plans.services import plan_create_from_parsed
from tasks.models import Task

from .docs import DOCS, EXPECTED, NAMES, SMALL_PLAN


def dumped(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_import_plan_json_writes_the_parsers_json_byte_for_byte(name, tmp_path):
    """The command goes through the records; what it writes is the parser's own JSON."""
    out = tmp_path / "plan.json"
    call_command("import_plan", str(DOCS / f"{name}.txt"), "--json", str(out))
    raw = parse_document((DOCS / f"{name}.txt").read_bytes(), f"{name}.txt")
    assert out.read_text(encoding="utf-8") == dumped(raw)
    assert out.read_text(encoding="utf-8") == (DOCS.parent / f"{name}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(EXPECTED.glob("*.json")), ids=lambda p: p.stem)
def test_the_checked_structures_read_and_write_back_unchanged(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    plan = ParsedPlan.from_dict(raw)
    assert dumped(plan.to_dict()) == dumped(raw)  # key order included
    assert [placed.ref for placed in plan.iter_tasks()][:2] == [TaskRef(1, 1), TaskRef(1, 2)]
    assert all(isinstance(i, ParsedIndicator) for i in plan.indicators())
    assert copy.deepcopy(plan) == plan


def test_the_records_read_what_the_parser_gives():
    plan = ParsedPlan.from_dict(parse_plan_text(SMALL_PLAN, "jia.txt"))
    assert (plan.source, plan.plan.title) == ("jia.txt", "甲县碳达峰行动方案")
    placed = [(p.ref, p.action.title, p.title, p.task.lead) for p in plan.iter_tasks()]
    assert placed[0] == (TaskRef(1, 1), "能源绿色低碳转型行动", "大力发展新能源", ["县发改局"])
    assert [p[2] for p in placed] == ["大力发展新能源", "推进绿色交通", "推广绿色建筑"]
    (goal,) = plan.goals
    assert (goal.target, goal.unit, goal.comparator, goal.year) == (22, "%", ">=", 2025)
    assert plan.agency_names()[:3] == ["县发改局", "县自然资源局", "县住建局"]
    inferred = next(w for w in plan.warnings if w.code == "lead_inferred")
    assert inferred.ref == TaskRef(2, 1) and inferred.line > 0


def test_a_reference_to_a_repeated_task_reads_the_same_written_either_way():
    as_list = ParsedTask.from_dict({"title": "x", "duplicate_of": [1, 2]})
    as_dict = ParsedTask.from_dict({"title": "x", "duplicate_of": {"action": 1, "task": 2}})
    assert as_list.duplicate_of == as_dict.duplicate_of == TaskRef(1, 2)
    assert as_dict.to_dict()["duplicate_of"] == [1, 2]
    # A shape no reader writes is kept as it came rather than dropped.
    odd = ParsedTask.from_dict({"title": "x", "duplicate_of": "第一项"})
    assert odd.duplicate_of is None and odd.to_dict()["duplicate_of"] == "第一项"


def test_a_tasks_source_projects_and_keys_of_later_readers_are_typed_and_kept():
    data = {
        "seq": 1,
        "title": "大力发展新能源",
        "lead": ["县发改局"],
        "source": {"page": 3, "row": 7, "table": 2},
        "projects": [
            "专栏1 重点项目：……",
            {
                "name": "石门镇分布式光伏发电项目",
                "location": "石门镇",
                "capacity": 8,
                "unit": "万千瓦",
                "year": 2026,
                "investment": None,
                "text": "……",
                "stage": "前期工作",
            },
        ],  # fmt: skip
        "cells": {"content": "……"},
    }
    task = ParsedTask.from_dict(data)
    assert task.source == TaskSource(page=3, row=7, extra={"table": 2})
    text, project = task.projects
    assert text == "专栏1 重点项目：……"
    assert isinstance(project, ParsedProject) and (project.name, project.capacity) == (
        "石门镇分布式光伏发电项目",
        8,
    )
    assert task.extra == {"cells": {"content": "……"}}
    assert task.to_dict() == data and list(task.to_dict()) == list(data)


def test_a_record_made_in_code_writes_its_schema_keys():
    task = ParsedTask(title="推进农村屋顶光伏", lead=["县发改局"], added_by_hand=True)
    assert task.to_dict() == {
        "seq": None, "label": None, "title": "推进农村屋顶光伏", "lead": ["县发改局"], "support": [],
        "lead_inferred": False, "indicators": [], "added_by_hand": True,
    }  # fmt: skip
    assert set(ParsedIndicator(name="充电站", target=12).to_dict()) == {
        "name", "target", "target_max", "unit", "comparator", "year", "baseline_year", "change", "text",
        "borderline",
    }  # fmt: skip


@pytest.mark.django_db
def test_the_commit_links_a_repeated_task_written_either_way_and_stores_projects(world):
    raw = parse_plan_text(SMALL_PLAN, "jia.txt")
    raw["actions"][0]["tasks"][1]["duplicate_of"] = {"action": 1, "task": 1}
    raw["actions"][1]["tasks"][0]["duplicate_of"] = [1, 2]
    project = {"name": "县城充电站项目", "capacity": 30, "unit": "个", "year": 2025}
    raw["actions"][0]["tasks"][1]["projects"] = [project]
    plan = plan_create_from_parsed(parsed=raw, region=world.county_a)
    tasks = {t.title: t for t in Task.objects.filter(action__plan=plan)}
    assert tasks["推进绿色交通"].duplicate_of == tasks["大力发展新能源"]
    assert tasks["推广绿色建筑"].duplicate_of == tasks["推进绿色交通"]
    assert tasks["推进绿色交通"].projects == [project]


@pytest.mark.django_db
def test_the_review_shows_and_keeps_a_tasks_source_and_projects_through_an_edit(world, login):
    client = login(world.users.office)
    client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("jia.txt", SMALL_PLAN.encode()), "region": world.county_a.pk},
    )
    plan_import = PlanImport.objects.get()
    task = plan_import.parsed["actions"][0]["tasks"][0]
    task["source"] = {"page": 2, "row": 5}
    task["projects"] = [{"name": "石门镇分布式光伏发电项目", "capacity": 8, "unit": "万千瓦"}]
    plan_import.save()
    url = reverse("plans:import_review", args=[plan_import.pk])
    page = client.get(url).content.decode()
    assert 'value="石门镇分布式光伏发电项目"' in page and "重点项目" in page
    assert client.post(url, {"a0-t0-title": "大力发展新能源和储能"}).status_code == 302
    plan_import.refresh_from_db()
    kept = plan_import.parsed["actions"][0]["tasks"][0]
    assert kept["title"] == "大力发展新能源和储能"
    assert kept["source"] == {"page": 2, "row": 5}
    assert kept["projects"] == [{"name": "石门镇分布式光伏发电项目", "capacity": 8, "unit": "万千瓦"}]
    client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    committed = Task.objects.get(action__plan=PlanImport.objects.get().plan, title="大力发展新能源和储能")
    assert committed.projects == kept["projects"]


def test_a_missing_list_reads_as_empty_and_is_written_back_as_it_came():
    raw = {
        "goals": None,
        "actions": [{"title": "甲", "tasks": None}, {"title": "乙", "tasks": [{"lead": None}]}],
    }
    plan = ParsedPlan.from_dict(raw)
    assert plan.goals == [] and plan.actions[0].tasks == []
    assert [(p.title, p.task.lead) for p in plan.iter_tasks()] == [("乙", [])]
    assert plan.to_dict() == raw
