"""Rules about the language of plans, each tried on made-up sentences that must match and
on sentences that look alike and must not: responsibility clauses without a role word,
marks before agency names, and the phrasing classes of quantitative targets."""

import pytest

from plans.parsing import indicators as ind
from plans.parsing import parse_plan_text
from plans.parsing.agencies import clean_name, find_clauses
from plans.parsing.textmap import Text


def _clauses(sentence):
    return [
        (c.assignment.lead, c.assignment.support, c.assignment.explicit)
        for c in find_clauses(Text.from_source(sentence))
    ]


# --- a bracketed list of agencies with no role word ----------------------------------------


@pytest.mark.parametrize(
    ("sentence", "lead", "support"),
    [
        (
            "完善能源统计核算体系，定期发布监测结果。（县政府办、县财政局、县统计局）",
            ["县政府办"],
            ["县财政局", "县统计局"],
        ),
        ("推进公共机构节能改造（市机关事务中心、市住建局）。", ["市机关事务中心"], ["市住建局"]),
        ("推广新能源公交车（县交通运输局）", ["县交通运输局"], []),
        (
            "推进智慧能源建设。（县发改局、天岳投资集团、国网供电公司）",
            ["县发改局"],
            ["天岳投资集团", "国网供电公司"],
        ),
        (
            "建设智慧能源平台。（高新区管委会、各乡镇人民政府、国网某县供电公司）",
            ["高新区管委会"],
            ["各乡镇人民政府", "国网某县供电公司"],
        ),
        ("加快充电设施建设。（区发改局、区工业和信息化局）", ["区发改局"], ["区工业和信息化局"]),
    ],
)
def test_a_closing_bracket_of_agency_names_is_the_tasks_agencies(sentence, lead, support):
    assert _clauses(sentence) == [(lead, support, False)]


@pytest.mark.parametrize(
    "sentence",
    [
        "推进工业用地集约利用（含工业园区）。",
        "推进园区提质（产业园区、物流园区）。",
        "完善服务网络（服务中心、服务站）。",
        "建设一批示范项目（光伏、风电、储能）。",
        "开展试点示范（县城、乡镇、行政村）。",
        "开展节能诊断（详见附件2）。",
        "加强监测（县发改局、县统计局）并按月通报。",  # not at the end of the task
        "推进市场化改革（如合同能源管理、碳排放权交易）。",
        "加快建设（2025年底前完成）。",
    ],
)
def test_a_bracket_holding_anything_else_is_not_an_agency_list(sentence):
    assert _clauses(sentence) == []


def test_a_task_closed_by_a_bare_agency_list_gets_an_inferred_lead_and_a_warning():
    text = "甲县碳达峰实施方案\n二、重点任务\n（一）节能降碳行动\n1.完善统计核算。建立能耗统计制度。（县政府办、县财政局、县统计局）\n三、保障措施\n加强领导。\n"
    task = parse_plan_text(text)["actions"][0]["tasks"][0]
    assert (task["lead"], task["support"], task["lead_inferred"]) == (
        ["县政府办"],
        ["县财政局", "县统计局"],
        True,
    )


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("+县统计局", "县统计局"),
        ("※县发改局", "县发改局"),
        ("▲县财政局", "县财政局"),
        ("★县住建局", "县住建局"),
        ("●县林业局", "县林业局"),
        ("①县水利局", "县水利局"),
        ("1.县商务局", "县商务局"),
        ("（2）县教育局", "县教育局"),
        ("县发改局", "县发改局"),
        ("县第一中学", "县第一中学"),
        ("12345热线办", "12345热线办"),
    ],
)
def test_marks_before_an_agency_name_are_not_part_of_it(written, name):
    assert clean_name(written) == name


def test_marked_names_in_a_clause_are_read_without_their_marks():
    assert _clauses("推进节能监察。（※县发改局牵头，★县统计局、▲县财政局配合）") == [
        (["县发改局"], ["县统计局", "县财政局"], True)
    ]


# --- indicators --------------------------------------------------------------------------------


def _targets(sentence, plan_year=None):
    para = Text.from_source(sentence)
    return [
        (i["target"], i["target_max"], i["unit"], i["year"], i.get("per"))
        for i in ind.extract(para, ind.mask(para, []), plan_year)
    ]


@pytest.mark.parametrize(
    ("sentence", "targets"),
    [
        # A count before a long noun phrase.
        ("建设和完善20个农村电商物流配送和便民生活服务站点。", [(20, None, "个", None, None)]),
        ("新建和改造城乡社区综合服务设施35个。", [(35, None, "个", None, None)]),
        ("推动30家以上规模工业企业开展清洁生产审核。", [(30, None, "家", None, None)]),
        ("支持20家企业实施节能降碳改造。", [(20, None, "家", None, None)]),
        (
            "推广节能灯具5000盏、高效电机200台。",
            [(5000, None, "盏", None, None), (200, None, "台", None, None)],
        ),
        # Totals and 累计.
        ("全县光伏发电总规模100万千瓦以上。", [(100, None, "万千瓦", None, None)]),
        ("累计完成既有建筑节能改造120万平方米以上。", [(120, None, "万平方米", None, None)]),
        (
            "力争新建充电桩1000个以上，其中公共充电桩200个。",
            [(1000, None, "个", None, None), (200, None, "个", None, None)],
        ),
        # Per-unit targets keep their unit of repetition.
        ("每个街道设立1个垃圾分类示范小区。", [(1, None, "个", None, "每个街道")]),
        ("每个乡镇建成2-4个充电站。", [(2, 4, "个", None, "每个乡镇")]),
        ("每个行政村至少配备1名生态护林员。", [(1, None, "名", None, "每个行政村")]),
        # Ranges with a hyphen or 至.
        ("新建公共充电桩3至5个。", [(3, 5, "个", None, None)]),
        ("培育市级绿色工厂2—3家。", [(2, 3, "家", None, None)]),
        # Latin units.
        (
            "建设分布式光伏10MW，新建绿道25km，资源化处置建筑垃圾300t。",
            [(10, None, "MW", None, None), (25, None, "km", None, None), (300, None, "t", None, None)],
        ),
        ("新增储能装机不低于50MWh。", [(50, None, "MWh", None, None)]),
        # Yearly amounts.
        ("每年新增新能源公交车20辆。", [(20, None, "辆", None, "每年")]),
        # A year stated once for several targets.
        (
            "到2025年，新增造林面积1.5万亩、森林覆盖率达到65%、建成绿色矿山3座。",
            [(1.5, None, "万亩", 2025, None), (65, None, "%", 2025, None), (3, None, "座", 2025, None)],
        ),
        (
            "到2030年，全县新能源装机达到80万千瓦。森林蓄积量稳定在900万立方米。",
            [(80, None, "万千瓦", 2030, None), (900, None, "万立方米", 2030, None)],
        ),
    ],
)
def test_targets_phrased_these_ways_are_read(sentence, targets):
    assert _targets(sentence) == targets


@pytest.mark.parametrize(
    "sentence",
    [
        # Numerals inside terms.
        "提高二次能源利用效率。",
        "深入实施“三个一批”工程，持续推进“两个替代”。",
        "加强三废治理，防止二次污染。",
        # Thresholds that say who is meant.
        "年综合能耗1万吨标准煤以上的重点用能单位全部开展节能诊断。",
        "对日处理能力100吨以上的污水处理厂实施提标改造。",
        "推动单机容量30万千瓦以上机组节能改造。",
        "推进长江沿线1公里范围内化工企业搬迁。",
        "持续开展干流沿岸(城区段)1公里化工地块风险管控。",
        # The specification of one installation.
        "推动2台35t/h燃煤锅炉改造。",
        # A fact about today, a phase of a project.
        "全县现有充电桩120个。",
        "全县共有规模以上工业企业120家。",
        "推动二期工程建设。",
    ],
)
def test_numbers_phrased_these_ways_are_not_targets(sentence):
    assert _targets(sentence) == []


def test_a_year_introducing_a_list_is_the_year_of_each_target_in_it():
    text = (
        "甲县碳达峰实施方案\n一、主要目标\n到2025年，实现以下目标：\n1.全县新能源装机容量达到50万千瓦以上；\n"
        "2.森林覆盖率稳定在65%。\n二、重点任务\n（一）能源行动\n1.发展光伏。新建光伏20万千瓦。（县发改局牵头）\n"
        "三、保障措施\n加强领导。\n"
    )
    parsed = parse_plan_text(text)
    assert [(g["target"], g["year"]) for g in parsed["goals"]] == [(50, 2025), (65, 2025)]
    # The list's year does not reach past its section.
    assert [i["year"] for i in parsed["actions"][0]["tasks"][0]["indicators"]] == [None]
