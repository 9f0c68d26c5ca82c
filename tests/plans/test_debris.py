"""Conversion debris, numbering styles, targets in Chinese numerals and the warnings
an office reviews: rules for the language of plans, checked on small plans written the
way real ones are."""

import pytest

from plans.parsing import PlanParseError, parse_plan_text
from tests.plans.docs import SMALL_PLAN


def _shape(parsed):
    return [
        (
            a["title"],
            [
                (t["title"], t["lead"], t["support"], [(i["target"], i["unit"]) for i in t["indicators"]])
                for t in a["tasks"]
            ],
        )
        for a in parsed["actions"]
    ]


CLEAN = _shape(parse_plan_text(SMALL_PLAN))

# (what the converter did, the text to replace, its dirty form)
DEBRIS = [
    ("bookmark between number and title", "二、重点任务", "二、[bookmark: _Toc141604333]重点任务"),
    ("bookmark before the number", "（一）能源", "[bookmark: _Toc141604334]（一）能源"),
    ("pandoc anchor", "（二）城乡", "（二）[]{#_Toc141604335 .anchor}城乡"),
    ("html anchor", "1．大力", '<a name="_Toc141604336"></a>1．大力'),
    ("field code", "2．推进绿色交通", '2．{ HYPERLINK \\l "_Toc1" }推进绿色交通'),
    ("bare field code", "二、重点任务", "二、重点任务 PAGEREF _Toc141604333 \\h"),
    ("footnote marker", "新能源装机容量", "新能源[1]装机容量"),
    ("circled footnote", "135.5万千瓦以上。", "135.5万千瓦以上①。"),
    ("image placeholder", "（一）能源", "[image: media/image1.png]\n（一）能源"),
    ("markdown escape and emphasis", "1．大力发展新能源。", "1\\. *大力发展新能源*。"),
    ("zero-width and no-break spaces", "推进绿色交通", "推进\u200b绿色\u00a0交通"),
    ("full-width digits", "2．推进", "２．推进"),
    ("spaces inside numbering", "（二）城乡", "（ 二 ）城乡"),
    ("space before the dot", "1．推广", "1 ．推广"),
    (
        "contents lines",
        "甲县碳达峰实施方案\n",
        "甲县碳达峰实施方案\n目录\n一、主要目标……………3\n二、重点任务\t5\n",
    ),
    ("soft hyphen and word joiner", "城镇新建建筑", "城镇\u00ad新建\u2060建筑"),
]


@pytest.mark.parametrize(("case", "clean", "dirty"), DEBRIS, ids=[d[0] for d in DEBRIS])
def test_debris_anywhere_in_a_line_changes_nothing(case, clean, dirty):
    assert clean in SMALL_PLAN
    assert _shape(parse_plan_text(SMALL_PLAN.replace(clean, dirty, 1))) == CLEAN


def test_all_debris_at_once_still_imports_the_whole_plan():
    text = SMALL_PLAN
    for _, clean, dirty in DEBRIS:
        text = text.replace(clean, dirty, 1)
    assert _shape(parse_plan_text(text)) == CLEAN


def test_labels_are_kept_as_written_without_stray_spaces():
    parsed = parse_plan_text(SMALL_PLAN.replace("（二）城乡", "（ 二 ）城乡").replace("1．推广", "1 ．推广"))
    assert parsed["actions"][1]["label"] == "（二）"
    assert parsed["actions"][1]["tasks"][0]["label"] == "1"


ENUMERATED = """乙县碳达峰实施方案

一、重点任务
第一条 能源绿色低碳转型行动
（1）大力发展新能源。到2025年，全县新能源装机容量达到135.5万千瓦以上。（县发改局牵头，县自然资源局配合）
（2）推进绿色交通。全年新增公共充电桩30个以上。（县交通运输局牵头，县发改局配合）
第二条 倡导绿色低碳生活方式
围绕绿色生活，重点抓好三个方面：一是加强宣传教育，组织举办节能宣传周活动；二是推广绿色消费，到2025年创建绿色商场两家；三是推进垃圾分类，到2025年建成分类处理设施三座。（县商务局牵头，县城管局配合）
二、保障措施
加强组织领导。
"""


def test_articles_and_enumerations_inside_a_paragraph_are_actions_and_tasks():
    parsed = parse_plan_text(ENUMERATED)
    assert [(a["label"], a["title"]) for a in parsed["actions"]] == [
        ("第一条", "能源绿色低碳转型行动"),
        ("第二条", "倡导绿色低碳生活方式"),
    ]
    tasks = parsed["actions"][1]["tasks"]
    assert [(t["label"], t["title"]) for t in tasks] == [
        ("一是", "加强宣传教育"),
        ("二是", "推广绿色消费"),
        ("三是", "推进垃圾分类"),
    ]
    # The agency clause that closes the paragraph is for every enumerated part.
    assert all(t["lead"] == ["县商务局"] and t["support"] == ["县城管局"] for t in tasks)
    assert [(i["target"], i["unit"], i["year"]) for t in tasks for i in t["indicators"]] == [
        (2, "家", 2025),
        (3, "座", 2025),
    ]


def test_enumerations_inside_a_numbered_task_stay_in_that_task():
    text = SMALL_PLAN.replace(
        "1．大力发展新能源。", "1．大力发展新能源。一是推进风电项目建设；二是推进光伏项目建设。"
    )
    assert _shape(parse_plan_text(text))[0][1][0][0] == "大力发展新能源"
    assert len(parse_plan_text(text)["actions"][0]["tasks"]) == 2


@pytest.mark.parametrize(
    ("phrase", "target", "unit"),
    [
        ("建成两座抽水蓄能电站", 2, "座"),
        ("新建公共充电站三个", 3, "个"),
        ("新增光伏装机十万千瓦以上", 10, "万千瓦"),
        ("新建公共充电桩一百五十个", 150, "个"),
        ("改造老旧小区二十五个", 25, "个"),
    ],
)
def test_targets_in_chinese_numerals_are_read_like_digits(phrase, target, unit):
    text = SMALL_PLAN.replace("全年新增公共充电桩30个以上", f"到2025年，{phrase}")
    indicators = parse_plan_text(text)["actions"][0]["tasks"][1]["indicators"]
    assert [(i["target"], i["unit"], i["year"]) for i in indicators] == [(target, unit, 2025)]


def test_chinese_numbers_inside_words_are_not_targets():
    text = SMALL_PLAN.replace(
        "全年新增公共充电桩30个以上。", "落实“十四五”规划，推进“一带一路”和“两高”项目管理，培育一批示范项目。"
    )
    assert parse_plan_text(text)["actions"][0]["tasks"][1]["indicators"] == []


# --- warnings ----------------------------------------------------------------------------


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_every_warning_has_a_code_a_source_line_and_its_text():
    text = SMALL_PLAN.replace("（县交通运输局牵头，县发改局配合）", "")
    parsed = parse_plan_text(text)
    (warning,) = [w for w in parsed["warnings"] if w["code"] == "no_agency"]
    assert warning["line"] == _line_of(text, "2．推进绿色交通")
    assert warning["text"].startswith("2．推进绿色交通")
    assert (warning["action"], warning["task"]) == (1, 2)
    assert "推进绿色交通" in warning["message"]
    for w in parsed["warnings"]:
        assert set(w) >= {"code", "message", "line", "text", "action", "task"}


def test_what_cannot_be_placed_is_imported_around_and_reported_with_its_line():
    stray = "（三）工作目标\n到2025年，全县新建绿色建筑占比达到80%。"
    text = SMALL_PLAN.replace("（二）城乡建设碳达峰行动", stray + "\n（四）城乡建设碳达峰行动")
    parsed = parse_plan_text(text)
    assert [a["title"] for a in parsed["actions"]] == ["能源绿色低碳转型行动", "城乡建设碳达峰行动"]
    unplaced = [w for w in parsed["warnings"] if w["code"] == "unplaced_line"]
    assert [(w["line"], w["text"]) for w in unplaced] == [
        (_line_of(text, "（三）工作目标"), "（三）工作目标"),
        (_line_of(text, "到2025年，全县新建"), "到2025年，全县新建绿色建筑占比达到80%。"),
    ]


def test_a_document_with_no_structure_at_all_is_still_refused():
    with pytest.raises(PlanParseError) as caught:
        parse_plan_text("关于做好节能宣传周工作的通知\n请各单位认真组织开展节能宣传活动，营造良好氛围。\n")
    assert "未找到重点任务" in str(caught.value)


def test_a_task_table_row_with_a_number_but_no_task_is_skipped_not_a_crash():
    text = (
        "青山县2026年碳达峰工作要点\n附件：重点任务分解表\n序号\t重点任务\t具体内容\t牵头单位\t配合单位\n"
        "一、能源绿色低碳转型\n1\t大力发展新能源\t力争年内新增光伏装机5万千瓦。\t县发改局\t县供电公司\n"
        "2\t\t\t县交通运输局\t\n3\t推广新能源汽车\t新建公共充电桩200个。\t县交通运输局\t\n"
    )
    tasks = parse_plan_text(text)["actions"][0]["tasks"]
    assert [(t["label"], t["title"], t["lead"]) for t in tasks] == [
        ("1", "大力发展新能源", ["县发改局"]),
        ("3", "推广新能源汽车", ["县交通运输局"]),
    ]
