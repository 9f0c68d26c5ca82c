"""The plan-document parser against the plans of fixtures/docs, scored against their
hand-checked structures in tests/plans/expected, and against synthetic plans written in
the same style. No database needed."""

import io
import random
import struct
import zlib

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from plans.parsing import PlanParseError, decode_document, parse_document, parse_plan_text

from .docs import NAMES, expected_structure
from .docs import document_bytes as _raw
from .scoring import below_thresholds, compare, score


def _shape(parsed):
    """What a reader of the task breakdown sees, without offsets."""
    return {
        "plan": parsed["plan"],
        "goals": [(i["target"], i["unit"], i["comparator"], i["year"]) for i in parsed["goals"]],
        "actions": [
            (
                a["label"],
                a["title"],
                [
                    (
                        t["label"],
                        t["title"],
                        t["lead"],
                        t["support"],
                        t["lead_inferred"],
                        [
                            (i["target"], i["target_max"], i["unit"], i["comparator"], i["year"])
                            for i in t["indicators"]
                        ],
                    )
                    for t in a["tasks"]
                ],
            )
            for a in parsed["actions"]
        ],
    }


# -- the checked plans ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_checked_plan_scores_above_the_floor(name):
    result = compare(parse_document(_raw(name), f"{name}.txt"), expected_structure(name))
    assert not below_thresholds(result.figures), (result.figures, result.misses)


@pytest.mark.parametrize("name", NAMES)
def test_each_checked_plan_matches_its_expected_structure_exactly(name):
    result = compare(parse_document(_raw(name), f"{name}.txt"), expected_structure(name))
    assert result.misses == []
    assert set(result.figures.values()) == {1.0}


@pytest.mark.parametrize("name", NAMES)
def test_spans_point_at_the_source_text(name):
    text = decode_document(_raw(name), f"{name}.txt")
    parsed = parse_plan_text(text, name)
    assert parsed["text_length"] == len(text)
    for action in parsed["actions"]:
        start, end = action["span"]
        assert action["title"] in text[start:end]
        for task in action["tasks"]:
            start, end = task["span"]
            assert task["text"] == text[start:end]
            assert task["title"] in task["text"]
            for indicator in task["indicators"]:
                start, end = indicator["span"]
                assert text[start:end].strip() == indicator["text"]
                assert f"{indicator['target']:g}".split(".")[0] in indicator["text"]


def test_the_standing_clause_of_the_county_plan_reaches_every_later_task():
    parsed = parse_document(_raw("yueyang-county-2024"), "yueyang.txt")
    tasks = [t for a in parsed["actions"] for t in a["tasks"]]
    assert all({"岳阳高新技术产业园区管委会", "各乡镇人民政府"} <= set(t["support"]) for t in tasks)
    assert any(w["code"] == "standing_clause" for w in parsed["warnings"])


def test_annual_plan_targets_without_a_year_are_for_the_plan_year():
    parsed = parse_document(_raw("pingjiang-county-2026"), "pingjiang.txt")
    assert parsed["plan"]["plan_year"] == 2026
    [indicator] = parsed["actions"][1]["tasks"][2]["indicators"]
    assert (indicator["target"], indicator["unit"], indicator["comparator"], indicator["year"]) == (
        95,
        "%",
        ">=",
        2026,
    )


def test_lists_without_a_lead_are_warned_about():
    parsed = parse_document(_raw("huaihua-city-2026"), "huaihua.txt")
    inferred = [w for w in parsed["warnings"] if w["code"] == "lead_inferred"]
    assert len(inferred) == sum(t["lead_inferred"] for a in parsed["actions"] for t in a["tasks"]) == 7
    assert "市发展改革委" in inferred[0]["message"]


# -- encodings and formats ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_gb18030_text_parses_like_utf8(name):
    text = _raw(name).decode("utf-8")
    assert decode_document(text.encode("gb18030"), "plan.txt") == text
    assert parse_document(text.encode("gb18030"), "plan.txt") == parse_document(_raw(name), "plan.txt")


def test_a_utf8_bom_is_dropped():
    data = b"\xef\xbb\xbf" + _raw("huaihua-city-2026")
    assert decode_document(data, "plan.txt") == _raw("huaihua-city-2026").decode("utf-8")
    assert _shape(parse_document(data, "plan.txt")) == _shape(
        parse_document(_raw("huaihua-city-2026"), "p.txt")
    )


def test_crlf_line_endings_give_the_same_structure_and_true_spans():
    text = _raw("pingjiang-county-2026").decode("utf-8").replace("\n", "\r\n")
    parsed = parse_plan_text(text)
    assert _shape(parsed) == _shape(parse_document(_raw("pingjiang-county-2026"), "p.txt"))
    for action in parsed["actions"]:
        for task in action["tasks"]:
            start, end = task["span"]
            assert task["title"] in text[start:end]


def test_a_stray_bad_byte_does_not_sink_the_plan():
    data = _raw("huaihua-city-2026").decode("utf-8").encode("gb18030")
    damaged = data[:5000] + b"\xff" + data[5000:-1]
    parsed = parse_document(damaged, "plan.txt")
    figures = score(parsed, expected_structure("huaihua-city-2026"))
    assert figures["task_f1"] == 1.0 and figures["plan"] == 1.0


def test_utf16_with_a_byte_order_mark_is_read():
    text = _raw("pingjiang-county-2026").decode("utf-8")
    assert decode_document(text.encode("utf-16"), "plan.txt") == text


def test_a_saved_web_page_is_read_through_its_markup():
    page = (
        "<html><head><style>p{color:red}</style><script>var n = 1;</script></head><body>"
        "<h1>青山县碳达峰实施方案</h1><p>一、重点任务</p><p>（一）能源绿色低碳转型行动</p>"
        "<p>1.大力发展新能源。到2025年新增光伏装机10万千瓦。（县发改局牵头）</p>"
        "<p>2.推广新能源汽车。新增公共充电桩&nbsp;30个。<br>（县交通运输局牵头）</p></body></html>"
    )
    parsed = parse_document(page.encode("utf-8"), "plan.html")
    assert parsed["plan"]["title"] == "青山县碳达峰实施方案"
    tasks = parsed["actions"][0]["tasks"]
    assert [(t["title"], t["lead"], [i["target"] for i in t["indicators"]]) for t in tasks] == [
        ("大力发展新能源", ["县发改局"], [10]),
        ("推广新能源汽车", ["县交通运输局"], [30]),
    ]


def _docx(paragraphs) -> bytes:
    document = docx.Document()
    for line in paragraphs:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", NAMES)
def test_a_docx_of_the_same_lines_parses_to_the_same_structure(name):
    lines = [line for line in _raw(name).decode("utf-8").splitlines() if line.strip()]
    from_docx = parse_document(_docx(lines), f"{name}.docx")
    assert _shape(from_docx) == _shape(parse_document(_raw(name), f"{name}.txt"))
    assert from_docx["source"] == f"{name}.docx"


def _numbered_docx(items) -> bytes:
    """A Word document whose headings are numbered by Word itself (一、 （一） 1.), so
    the labels are not in the paragraph text."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/>'
            "</w:lvl>"
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in items:
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
            )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_automatic_numbering_is_read_back_into_the_labels():
    data = _numbered_docx(
        [
            (None, "青山县碳达峰实施方案"),
            (0, "总体要求"),
            (None, "为推动全县绿色低碳发展，制定本方案。"),
            (0, "重点任务"),
            (1, "能源绿色低碳转型行动"),
            (
                2,
                "大力发展新能源。到2025年，全县新能源装机容量达到50万千瓦以上。（县发改局牵头，县供电公司配合）",
            ),
            (2, "推进煤炭消费替代。严格控制煤炭消费。（县发改局牵头，县工信局配合）"),
            (1, "交通运输绿色低碳行动"),
            (2, "推广新能源汽车。全县新增公共充电桩200个。（县交通运输局牵头）"),
            (0, "保障措施"),
            (None, "加强组织领导。"),
        ]
    )
    assert "（二）交通运输绿色低碳行动" in decode_document(data, "plan.docx")
    parsed = parse_document(data, "plan.docx")
    assert [(a["label"], a["title"]) for a in parsed["actions"]] == [
        ("（一）", "能源绿色低碳转型行动"),
        ("（二）", "交通运输绿色低碳行动"),
    ]
    energy = parsed["actions"][0]["tasks"]
    assert [(t["label"], t["title"], t["lead"]) for t in energy] == [
        ("1", "大力发展新能源", ["县发改局"]),
        ("2", "推进煤炭消费替代", ["县发改局"]),
    ]
    assert energy[0]["indicators"][0]["target"] == 50
    assert parsed["plan"]["region"] == "青山县"


def test_table_cells_are_read_in_order_and_a_boxed_column_stays_with_its_task():
    document = docx.Document()
    for line in [
        "青山县碳达峰实施方案",
        "一、重点任务",
        "（一）能源绿色低碳转型行动",
        "1.大力发展新能源。到2025年，新能源装机容量达到50万千瓦。（县发改局牵头，县供电公司配合）",
    ]:
        document.add_paragraph(line)
    box = document.add_table(rows=3, cols=1)
    box.cell(0, 0).text = "专栏1 新能源重点项目"
    box.cell(1, 0).text = "1.白沙镇100兆瓦农光互补光伏电站项目"
    box.cell(2, 0).text = "2.青山风电场项目"
    document.add_paragraph("2.推进煤炭清洁利用。严格控制煤炭消费。（县发改局牵头，县工信局配合）")
    grid = document.add_table(rows=1, cols=2)
    grid.cell(0, 0).text = "牵头单位：县发改局"
    grid.cell(0, 1).text = "配合单位：县工信局"
    document.add_paragraph("二、保障措施")
    out = io.BytesIO()
    document.save(out)
    parsed = parse_document(out.getvalue(), "plan.docx")
    first, second = parsed["actions"][0]["tasks"]
    # The box's title names a kind of project; its items are the projects.
    assert [(p["name"], p.get("capacity"), p.get("unit")) for p in first["projects"]] == [
        ("白沙镇100兆瓦农光互补光伏电站项目", 100, "兆瓦"),
        ("青山风电场项目", None, None),
    ]
    assert [i["target"] for i in first["indicators"]] == [50]  # not the 100兆瓦 of one project
    assert second["label"] == "2" and second["lead"] == ["县发改局"] and second["support"] == ["县工信局"]


# -- documents that are not plans -------------------------------------------------------


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def _image_only_docx() -> bytes:
    document = docx.Document()
    document.add_picture(io.BytesIO(_png()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _has_chinese(message: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in message)


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"", "plan.txt", "文件为空"),
        (b"  \r\n\t\n", "plan.txt", "文件为空"),
        (bytes(range(256)) * 40, "plan.txt", "无法识别"),
        (random.Random(7).randbytes(6000).replace(b"\x00", b"\x01"), "plan.txt", "无法识别"),
        (_image_only_docx(), "scan.docx", "不含文字"),
        (_docx([]), "empty.docx", "不含文字"),
        (b"PK\x03\x04 not really a zip", "broken.docx", "无法打开"),
        (b"%PDF-1.7 ...", "plan.pdf", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "plan.doc", ".doc"),
        (b"hello world, this is plain English text.", "plan.txt", "无法识别"),
    ],
)
def test_unreadable_files_are_refused_with_a_chinese_message(data, filename, says):
    with pytest.raises(PlanParseError) as caught:
        parse_document(data, filename)
    assert says in str(caught.value)
    assert _has_chinese(str(caught.value))


@pytest.mark.parametrize(
    "text",
    [
        # A news report: Chinese prose, no numbered actions.
        "新华社长沙3月5日电 记者从省发展改革委获悉，今年以来全省新能源装机持续增长，"
        "截至2月底，全省风电、光伏发电装机容量达到3200万千瓦，同比增长18%。"
        "业内人士表示，随着一批重点项目陆续投产，全年新能源发电量有望再创新高。",
        # A numbered notice that is not a plan and names no responsible agencies.
        "关于2025年部分节假日安排的通知\n\n一、元旦：1月1日放假，共1天。\n\n二、春节：1月28日至2月4日放假调休，共8天。\n",
    ],
)
def test_chinese_text_that_is_not_a_plan_is_refused(text):
    with pytest.raises(PlanParseError) as caught:
        parse_document(text.encode("utf-8"), "news.txt")
    assert "未找到重点任务" in str(caught.value)


# -- the language of plans, on synthetic text ------------------------------------------------

ANNUAL_PLAN = """首页 > 政务公开 > 政策文件
索引号：431-2025-0007
发布机构：青山县人民政府办公室
发布日期：2025-03-06
浏览次数：128

**青山县人民政府办公室关于印发《青山县2025年碳达峰碳中和工作要点》的通知**

青政办发〔2025〕5号

各乡镇人民政府，县直各单位：
现将《青山县2025年碳达峰碳中和工作要点》印发给你们，请认真抓好落实。

青山县人民政府办公室
2025年3月5日

# 青山县2025年碳达峰碳中和工作要点

为深入贯彻落实《青州市碳达峰实施方案》（青政发〔2023〕9号）要求，扎实推进全县碳达峰碳中和工作，制定本要点。

一、工作目标

2025年，全县单位地区生产总值能耗比2020年下降14.5%，非化石能源消费比重达到25%左右，森林覆盖率稳定在62%以上。

二、重点任务

（一）能源绿色低碳转型行动

1、推进光伏发电项目建设。加快整县屋顶分布式光伏开发试点，全年新增光伏装机5万千瓦以上。牵头单位：县发改局；配合单位：县自然资源局、国网青山县供电公司。

2、**严格控制煤炭消费**对年综合能耗5000吨标准煤以上企业开展节能监察，完成2台35t/h锅炉改造，全县煤炭消费总量控制在80万吨以内。（牵头单位：县发改局，配合单位：县工信局、市生态环境局青山分局）

3．加快充电基础设施建设。截至2024年底，全县已建成公共充电桩320个。年内新增公共充电桩150个，实现乡镇充电站全覆盖。（县交通运输局、县发改局、县住建局、国网青山县供电公司等部门按职责分工负责）

专栏1  能源重点项目

1.白沙镇100兆瓦农光互补光伏电站项目

2.青山县抽水蓄能电站前期工作

（二）工业领域碳达峰行动

1.推动工业绿色转型。培育省级绿色工厂2家、绿色园区1个。安排专项资金500万元支持企业技术改造。（县工信局牵头，县发改局、

— 3 —

县科工信局配合；以下任务均需各乡镇人民政府配合，不再重复列出）

2.推进园区循环化改造。推进青山工业园循环化改造，园区固废综合利用率达到85%。（县工信局牵头，青山工业园管委会配合）

（三）城乡建设绿色低碳行动

推进既有建筑节能改造，全年完成既有居住建筑节能改造5万平方米，新建建筑中绿色建筑占比达到70%。（县住建局负责）

（四）绿色低碳全民行动

1.开展绿色低碳宣传。组织节能宣传周、低碳日活动，开展宣传活动不少于10场次。（县委宣传部牵头，县发改局配合）

1.开展绿色低碳宣传。组织节能宣传周、低碳日活动，开展宣传活动不少于10场次。（县委宣传部牵头，县发改局配合）

三、保障措施

（一）加强组织领导。县碳达峰碳中和工作领导小组办公室（设在县发改局）负责统筹协调。

（二）强化考核评估。将碳达峰工作纳入绩效考核，县财政每年安排300万元专项资金。

抄送：县委办，县人大办。
"""


@pytest.fixture(scope="module")
def annual():
    return parse_plan_text(ANNUAL_PLAN, "annual.txt")


def _task(parsed, action, task):
    return parsed["actions"][action - 1]["tasks"][task - 1]


def test_plan_facts_come_from_the_title_notice_and_header(annual):
    assert annual["plan"] == {
        "title": "青山县2025年碳达峰碳中和工作要点",
        "region": "青山县",
        "level": "county",
        "doc_number": "青政办发〔2025〕5号",  # not the 青政发〔2023〕9号 it cites
        "issued": "2025-03-05",
        "draft": False,
        "plan_year": 2025,
    }


def test_goals_are_the_targets_under_the_goals_chapter(annual):
    assert [
        (g["target"], g["unit"], g["comparator"], g["year"], g["baseline_year"], g["change"])
        for g in annual["goals"]
    ] == [
        (14.5, "%", ">=", 2025, 2020, "decrease"),
        (25, "%", "~", 2025, None, None),
        (62, "%", ">=", 2025, None, None),
    ]


def test_actions_stop_before_the_chapters_that_follow_the_tasks(annual):
    assert [a["title"] for a in annual["actions"]] == [
        "能源绿色低碳转型行动",
        "工业领域碳达峰行动",
        "城乡建设绿色低碳行动",
        "绿色低碳全民行动",
    ]


def test_written_out_lead_and_support_units(annual):
    first = _task(annual, 1, 1)
    assert (first["label"], first["title"]) == ("1", "推进光伏发电项目建设")
    assert first["lead"] == ["县发改局"] and first["support"] == ["县自然资源局", "国网青山县供电公司"]
    assert first["lead_inferred"] is False
    second = _task(annual, 1, 2)
    assert second["title"] == "严格控制煤炭消费"  # ends with the bold run
    assert second["support"] == ["县工信局", "市生态环境局青山分局"]


def test_a_list_without_a_lead_takes_the_first_and_says_so(annual):
    task = _task(annual, 1, 3)
    assert task["lead"] == ["县交通运输局"]
    assert task["support"] == ["县发改局", "县住建局", "国网青山县供电公司"]  # 等部门 removed
    assert task["lead_inferred"] is True
    [warning] = [
        w for w in annual["warnings"] if w["code"] == "lead_inferred" and (w["action"], w["task"]) == (1, 3)
    ]
    assert "县交通运输局" in warning["message"]


def test_numbers_that_are_not_targets_are_left_out(annual):
    # threshold (5000吨标准煤以上企业), one boiler's spec (35t/h), a fact (已建成320个),
    # a budget line (500万元), a project's size in a box (100兆瓦).
    found = [(i["target"], i["unit"]) for a in annual["actions"] for t in a["tasks"] for i in t["indicators"]]
    assert found == [
        (5, "万千瓦"),
        (80, "万吨"),
        (150, "个"),
        (2, "家"),
        (1, "个"),
        (85, "%"),
        (5, "万平方米"),
        (70, "%"),
        (10, "场次"),
        (10, "场次"),
    ]
    coal = _task(annual, 1, 2)["indicators"][0]
    assert (coal["comparator"], coal["year"]) == ("<=", 2025)


def test_a_project_box_stays_with_its_task(annual):
    assert [(p["name"], p.get("location")) for p in _task(annual, 1, 3)["projects"]] == [
        ("白沙镇100兆瓦农光互补光伏电站项目", "白沙镇"),
        ("青山县抽水蓄能电站", "青山县"),  # 前期工作 is its stage, not its name
    ]
    assert "抽水蓄能" in _task(annual, 1, 3)["text"]
    assert len(annual["actions"][0]["tasks"]) == 3  # the box's "1." and "2." are not tasks


def test_a_clause_cut_by_a_page_break_is_joined(annual):
    task = _task(annual, 2, 1)
    assert task["lead"] == ["县工信局"]
    assert task["support"][:2] == ["县发改局", "县科工信局"]


def test_a_standing_clause_adds_support_to_its_task_and_all_later_ones(annual):
    tasks = [t for a in annual["actions"] for t in a["tasks"]]
    for task in tasks[:3]:
        assert "各乡镇人民政府" not in task["support"]
    for task in tasks[3:]:
        assert task["support"][-1] == "各乡镇人民政府"


def test_an_action_in_one_paragraph_is_one_unlabelled_task(annual):
    [task] = annual["actions"][2]["tasks"]
    assert (task["label"], task["title"], task["lead"]) == (None, "城乡建设绿色低碳行动", ["县住建局"])
    assert [(i["target"], i["unit"]) for i in task["indicators"]] == [(5, "万平方米"), (70, "%")]


def test_a_section_repeated_verbatim_is_kept_and_flagged(annual):
    first, second = annual["actions"][3]["tasks"]
    assert first["title"] == second["title"] == "开展绿色低碳宣传"
    assert first["duplicate_of"] is None and second["duplicate_of"] == [4, 1]
    assert [(w["action"], w["task"]) for w in annual["warnings"] if w["code"] == "duplicate_section"] == [
        (4, 2)
    ]


def test_spans_survive_markdown_and_page_furniture(annual):
    for action in annual["actions"]:
        for task in action["tasks"]:
            start, end = task["span"]
            assert task["text"] == ANNUAL_PLAN[start:end]
            assert task["title"] in ANNUAL_PLAN[start:end].replace("**", "")
            for indicator in task["indicators"]:
                start, end = indicator["span"]
                assert ANNUAL_PLAN[start:end].strip() == indicator["text"]


def test_warnings_are_in_chinese_and_point_at_tasks(annual):
    assert {w["code"] for w in annual["warnings"]} >= {
        "lead_inferred",
        "duplicate_section",
        "standing_clause",
    }
    for warning in annual["warnings"]:
        assert _has_chinese(warning["message"])


TOP_LEVEL_ACTIONS = """青州市工业领域碳达峰实施方案
（征求意见稿）

为深入贯彻落实党中央、国务院关于碳达峰碳中和的重大决策部署，推动全市工业领域绿色低碳转型，制定本方案。

一、总体要求

（一）指导思想。以习近平新时代中国特色社会主义思想为指导，完整、准确、全面贯彻新发展理念。

（二）主要目标。到2025年，全市规模以上工业单位增加值能耗较2020年下降18%，工业固废综合利用率达到60%以上。到2030年，确保工业领域二氧化碳排放在2030年前达峰。

二、深度调整产业结构

（一）构建有利于碳减排的产业布局。引导产业向园区集中，对年耗能1万吨标准煤以上的企业实行清单管理。（责任单位：市发展改革委、市工业和信息化局）

（二）坚决遏制“两高”项目盲目发展。严禁新增钢铁产能。【牵头单位：市工业和信息化局；配合单位：市发展改革委、市生态环境局、各县（市、区）人民政府】

三、推进工业节能降碳

（一）推动工业领域能源消费低碳化。到2025年，工业领域电能占终端能源消费比重达到30%。推进青州经开区2×35万千瓦热电联产项目建设。（市工业和信息化局、市发展改革委按职责分工负责）

（二）深入推进节能改造。“十四五”末累计完成清洁生产审核企业100家。

（市工业和信息化局牵头，市科技局、市财政局配合）

四、保障措施

（一）加强组织领导。市碳达峰碳中和工作领导小组统筹推进工业领域碳达峰工作。
"""


def test_top_level_chapters_can_be_the_actions():
    parsed = parse_plan_text(TOP_LEVEL_ACTIONS)
    assert parsed["plan"]["region"] == "青州市"
    assert parsed["plan"]["level"] == "city"
    assert parsed["plan"]["draft"] is True
    assert parsed["plan"]["plan_year"] is None
    assert [(a["label"], a["title"]) for a in parsed["actions"]] == [
        ("二", "深度调整产业结构"),
        ("三", "推进工业节能降碳"),
    ]
    layout, two_highs = parsed["actions"][0]["tasks"]
    assert (layout["label"], layout["lead"], layout["support"], layout["lead_inferred"]) == (
        "（一）",
        ["市发展改革委"],
        ["市工业和信息化局"],
        True,
    )
    assert layout["indicators"] == []  # 1万吨标准煤以上的企业 defines a scope
    assert two_highs["support"] == ["市发展改革委", "市生态环境局", "各县（市、区）人民政府"]
    energy, retrofit = parsed["actions"][1]["tasks"]
    assert [(i["target"], i["year"]) for i in energy["indicators"]] == [(30, 2025)]
    assert [(i["target"], i["unit"], i["year"]) for i in retrofit["indicators"]] == [(100, "家", 2025)]
    assert retrofit["lead"] == ["市工业和信息化局"]  # the clause on its own line after a blank
    assert [(g["target"], g["baseline_year"], g["change"]) for g in parsed["goals"]] == [
        (18, 2020, "decrease"),
        (60, None, None),
    ]


UNNUMBERED_TASKS = """青山县碳达峰实施方案

一、重点任务

（一）产业绿色低碳发展行动

推动工业绿色低碳转型。加快传统产业改造，到2025年培育省级绿色工厂3家。（县工信局牵头，县发改局配合）

推动农业绿色低碳发展。推广节能农机，到2025年推广节能农机50台。（县农业农村局牵头，县发改局配合）

二、保障措施

加强组织领导。
"""


def test_paragraphs_that_each_carry_their_agencies_are_separate_tasks():
    [action] = parse_plan_text(UNNUMBERED_TASKS)["actions"]
    assert [(t["label"], t["title"], t["lead"]) for t in action["tasks"]] == [
        (None, "推动工业绿色低碳转型", ["县工信局"]),
        (None, "推动农业绿色低碳发展", ["县农业农村局"]),
    ]


def test_parsing_is_deterministic():
    assert parse_plan_text(ANNUAL_PLAN) == parse_plan_text(ANNUAL_PLAN)


ONE_TASK = """青山县碳达峰实施方案

一、重点任务

（一）能源绿色低碳转型行动

1.推进能源转型。{body}

二、保障措施

加强组织领导。
"""


def _only_task(body):
    [action] = parse_plan_text(ONE_TASK.format(body=body))["actions"]
    [task] = action["tasks"]
    return task


@pytest.mark.parametrize(
    ("clause", "lead", "support", "inferred"),
    [
        ("（县发改局牵头，县工信局、县住建局配合）", ["县发改局"], ["县工信局", "县住建局"], False),
        ("（县发改局、县工信局牵头，县住建局按职责分工负责）", ["县发改局", "县工信局"], ["县住建局"], False),
        (
            "（牵头单位：县发改局；配合单位：县工信局、县财政局）",
            ["县发改局"],
            ["县工信局", "县财政局"],
            False,
        ),
        ("牵头单位：县发改局 配合单位：县工信局", ["县发改局"], ["县工信局"], False),
        ("（责任单位：县发改局（牵头）、县工信局、县住建局）", ["县发改局"], ["县工信局", "县住建局"], False),
        ("【县发改局为牵头单位，县工信局为配合单位】", ["县发改局"], ["县工信局"], False),
        ("（县发改局、县工信局、县住建局等按照职责分工负责）", ["县发改局"], ["县工信局", "县住建局"], True),
        ("（责任单位：县发改局、县工信局）", ["县发改局"], ["县工信局"], True),
        ("（县发改局负责）", ["县发改局"], [], True),
        ("县发改局牵头，县工信局按职责分工负责。", ["县发改局"], ["县工信局"], False),
        ("（县发改局牵头，县财政局、县税务局等部门配合）", ["县发改局"], ["县财政局", "县税务局"], False),
        ("（县发改局牵头，县直相关部门按职责分工负责）", ["县发改局"], [], False),
        ("（县发改局牵头，各乡镇人民政府具体落实）", ["县发改局"], ["各乡镇人民政府"], False),
        ("（由县发改局牵头，会同县工信局、县住建局推进）", ["县发改局"], ["县工信局", "县住建局"], False),
        # 市工业和信息化局 is one agency; 管委会和各乡镇人民政府 are two.
        (
            "（市工业和信息化局牵头，高新区管委会和各乡镇人民政府配合）",
            ["市工业和信息化局"],
            ["高新区管委会", "各乡镇人民政府"],
            False,
        ),
        (
            "（县发改局牵头；各县（市、区）人民政府按职责分工负责）",
            ["县发改局"],
            ["各县（市、区）人民政府"],
            False,
        ),
    ],
)
def test_agency_clauses_in_the_forms_plans_use(clause, lead, support, inferred):
    task = _only_task(f"严格控制煤炭消费。{clause}")
    assert (task["lead"], task["support"], task["lead_inferred"]) == (lead, support, inferred)
    assert task["title"] == "推进能源转型"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "到2025年，全县新能源装机容量达到135.5万千瓦以上。",
            [(135.5, None, "万千瓦", ">=", 2025, None, None)],
        ),
        ("力争到2030年，非化石能源消费比重提高到25%左右。", [(25, None, "%", "~", 2030, None, None)]),
        (
            "到2025年，单位地区生产总值能耗比2020年下降14.5%。",
            [(14.5, None, "%", ">=", 2025, 2020, "decrease")],
        ),
        (
            "到“十四五”末，PM2.5年均浓度控制在35微克/立方米以内。",
            [(35, None, "微克/立方米", "<=", 2025, None, None)],
        ),
        ("全县森林覆盖率目标值为稳定在62%。", [(62, None, "%", "=", None, None, None)]),
        ("力争招引3—5家储能企业。", [(3, 5, "家", ">=", None, None, None)]),
        (
            "到2025年，化学需氧量、氨氮重点工程减排量分别达到4.32万吨、0.18万吨。",
            [(4.32, None, "万吨", ">=", 2025, None, None), (0.18, None, "万吨", ">=", 2025, None, None)],
        ),
        (
            "新增造林面积1.2万亩，完成森林抚育3000公顷。",
            [(1.2, None, "万亩", ">=", None, None, None), (3000, None, "公顷", ">=", None, None, None)],
        ),
        ("到2030年，全县电网基本具备5%以上的尖峰负荷响应能力。", [(5, None, "%", ">=", 2030, None, None)]),
        # Not targets: voltages and road or standard numbers, scope thresholds, facts
        # about today, budget money, one project's specification, dates.
        ("推进G207国道改造，建设220千伏输变电工程。", []),
        ("严格执行GB/T51161标准。", []),
        ("对年能耗1000吨标煤以上企业开展节能审查。", []),
        ("新建1万平方米以上的公共建筑全面执行绿色建筑标准。", []),
        ("全县共有湿地15平方公里。", []),
        ("截至2023年底，全县已建成充电桩500个。", []),
        ("县财政安排专项资金2000万元。", []),
        ("推动建设2台35t/h生物质锅炉。", []),
        ("推进100MW/200MWh储能电站项目建设。", []),
        ("推进白沙镇50兆瓦光伏电站项目建设。", []),
        ("推进年产10万吨生物质颗粒项目建设。", []),
        ("本方案自2024年3月1日起施行。", []),
    ],
)
def test_quantitative_targets_and_the_numbers_that_are_not(sentence, expected):
    task = _only_task(f"{sentence}（县发改局牵头）")
    found = [
        (i["target"], i["target_max"], i["unit"], i["comparator"], i["year"], i["baseline_year"], i["change"])
        for i in task["indicators"]
    ]
    assert found == expected


def test_an_indicator_without_a_year_in_a_multi_year_plan_asks_for_review():
    task = _only_task("全县森林覆盖率稳定在62%。（县林业局牵头）")
    [indicator] = task["indicators"]
    assert indicator["year"] is None and indicator["review"] is True
