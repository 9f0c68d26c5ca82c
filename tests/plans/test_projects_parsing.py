"""Key projects read by phrasing: the ways plans write a 专栏 box and a list of named
projects, made up here in the language of plans rather than copied from one document."""

import pytest

from plans.parsing import parse_plan_text
from plans.parsing.projects import box_projects, text_projects


def _plan(box: str, task_text: str = "大力发展新能源。全面推进风电、光伏开发。") -> dict:
    text = f"""白石县碳达峰实施方案

一、重点任务

（一）能源绿色低碳转型行动

1.{task_text}（县发改局牵头，县自然资源局配合）

{box}

2.推进煤炭清洁高效利用。严格控制煤炭消费。（县发改局牵头，县工信局配合）

二、保障措施

（一）加强组织领导。
"""
    return parse_plan_text(text, "plan.txt")


def _fields(projects, *keys):
    return [tuple(p.get(k) for k in ("name", *keys)) for p in projects]


def test_a_box_of_items_with_a_colon_gives_name_capacity_and_year():
    parsed = _plan(
        "专栏1 新能源重点项目\n\n"
        "1.红石风电场：装机5万千瓦，2026年并网。\n\n"
        "2.白石抽水蓄能电站：装机140万千瓦，总投资85亿元，2025年开工、2030年建成。\n\n"
        "3.白石县工业园区50MW/100MWh储能电站：2027年投运。"
    )
    first, second = parsed["actions"][0]["tasks"]
    assert _fields(first["projects"], "capacity", "unit", "year", "investment") == [
        ("红石风电场", 5, "万千瓦", 2026, None),
        ("白石抽水蓄能电站", 140, "万千瓦", 2030, 850000),
        ("白石县工业园区50MW/100MWh储能电站", 50, "MW", 2027, None),
    ]
    assert first["projects"][1]["start_year"] == 2025
    assert first["projects"][2]["capacity_text"] == "50MW/100MWh"
    assert first["projects"][2]["location"] == "白石县工业园区"
    assert second["projects"] == []  # the box ended with the next task
    assert [i["target"] for i in first["indicators"]] == []  # sizes of projects, not targets


def test_items_separated_by_commas_and_semicolons_and_counts_in_seats():
    projects = box_projects(
        [
            "【专栏二】交通领域重点项目",
            "（1）新建加氢站1座；建设城区充电站2座。",
            "（2）白石至青山公路改造工程，全长32.5公里，计划投资3000万元。",
            "（3）城东片区既有建筑节能改造项目，改造面积12万平方米，2026年底前完成。",
        ]
    )
    assert _fields(projects, "capacity", "unit", "investment", "year") == [
        ("加氢站", 1, "座", None, None),
        ("城区充电站", 2, "座", None, None),
        ("白石至青山公路改造工程", 32.5, "公里", 3000, None),
        ("城东片区既有建筑节能改造项目", 12, "万平方米", None, 2026),
    ]


def test_a_heading_line_of_a_box_is_a_kind_of_project_and_its_list_gives_the_projects():
    projects = box_projects(
        [
            "专栏3 重点工程",
            "（一）新能源项目",
            "风电项目：红石风电场、白沙风电场（10万千瓦）",
            "光伏项目：长寿镇农光互补光伏电站（位于长寿镇杨林村）",
        ]
    )
    assert _fields(projects, "capacity", "location") == [
        ("红石风电场", None, None),
        ("白沙风电场", 10, None),
        ("长寿镇农光互补光伏电站", None, "长寿镇杨林村"),
    ]


def test_a_box_title_that_carries_its_items():
    assert _fields(box_projects(["专栏4 重点项目：华能白石电厂二期、白石县城燃气管网改造工程"])) == [
        ("华能白石电厂二期",),
        ("白石县城燃气管网改造工程",),
    ]


def test_a_box_whose_lines_name_no_project_is_said_to_the_office():
    parsed = _plan("专栏1 重点工作\n\n加强统筹协调，形成工作合力")
    assert parsed["actions"][0]["tasks"][0]["projects"] == []
    assert "box_without_projects" in [w["code"] for w in parsed["warnings"]]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "重点推进红石风电场项目、长寿镇光伏电站项目、城区充电站项目。",
            ["红石风电场项目", "长寿镇光伏电站项目", "城区充电站项目"],
        ),
        (
            "加快推进华能白石电厂二期、白石抽水蓄能电站、红石风电场等项目建设。",
            ["华能白石电厂二期", "白石抽水蓄能电站", "红石风电场"],
        ),
        ("加快白石县长寿镇农光互补光伏项目建设。", ["白石县长寿镇农光互补光伏项目"]),
        ("推动白石高新技术产业园区100兆瓦储能电站项目建设。", ["白石高新技术产业园区100兆瓦储能电站项目"]),
        ("力促宏达能源集中供热项目尽快开工建设。", ["宏达能源集中供热项目"]),
    ],
)
def test_named_projects_in_the_text_are_read(text, names):
    assert [p["name"] for p in text_projects(text)] == names


@pytest.mark.parametrize(
    "text",
    [
        "科学规划新能源发展项目，谋划“交能融合”融合应用项目落地。",
        "有力有效管控“两高”项目，加强项目节能审查。",
        "积极争取国家对碳达峰重大项目、重大示范的支持。",
        "推动金融机构加大对森林经营和碳汇开发项目等重点项目的信贷支持。",
        "创建一批“生态+旅游”重点项目，推进近零碳排放示范项目建设。",
        "加强重点用能单位能耗在线监测系统项目建设。",
        "加强农村人居环境整治项目管理。",
    ],
)
def test_kinds_of_projects_are_not_named_projects(text):
    assert text_projects(text) == []


def test_a_place_words_such_as_rural_or_urban_are_not_a_location():
    (project,) = text_projects("推进白石县城乡垃圾收转运一体化建设项目。")
    assert project["location"] == "白石县"


def test_a_voltage_is_not_a_capacity():
    (project,) = box_projects(["专栏1 电网项目", "1.白石220千伏输变电工程，新建线路45公里"])
    assert (project["capacity"], project["unit"]) == (45, "公里")
