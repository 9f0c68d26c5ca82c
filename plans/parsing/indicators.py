"""Quantitative targets: "到2025年，全县新能源装机容量达到135.5万千瓦以上".

An indicator is a number with a unit for something to be reached, built, added or kept.
Numbers that are not commitments are left out (SCHEMA.md): voltages and road or
standard numbers (no unit of ours, or glued to Latin letters), thresholds that define a
scope (年能耗1000吨标煤以上企业), facts about today (全县共有…), dates, money of a budget
line, and the specification of one project (100兆瓦储能电站项目) unless phrased as a
target.
"""

from __future__ import annotations

import re

from .labels import cn_to_int
from .textmap import Text

MASK = "\x1f"  # stands in for text that must not yield indicators (agency clauses, 《》)

# Units after a number, without the 万 / 亿 a number may carry (万千瓦, 1.2万辆, 亿吨).
COUNT_UNITS = [
    "人次", "个", "家", "座", "辆", "台", "套", "艘", "处", "条", "项", "所", "户", "根", "栋",
    "批次", "批", "名", "人", "宗", "只", "场次", "场", "次", "株", "棵", "盏", "块", "部", "幢", "架", "眼",
]  # fmt: skip
MEASURE_UNITS = [
    "%", "个百分点", "百分点",
    "吨标准煤/万元", "吨二氧化碳/万元", "千克标准煤/万元", "吨/年", "吨/日", "吨/天",
    "千瓦时", "兆瓦时", "千瓦", "兆瓦", "吉瓦", "千伏安",
    "吨标准煤", "吨标煤", "吨二氧化碳", "蒸吨", "吨", "千克", "公斤",
    "kWh", "MWh", "GWh", "kWp", "MWp", "kW", "MW", "GW", "km²", "km2", "m²", "m³", "km", "kt", "Mt", "t",
    "立方米", "平方米", "平方公里", "平方千米", "公顷", "亩", "公里", "千米", "米", "微克/立方米", "毫克/立方米",
]  # fmt: skip
MONEY_UNITS = ["亿元", "万元"]
_DISTANCE = {"公里", "千米", "米", "km"}

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A number written in Chinese: 两座, 三个, 十万千瓦, 一百五十个. A lone 一 (一批, 一个,
# 一家) is an article far more often than a target, and is left out.
_CN_NUMBER = (
    r"(?:[两二三四五六七八九十][零〇一二两三四五六七八九十百千]*|一[零〇一二两三四五六七八九十百千]+)"
)
# A whole Chinese number, not the tail of one or an ordinal (第三, 初二).
_CN_AFTER = r"(?<![零〇一二两三四五六七八九十百千万亿第初周])"
_BASES = "|".join(re.escape(u) for u in sorted(COUNT_UNITS + MEASURE_UNITS, key=len, reverse=True))
_MATCH = re.compile(
    rf"(?<![A-Za-z0-9_.\-+/{{}}])(?P<n1>{_NUMBER}|{_CN_AFTER}{_CN_NUMBER})"
    rf"(?:\s*(?:-|—|–|~|至|到)\s*(?P<n2>{_NUMBER}|{_CN_NUMBER}))?"
    rf"\s*(?:余|多)?\s*(?P<unit>亿元|万元|(?:万|亿)?(?:{_BASES}))(?![A-Za-z0-9])"
)


def _base(unit: str) -> str:
    return unit[1:] if unit[:1] in "万亿" and unit not in MONEY_UNITS else unit


_SENTENCE_STOP = "。!?！？\n"
_CLAUSE_STOP = ",;:，；：" + _SENTENCE_STOP

# Words that make a number a commitment when they stand in its clause.
_MARKERS = re.compile(
    r"力争|确保|争取|实现|达到|新增|新建|建成|建设|完成|培育|创建|创成|打造|招引|引进|累计|改造|推广|具备|"
    r"不低于|不少于|不超过|不高于|超过|突破|控制在|稳定在|保持在|维持在|目标|提高|提升|增长|增加|下降|降低|"
    r"减少|削减|压减|种植|植树|造林|治理|修复|整治|回收|处置|培训|认定|建立|形成|争创|覆盖|占比|比例|比重|率|"
    r"年内|全年|每年|要求|实施|淘汰|关停|退出|更新|替代|置换|安装|配建|配置|举办|组织|设立|设置|配备|布设|"
    r"其中|总规模|总量|总计|合计|规模达|开展|至少"
)
# Verbs that make a count of places or bodies a target: 推动30家企业…, 支持20家….
_COUNT_MARKERS = re.compile(
    r"推动|支持|引导|带动|督促|指导|帮扶|扶持|鼓励|惠及|服务|吸纳|储备|谋划|遴选|评选|评定"
)
# A target repeated per unit (每个乡镇建成1个, 每年新增20辆): the unit of repetition.
PER = re.compile(
    r"每(?:一)?(?:个|座|所|家|处)?(?:乡镇|乡|镇|街道|社区|行政村|村|县|市|区|园区|企业|学校|医院|小区|单位|部门|"
    r"片区|网格|户|人|年度|年|季度|季|月|周)"
)
# A numeral that is part of a term, not a count: 一次能源, 二次污染, 三废, 四害, “三个一批”.
_TERM_AFTER = re.compile(r"(?:能源|污染|供水|供电|开发|利用率|转化)")
_ALONG = re.compile(r"(?:沿线|沿岸|两岸|两侧|周边|周围|半径|距离|范围)\s*(?:\([^()]*\))?\s*$")
# Totals are targets, not thresholds: 总规模100万千瓦以上, 累计…以上.
_TOTAL_BEFORE = re.compile(
    r"(?:总规模|总量|总装机|总容量|总计|合计|累计)[\u4e00-\u9fff]{0,4}?(?:达到?|为|在)?\s*$"
)
# A measure followed by 以上的 / 以下的 and a noun qualifies who or what is meant:
# 年综合能耗1万吨标准煤以上的重点用能单位, 日处理能力100吨以上的污水处理厂.
_QUALIFYING = re.compile(r"\s*(?:及)?(?:以上|以下)的?\s*[\u4e00-\u9fff]")
_TARGET_YEAR_PHRASE = re.compile(r"(?:到|至|截至)\s*20\d{2}\s*年|20\d{2}\s*年(?:底|末|前)")
_IMMEDIATE_MARKER = re.compile(r"(?:达|到|至|为)\s*$")
_SUFFIX_CMP = re.compile(r"\s*(?:及)?(以上|以下|以内|左右|上下)")
_PREFIX_GE = re.compile(r"(?:不低于|不少于|至少|(?<!不)超过|突破|(?<!不)高于|达到|达|力争)\s*$")
_PREFIX_LE = re.compile(
    r"(?:不超过|不高于|(?<!不)低于|控制在|降至|降到|压减至|压减到|压降至|下降到|下降至|降低到|降低至)\s*$"
)
_PREFIX_EQ = re.compile(r"(?:稳定在|保持在|维持在|目标值为|目标值|目标为)\s*$")
_PREFIX_ABOUT = re.compile(r"(?:约|大约)\s*$")
_DECREASE = re.compile(r"(?:下降|降低|减少|削减|压减|缩减)了?\s*$")
_INCREASE = re.compile(r"(?:提高|提升|增长|增加|上升)了?\s*$")

# A threshold defining a scope: 年综合能耗1000吨标煤以上企业, 1万平方米以上的公共建筑.
_THRESHOLD_BEFORE = re.compile(
    r"(?:年综合能耗|综合能耗|年能耗|年耗能|能耗|年用电量|用电量|年用能|年排放量|排放量|单机容量|单机|容量|规模|"
    r"面积|年产值|年处理|日处理|年发电量|营业收入|营收|主营业务收入|功率)\s*(?:在)?\s*$"
)
_THRESHOLD_AFTER = re.compile(
    r"\s*(?:及)?(?:以上|以下)\s*(?:的)?\s*[\u4e00-\u9fff]{0,8}?"
    r"(?:企业|单位|用户|项目|锅炉|机组|建筑|车辆|船舶|窑炉|工程|数据中心|场所|煤矿|矿山)"
    r"|\s*(?:范围|以内的|内的|沿线|半径)"
)
# One project's specification: "100兆瓦储能电站项目", "年产10万吨…".
_SPEC_AFTER = re.compile(r"[\u4e00-\u9fff]{0,12}?(?:项目|工程|电站|锅炉|机组|生产线|储能站|示范站)")
_SPEC_BEFORE = re.compile(r"(?:年产|年处理|日处理|日产|设计|总投资|投资)\s*$")
_TARGET_VERB_NEAR = re.compile(
    r"(?:达到|新增|建成|完成|累计|力争|突破|超过|不低于|不少于|实现|形成|提升至|提高到|达|到)\s*$"
)
# Facts about today. ("截至2023年底" alone is not enough: a plan may write a target
# that way; a year before the plan's issue is dropped later, when the date is known.)
_FACT = re.compile(
    r"现有|共有|已有|已建成|已建|已完成|已累计|已达|已经|目前|当前|现状|截至目前|截止目前|去年|上年|"
    r"(?<!公)共(?:建成|建设|完成|培育|创建|打造|改造|新增|实施|推广)|建有|拥有|[成增造育建]了"
)
_FUTURE = re.compile(r"力争|确保|争取|新增|计划|将|目标|到\s*20\d{2}\s*年|年内|全年")
# In the number's own clause a fact word wins unless a plan word follows it:
# "去年新增充电桩100个" is a fact, "目前已建成120个，年内再新建80个" a target.
_PLAN_AFTER_FACT = re.compile(r"力争|确保|争取|计划|将|再|还将|目标|到\s*20\d{2}\s*年|年内|全年|今年")
_MONEY_OK = re.compile(r"产值|营业收入|营收|收入|增加值|交易额|销售额|规模")
_MONEY_BUDGET = re.compile(
    r"资金|投资|预算|补助|补贴|奖励|奖补|安排|投入|下达|筹措|贷款|融资|基金|财政|拨付|支持|争取"
)
_COUNT_NOT_UNIT = re.compile(r"(?:月|工作日|小时|百分点|年|季度|周|天|民|倍|庭)")

_YEAR = re.compile(
    r"(?P<pre>相比|对比|同比|比|较|与|从|自|以)?\s*(?:(?P<y0>20\d{2})\s*(?:年)?\s*[-—–~至到]\s*)?(?P<y>20\d{2})\s*年"
    r"(?P<post>底|末|前|内|度|以来|起|为基[数准]|基础上|相比|水平)?"
)
_PERIOD_END = re.compile(r"[“\"]?十([四五六])五[”\"]?(?:时期|期)?末")
_BASELINE_PRE = {"相比", "对比", "同比", "比", "较", "与"}
_NOT_TARGET_POST = {"以来", "起", "为基数", "为基准", "基础上", "相比", "水平"}

_LEAD_IN = re.compile(
    r"^(?:并|且|同时|其中|力争|确保|争取|努力|全面|基本|进一步|实现|要求|"
    r"(?:到|至)?\s*20\d{2}\s*年(?:底|末|前)?|[“\"]?十[四五六]五[”\"]?(?:时期|期)?末|年内|全年|今年|每年|全县|全市|全区|全省|全州|本县|本市|"
    r"[,、\s" + MASK + r"])+"
)
_LEAD_IN_CLAUSE = re.compile(
    r"^\s*(?:力争|确保|争取|预计)?\s*(?:到|至|截至)?\s*20\d{2}\s*年(?:底|末|前)?\s*$"
)
_TAIL = re.compile(
    r"(?:(?:比|较)\s*20\d{2}\s*年(?:底|末)?)?(?:要求|达到|达|到|为|超过|突破|不低于|不少于|不超过|不高于|低于|高于|"
    r"控制在|稳定在|保持在|维持在|目标值为|目标为|提高到|提升到|提升至|提高至|增加到|增长到|降至|降到|提高|提升|"
    r"下降|降低|减少|增长|增加|累计|约|共|实现|基本具备|具备|分别|均|的|在)+$"
)
_VERB_ONLY = re.compile(
    r"^(?:(?:新增|新建|建成|建设|推进|推动|培育|创建|打造|招引|引进|完成|改造|推广|发展|形成|争创|认定|种植|治理|修复|"
    r"力争|争取|完善|设立|设置|配备|布设|开展|至少|累计|实施|组织|举办|推动|支持|引导|带动|鼓励|督促|指导)"
    r"(?:和|及|与|并|、)?)*$"
)


def _number(text: str) -> int | float:
    if not text[:1].isdigit():
        return cn_to_int(text)
    text = text.replace(",", "")
    return float(text) if "." in text else int(text)


def _last_stop(s: str, at: int, stops: str, floor: int = 0) -> int:
    for i in range(at - 1, floor - 1, -1):
        if s[i] in stops:
            return i + 1
    return floor


def _years(before: str) -> tuple[int | None, int | None]:
    """(target year, baseline year) stated before a number in its sentence."""
    target = baseline = None
    for m in _YEAR.finditer(before):
        pre, post = m.group("pre") or "", m.group("post") or ""
        year = int(m.group("y"))
        if pre in _BASELINE_PRE or post in ("相比", "为基数", "为基准"):
            baseline = year
        elif pre in ("从", "自", "以") or post in _NOT_TARGET_POST:
            continue
        else:
            target = year
    for m in _PERIOD_END.finditer(before):
        target = {"四": 2025, "五": 2030, "六": 2035}[m.group(1)]
    return target, baseline


def _comparator(before: str, after: str) -> tuple[str, bool]:
    """(comparator, stated explicitly)."""
    m = _SUFFIX_CMP.match(after)
    if m:
        return {"以上": ">=", "以下": "<=", "以内": "<=", "左右": "~", "上下": "~"}[m.group(1)], True
    if _PREFIX_EQ.search(before):
        return "=", True
    if _PREFIX_LE.search(before):
        return "<=", True
    if _PREFIX_ABOUT.search(before):
        return "~", True
    if _PREFIX_GE.search(before):
        return ">=", True
    # A count to build, add or cultivate, or a level to reach: at least that much.
    return ">=", False


def _name(chunk: str, after_noun: str) -> str:
    name = _LEAD_IN.sub("", chunk.replace(MASK, ""))
    name = _TAIL.sub("", name).strip(" ,、")
    if not name or _VERB_ONLY.match(name):
        name = after_noun
    elif after_noun.startswith("的") and len(name) <= 6:
        name = name + after_noun[1:]
    return name.strip(" ,、的")[:60]


def _noun_after(s: str, at: int) -> str:
    m = re.match(r"\s*(?:及以上|以上|以下|以内|左右)?\s*([^,;:，；。、!?！？\s" + MASK + r"]{0,30})", s[at:])
    noun = m.group(1) if m else ""
    # Up to the next target ("5家绿色工厂和3家…") or a trailing 等 / 落地 / 建设.
    noun = re.split(r"(?:和|及其|与)(?=\s*[\d两二三四五六七八九十])|及其|等|落地|建设$", noun)[0]
    return re.sub(r"(?:和|与|及)$", "", noun)


def extract(
    para: Text,
    masked: str,
    plan_year: int | None,
    strict: bool = False,
    target_column: bool = False,
    shared_year: int | None = None,
) -> list[dict]:
    """Indicators in one paragraph. `masked` is `para.s` with agency clauses and book
    titles replaced by MASK; `strict` (专栏 lines) keeps only numbers phrased as
    targets; `target_column` (the 量化目标 cell of a task table) holds only targets, so
    a bare "135.5万千瓦" there counts. `shared_year` is the year a list of targets
    was introduced with (到2025年，实现以下目标：), for targets that state none.

    Besides the rules above: a Chinese numeral that is part of a term (一次能源, 二次污染,
    a slogan in quotes such as “三个一批”) is no count; a total (总规模…以上, 累计…以上)
    is a target although it ends like a threshold; a measure followed by 以上的 / 以下的
    and a noun qualifies whom a task is for (年综合能耗1万吨标准煤以上的重点用能单位); a
    target repeated per unit (每个乡镇, 每年) keeps that unit in `per` and in its name."""
    s = masked
    lead_year = _PARAGRAPH_YEAR.match(s)
    found: list[dict] = []
    prev_end = 0
    for m in _MATCH.finditer(s):
        start, end = m.span()
        unit = m.group("unit")
        base = _base(unit)
        sentence = _last_stop(s, start, _SENTENCE_STOP)
        clause = _last_stop(s, start, _CLAUSE_STOP, sentence)
        before = s[clause:start]
        after = s[end : end + 20]

        if start and s[start - 1] in "第前":
            continue
        if not m.group("n1")[:1].isdigit() and (
            _TERM_AFTER.match(s, m.end("unit")) or _TERM_AFTER.match(s, m.end("n1")) or _quoted(s, start)
        ):
            continue
        if base in COUNT_UNITS and _COUNT_NOT_UNIT.match(after):
            continue
        if re.match(r"\s*[0-9A-Za-z]|\s*/", after):
            continue  # "2台35t/h锅炉", "100MW/200MWh": the spec of one installation
        measure = base not in COUNT_UNITS
        total = _TOTAL_BEFORE.search(before)
        if (
            measure
            and not total
            and (
                (_THRESHOLD_BEFORE.search(before) and re.match(r"\s*(?:及)?(?:以上|以下)", after))
                or _THRESHOLD_AFTER.match(after)
                or (_QUALIFYING.match(after) and not _MARKERS.search(before))
            )
        ):
            continue
        if _SPEC_BEFORE.search(before):
            continue
        if base in _DISTANCE and _ALONG.search(before):
            continue  # 长江沿线1公里: a distance that draws an area, not a length to build
        if measure and unit != "%" and _SPEC_AFTER.match(after) and not _TARGET_VERB_NEAR.search(before):
            continue
        if unit in MONEY_UNITS and (not _MONEY_OK.search(before) or _MONEY_BUDGET.search(before)):
            continue
        sentence_before = s[sentence:start]
        if _FACT.search(sentence_before) and not _FUTURE.search(before):
            continue
        facts_here = list(_FACT.finditer(before))
        if facts_here and not _PLAN_AFTER_FACT.search(before, facts_here[-1].end()):
            continue
        suffix = _SUFFIX_CMP.match(after)
        has_marker = (
            target_column
            or (not measure and (suffix or _COUNT_MARKERS.search(before)))
            or _MARKERS.search(before)
            or _IMMEDIATE_MARKER.search(before)
            or _TARGET_YEAR_PHRASE.search(sentence_before)
            or (suffix and not _THRESHOLD_AFTER.match(after))
            or PER.search(before)
        )
        if not has_marker:
            continue
        if strict and not (
            _TARGET_YEAR_PHRASE.search(sentence_before)
            or re.search(r"力争|确保|新增|累计|达到|年内|全年", before)
        ):
            continue

        year, baseline = _years(sentence_before)
        comparator, _explicit = _comparator(before, after)
        change = None
        if unit in ("%", "个百分点", "百分点") or baseline:
            if _DECREASE.search(before):
                change = "decrease"
            elif _INCREASE.search(before):
                change = "increase"
        if change is None:
            baseline = None
        if year is None and lead_year and sentence > 0:
            year = int(lead_year.group(1))  # "到2025年，A达到X。B达到Y。"
        if year is None and shared_year:
            year = shared_year
        if year is None and plan_year:
            year = plan_year
        found_per = list(PER.finditer(before))
        per = found_per[-1].group() if found_per else None

        # The verbatim fragment: from the clause (or a lead-in "到2025年," before it,
        # or the previous target in the same clause) to the end of this target.
        frag_start = clause
        if prev_end > clause:
            # A second target in the clause starts after the 、 / 和 that follows the
            # previous one: "培育5家绿色工厂、3家标杆企业".
            joint = max((i for i in range(prev_end, start) if s[i] in "、和及与"), default=None)
            frag_start = joint + 1 if joint is not None else prev_end
        if frag_start == clause and clause > sentence:
            prev_clause = _last_stop(s, clause - 1, _CLAUSE_STOP, sentence)
            if _LEAD_IN_CLAUSE.match(s[prev_clause : clause - 1]):
                frag_start = prev_clause
        while frag_start < start and s[frag_start] in " 、和及与" + MASK:
            frag_start += 1
        nxt = _MATCH.search(s, end)
        stop = re.compile(r"[,;:，；：。!?！？、\n" + MASK + r"]").search(s, end)
        frag_end = min(
            stop.start() if stop else len(s),
            nxt.start() if nxt else len(s),
            end + 40,
        )
        if nxt and nxt.start() == frag_end:
            # "…零碳工厂和 1家…": end before the connector that leads to the next one.
            while frag_end > end and s[frag_end - 1] in " 和及与":
                frag_end -= 1
        prev_end = end + (suffix.end() if suffix else 0)

        n1 = _number(m.group("n1"))
        n2 = _number(m.group("n2")) if m.group("n2") else None
        doubtful = unit in MONEY_UNITS or base in _DISTANCE or strict
        review = doubtful or year is None or (change is not None and baseline is None)
        chunk = s[max(clause, frag_start) : start]
        name = _name(PER.sub("", chunk), _noun_after(s, end)) or para.d[frag_start:start][-20:]
        if per and per not in name and not per.endswith(("年", "年度", "季度", "季", "月", "周")):
            name = (per + name)[:60]  # the unit of repetition is part of what is counted
        indicator = {
            "name": name,
            "target": n1,
            "target_max": n2,
            "unit": unit,  # folded: "％" and "%" are one unit
            "comparator": comparator,
            "year": year,
            "baseline_year": baseline,
            "change": change,
            "text": para.d[frag_start:frag_end].strip(),
            "borderline": doubtful,
            "span": list(para.span(frag_start, frag_end)),
            "review": bool(review),
        }
        if per:
            indicator["per"] = per
        if not any(i["text"] == indicator["text"] and i["target"] == n1 for i in found):
            found.append(indicator)
    return found


# A paragraph that opens with its target year: 到2025年，… / 力争到2030年，…
_PARAGRAPH_YEAR = re.compile(r"\s*(?:力争|确保|争取)?\s*(?:到|至)\s*(20\d{2})\s*年(?:底|末)?\s*[,，:：]")
# A line that introduces a list of targets for one year: 到2025年，实现以下目标：
LIST_YEAR = re.compile(r"(?:到|至)\s*(20\d{2})\s*年(?:底|末)?[^。;；]{0,30}[:：]\s*$")


def _quoted(s: str, at: int) -> bool:
    """Whether `at` lies inside a pair of quotation marks of its sentence: “三个一批”."""
    sentence = _last_stop(s, at, _SENTENCE_STOP)
    opened = s.count("“", sentence, at) + s.count("「", sentence, at)
    closed = s.count("”", sentence, at) + s.count("」", sentence, at)
    return opened > closed


def mask(para: Text, ranges: list[tuple[int, int]]) -> str:
    """`para.s` with the given ranges and every 《…》 replaced by MASK."""
    chars = list(para.s)
    for m in re.finditer(r"《[^《》]*》", para.s):
        ranges = [*ranges, m.span()]
    for a, b in ranges:
        chars[a:b] = MASK * (b - a)
    return "".join(chars)
