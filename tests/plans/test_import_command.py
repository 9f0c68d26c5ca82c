import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, AuditEntry
from indicators.models import Indicator
from plans.models import Plan, Region
from tasks.models import Task, TaskAssignment

from .docs import BAD_INPUTS, HUAIHUA, ROOT, SMALL_PLAN, YUEYANG, text_docx


@pytest.mark.django_db
def test_json_mode_writes_the_schema_shape_and_creates_no_rows(tmp_path):
    out = tmp_path / "plan.json"
    call_command("import_plan", str(YUEYANG), "--json", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"source", "plan", "goals", "actions"}
    assert data["plan"]["region"] == "岳阳县"
    assert data["plan"]["doc_number"] == "岳县政发〔2024〕2号"
    first = data["actions"][0]
    assert {"seq", "label", "title", "tasks"} <= set(first)
    task = first["tasks"][0]
    assert {"seq", "label", "title", "lead", "support", "lead_inferred", "indicators", "span"} <= set(task)
    assert task["lead"] == ["县发改局", "县工信局"]
    source = YUEYANG.read_text(encoding="utf-8")
    assert task["title"] in source
    assert Plan.objects.count() == 0 and Agency.objects.count() == 0 and Region.objects.count() == 0


def test_json_mode_runs_without_a_migrated_database(tmp_path):
    """The command is usable on a machine that has never run migrate."""
    database = tmp_path / "never-migrated.sqlite3"
    out = tmp_path / "plan.json"
    gb_file = tmp_path / "huaihua-gb18030.txt"
    gb_file.write_bytes(HUAIHUA.read_text(encoding="utf-8").encode("gb18030"))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(gb_file), "--json", str(out)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{database}", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["plan"]["region"] == "怀化市"
    # The GB18030 file reads exactly as its UTF-8 original does.
    from plans.parsing import parse_document

    utf8 = parse_document(HUAIHUA.read_bytes(), gb_file.name)
    assert data["actions"] == utf8["actions"] and data["plan"] == utf8["plan"]
    assert not database.exists() or database.stat().st_size == 0


@pytest.mark.django_db
def test_json_mode_reads_docx(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(text_docx(SMALL_PLAN))
    out = tmp_path / "plan.json"
    call_command("import_plan", str(path), "--json", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [t["title"] for a in data["actions"] for t in a["tasks"]] == [
        "大力发展新能源",
        "推进绿色交通",
        "推广绿色建筑",
    ]


@pytest.mark.django_db
def test_database_mode_creates_the_plan_and_prints_its_id(tmp_path, capsys):
    path = tmp_path / "jia.txt"
    path.write_text(SMALL_PLAN, encoding="gb18030")
    call_command("import_plan", str(path), "--region", "甲县")
    printed = capsys.readouterr().out.strip()
    plan = Plan.objects.get()
    assert printed == str(plan.pk)
    assert plan.region.name == "甲县" and plan.title == "甲县碳达峰行动方案"
    assert plan.source_text.startswith("甲县碳达峰行动方案")
    assert list(plan.actions.values_list("title", flat=True)) == [
        "能源绿色低碳转型行动",
        "城乡建设碳达峰行动",
    ]
    assert Task.objects.filter(action__plan=plan).count() == 3
    lead = TaskAssignment.objects.get(task__title="大力发展新能源", role="lead")
    assert lead.agency.name == "县发改局"
    inferred = Task.objects.get(title="推广绿色建筑")
    assert inferred.lead_inferred
    # The full name folds onto the short name the document used first, as its alias.
    lead = inferred.assignments.get(role="lead").agency
    assert lead.name == "县住建局" and "县住房和城乡建设局" in lead.aliases
    capacity = Indicator.objects.get(task__title="大力发展新能源")
    assert (capacity.target, capacity.unit, capacity.target_year) == (135.5, "万千瓦", 2025)
    assert Indicator.objects.filter(plan=plan, task=None).count() == 1
    assert AuditEntry.objects.filter(action="plan.create", target_id=str(plan.pk)).exists()


@pytest.mark.django_db
def test_database_mode_imports_a_real_plan_into_the_region_it_names():
    call_command("import_plan", str(YUEYANG))
    plan = Plan.objects.get()
    assert plan.region.name == "岳阳县" and plan.region.level == "county"
    assert plan.doc_number == "岳县政发〔2024〕2号"
    assert Task.objects.filter(action__plan=plan).count() >= 30
    assert Agency.objects.filter(region=plan.region, name="县发改局").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
@pytest.mark.parametrize("json_mode", [True, False], ids=["json", "db"])
def test_bad_input_gets_a_chinese_message_a_failure_and_writes_nothing(tmp_path, name, json_mode):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name]())
    out = tmp_path / "out.json"
    args = [str(path), "--json", str(out)] if json_mode else [str(path), "--region", "甲县"]
    with pytest.raises(CommandError) as excinfo:
        call_command("import_plan", *args)
    message = str(excinfo.value)
    assert name in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert not out.exists()
    assert Plan.objects.count() == 0 and Region.objects.count() == 0 and Agency.objects.count() == 0


def test_bad_input_exits_non_zero_from_the_shell(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(path), "--json", str(tmp_path / "o.json")],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "文件为空" in result.stderr
    assert not (tmp_path / "o.json").exists()


@pytest.mark.django_db
def test_a_missing_file_is_reported():
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_plan", "/nonexistent/plan.txt", "--json", "/tmp/never.json")


@pytest.mark.django_db
def test_a_section_repeated_verbatim_is_imported_and_linked_to_the_first(tmp_path):
    repeat = "3．大力发展新能源。到2025年，全县新能源装机容量达到135.5万千瓦以上。（县发改局牵头，县自然资源局、县住建局按职责分工负责）\n"
    path = tmp_path / "dup.txt"
    path.write_text(
        SMALL_PLAN.replace("（二）城乡建设碳达峰行动", repeat + "（二）城乡建设碳达峰行动"), encoding="utf-8"
    )
    out = tmp_path / "dup.json"
    call_command("import_plan", str(path), "--json", str(out))
    assert "duplicate_section" in [w["code"] for w in json.loads(out.read_text(encoding="utf-8"))["warnings"]]
    call_command("import_plan", str(path), "--region", "甲县")
    first, again = Task.objects.filter(title="大力发展新能源").order_by("seq")
    assert again.duplicate_of == first and first.duplicate_of is None


@pytest.mark.django_db
def test_database_mode_revises_an_existing_plan_in_place(tmp_path, capsys):
    first = tmp_path / "jia.txt"
    first.write_text(SMALL_PLAN, encoding="utf-8")
    call_command("import_plan", str(first), "--region", "甲县")
    plan_id = int(capsys.readouterr().out.strip())
    kept = Task.objects.get(title="大力发展新能源").pk
    second = tmp_path / "jia-v2.txt"
    second.write_text(
        SMALL_PLAN.replace("全年新增公共充电桩30个以上", "全年新增公共充电桩50个以上"), encoding="utf-8"
    )
    call_command("import_plan", str(second), "--revise", str(plan_id))
    assert capsys.readouterr().out.strip() == str(plan_id)
    assert Plan.objects.count() == 1 and Task.objects.get(title="大力发展新能源").pk == kept
    assert Indicator.objects.get(task__title="推进绿色交通").target == 50
    with pytest.raises(CommandError, match="没有编号为 999 的方案"):
        call_command("import_plan", str(second), "--revise", "999")
