"""Plan facts: title, region, level, document number, issue date, draft, plan year."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from .labels import cn_to_int
from .textmap import Text

_HAN = r"\u4e00-\u9fff"
# A plan's own title ends with one of these (optionally followed by a draft marker).
_TITLE_END = re.compile(
    r"(?:方案|计划|要点|规划|清单|意见|措施|办法|任务书|分解表)\s*(?:[(\[【]\s*(?:征求意见稿|送审稿|讨论稿|草案|试行)\s*[)\]】])?"
    r"\s*(?:[(]\s*20\d{2}\s*[-—–~至]+\s*20\d{2}\s*年?\s*[)])?\s*$"
)
_NOTICE = re.compile(r"关于印发|的通知\s*$|通知\s*$")
_DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草案")
_DRAFT_MARK = re.compile(r"\s*[（(【\[]\s*(?:征求意见稿|送审稿|讨论稿|草案)\s*[）)】\]]\s*$")
_META = re.compile(
    r"^(?:索引号|统一登记号|发布机构|发文机关|信息状态|生效日期|信息时效期|公开方式|公开范围|文号|发文字号|"
    r"来源|信息来源|发布时间|发布日期|成文日期|浏览量|浏览次数|主题分类|体裁分类)\s*:"
)

# 岳县政发〔2024〕2号; brackets vary: 〔〕 [] 【】 ().
_DOC_NO = re.compile(rf"[{_HAN}]{{1,12}}\s*[〔\[【(]\s*(?:19|20)\d{{2}}\s*[〕\]】)]\s*\d{{1,4}}\s*号")
_DATE_NUM = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_DATE_CN = re.compile(
    r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
_DATE_LABELLED = re.compile(r"(?:成文日期|发文日期|签发日期|印发日期)\s*:\s*")
_DATE_WEB = re.compile(
    r"(?:发布时间|发布日期|公布日期|生效日期|日期|来源[^:\n]{0,30})\s*:?\s*(?=(?:19|20)\d{2}\s*[-/.年])"
)

# Admin units, longest suffix first so 自治县 wins over 县.
_UNIT = re.compile(rf"[{_HAN}]{{1,7}}?(?:自治区|自治州|自治县|特别行政区|省|市|州|盟|地区|县|区|旗)")
_LEVEL_OF_SUFFIX = [
    (("自治区", "省"), "province"),
    (("自治州", "地区", "市", "州", "盟"), "city"),
    (("自治县", "县", "区", "旗"), "county"),
]
# Words that end like a region but are not one.
_NOT_REGION = re.compile(
    r"(?:城区|市区|园区|社区|景区|小区|街区|校区|厂区|片区|山区|库区|湖区|矿区|林区|牧区|灾区|辖区|郊区|"
    r"示范区|高新区|开发区|保护区|功能区|核心区|集聚区|先行区|试验区|自贸区|风景区|城市|都市|超市|上市|"
    r"县市|市县|县区|区县|各省|全省|全市|全县|全区|本市|本县|本区|我市|我县|我区|该县|该市)$"
)
_ISSUER = re.compile(
    rf"(?:中共)?([{_HAN}]{{2,8}}?(?:自治区|自治州|自治县|省|市|州|盟|县|区|旗))"
    r"(?:人民政府|政府办公室|委员会|委|发展和改革|发改|碳达峰)"
)


def is_meta_line(s: str) -> bool:
    """A web page's field line (发布机构：…, 信息来源：…)."""
    return bool(_META.match(s.strip()))


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _date_at(s: str, at: int = 0) -> str | None:
    m = _DATE_NUM.match(s, at)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DATE_CN.match(s, at)
    if m:
        digits = "".join(str("〇一二三四五六七八九".find(c) if c not in "○零" else 0) for c in m.group(1))
        return _iso(int(digits), cn_to_int(m.group(2)), cn_to_int(m.group(3)))
    return None


def level_of(region: str | None) -> str | None:
    if not region:
        return None
    for suffixes, level in _LEVEL_OF_SUFFIX:
        if region.endswith(suffixes):
            return level
    return None


# After 县/市/区 these make a common word (县城, 县域, 市场, 区域), not a region name.
_COMMON_AFTER = set("城域级乡区市镇场民直属内外长委政人财管情")
_NOT_IN_REGION_NAME = re.compile(
    "[副管推进加强实开展完善提升促动建设改造治理落保护发现各全本我该对由从在与及和的]"
)
_NOT_IN_NAME = re.compile(
    "[的和与及对在为以全本我各该关于推进加快实施落实好点年度工作方案行动计划碳达峰绿色低能源]"
)


def _region_prefix(title: str) -> str | None:
    """岳阳县碳达峰实施方案 -> 岳阳县; 湖南省岳阳市… -> 岳阳市 (the most local unit)."""
    region, at = None, 0
    title = re.sub(r"^中共", "", title)
    while True:
        m = _UNIT.match(title, at)
        if not m:
            break
        # 郴州市, 青州市: a name may itself end in a suffix character.
        end = m.end()
        while end < len(title) and title[end] in "市县区旗" and end - at < 8:
            end += 1
        unit = title[at:end]
        if len(unit) < 2 or re.fullmatch(_NOT_REGION.pattern, unit) or _NOT_IN_NAME.search(unit):
            break
        region, at = unit, end
    return region


def find_title(paras: list[Text], first_heading: int, raw: str) -> tuple[str, int | None]:
    """The plan's own title among the lines before the first numbered heading, and its
    paragraph index. Preference: the last standalone title line (after any covering
    notice), then the 《…》 inside a 关于印发…的通知 line."""
    best = None
    for i in range(min(first_heading, len(paras))):
        s = paras[i].s.strip()
        if len(s) > 70 or _META.match(s) or re.search(r"[,，。;；]", s):
            continue
        if _TITLE_END.search(s) and not _NOTICE.search(s):
            best = i
    if best is not None:
        title = paras[best].d.strip()
        prev = best - 1
        if prev >= 0:
            # A long title set on two lines: join the line directly above it.
            p = paras[prev]
            gap = raw[p.span()[1] : paras[best].span()[0]]
            ps = p.s.strip()
            if (
                gap.count("\n") == 1
                and len(ps) + len(title) <= 60
                and not re.search(r"[,，。;；:：)）\d]|通知$|政府$|办公室$", ps)
                and not _TITLE_END.search(ps)
            ):
                title = p.d.strip() + title
        return _tidy_title(title), best
    for i in range(min(first_heading, len(paras))):
        m = re.search(r"《([^《》]{4,60})》", paras[i].d)
        if m and _NOTICE.search(paras[i].s):
            return _tidy_title(m.group(1)), i
    for i in range(min(first_heading, len(paras))):
        s = paras[i].s.strip()
        if 4 <= len(s) <= 40 and not _META.match(s) and not re.search(r"[,，。;；:]", s):
            return _tidy_title(paras[i].d), i
    return "", None


# The caption of a plan's annex table after the plan's title: 《X方案》重点任务分工表.
_TABLE_CAPTION = re.compile(
    r"(?<=方案|计划|要点|意见|措施)》?\s*(?:的)?(?:重点)?(?:工作)?(?:任务|责任)(?:分工|分解|清单)(?:表|方案)?\s*$"
)


def _tidy_title(title: str) -> str:
    title = title.strip().strip("《》〈〉")
    title = _DRAFT_MARK.sub("", title)
    title = _TABLE_CAPTION.sub("", title)
    return title.strip().strip("《》")


def find_draft(title_para: Text | None, preamble: list[Text]) -> bool:
    if title_para is not None and _DRAFT.search(title_para.s):
        return True
    for para in preamble:
        s = para.s.strip()
        if len(s) <= 20 and _DRAFT.search(s):
            return True
        # 《…方案（征求意见稿）》 in a notice line, or the notice that asks for comments
        # (关于公开征求《…实施方案》意见的公告): the plan is still a draft.
        if len(s) <= 80 and not re.search(r"[。;；]", s):
            if re.search(r"[(\[【]\s*(?:征求意见稿|送审稿|讨论稿|草案)\s*[)\]】]", s):
                return True
            if re.search(r"关于(?:公开)?征求.{2,60}意见的", s):
                return True
    return False


def find_doc_number(preamble: list[Text]) -> str | None:
    """The plan's own 文号, not one of the documents it cites: a 文号: field, a line of
    its own, or one outside brackets in the header."""
    found = []
    for para in preamble:
        s = para.s
        for m in _DOC_NO.finditer(s):
            before = s[max(0, m.start() - 8) : m.start()]
            number = re.sub(r"\s+", "", para.d[m.start() : m.end()])
            if re.search(r"(?:文号|发文字号)\s*:\s*$", before):
                return number
            whole_line = not s[: m.start()].strip() and len(s[m.end() :].strip()) <= 2
            cited = (
                s[max(0, m.start() - 1) : m.start()] in ("(", "（", "《")
                or "》" in s[max(0, m.start() - 3) : m.start()]
            )
            if whole_line:
                found.insert(0, number)
            elif not cited and len(s) <= 40:
                found.append(number)
    return found[0] if found else None


def find_issued(paras: list[Text], body_end: int) -> str | None:
    for para in paras:
        m = _DATE_LABELLED.search(para.s)
        if m and (value := _date_at(para.s, m.end())):
            return value
    for para in paras[:body_end]:
        s = para.s.strip()
        if len(s) <= 20 and "印发" not in s:
            m = _DATE_NUM.fullmatch(s) or _DATE_CN.fullmatch(s)
            if m and (value := _date_at(s)):
                return value
    for para in paras:
        m = _DATE_WEB.search(para.s)
        if m and (value := _date_at(para.s, m.end())):
            return value
    return None


def _wording_level(s: str, agency_names: list[str]) -> str | None:
    counts = Counter()
    for level, words in (
        ("county", r"全县|本县|我县|县委|县政府|县人民政府|全区|本区|我区|区委|区政府|全旗"),
        ("city", r"全市|本市|我市|市委|市政府|市人民政府|全州|州委|州政府"),
        ("province", r"全省|本省|我省|省委|省政府|省人民政府|全区各地"),
    ):
        counts[level] += len(re.findall(words, s))
    for name in agency_names:
        first = name[:1]
        if first in "县区旗":
            counts["county"] += 2
        elif first in "市州":
            counts["city"] += 2
        elif first == "省":
            counts["province"] += 2
    if not counts or max(counts.values()) == 0:
        return None
    return counts.most_common(1)[0][0]


def _frequent_region(s: str, level: str) -> str | None:
    """The region of `level` the text names most: 平江县 from 落实平江县…, 平江分局, 美丽平江.
    Scored by the full name and, more weakly, by the bare name, which plans use on its
    own (平江高新区, 平江样板)."""
    suffixes = {"county": "县区旗", "city": "市州", "province": "省"}[level]
    names: Counter = Counter()
    for i, ch in enumerate(s):
        if ch not in suffixes or s[i + 1 : i + 2] in _COMMON_AFTER:
            continue
        for n in (2, 3, 4):
            base = s[i - n : i]
            if len(base) != n or not re.fullmatch(f"[{_HAN}]+", base):
                break
            if _NOT_IN_NAME.search(base) or _NOT_IN_REGION_NAME.search(base) or _NOT_REGION.search(base + ch):
                break
            names[base + ch] += 1
    if not names:
        return None
    scored = {name: 2 * count + s.count(name[:-1]) for name, count in names.items()}
    best = max(scored, key=lambda k: (scored[k], -len(k)))
    for name, score in sorted(scored.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(best) and len(name) > len(best) and score >= 0.8 * scored[best]:
            best = name
            break
    if scored[best] < 4:
        return None
    return best


# A 市 is either a prefecture-level city (its plan speaks to 各县市区) or a county-level
# one (its plan speaks to 各乡镇 / 街道办事处, and the 生态环境局 of its prefecture has a
# branch there). Known names settle the cities of the province these plans come from.
_PREFECTURE_CITIES = set("长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底".split())
_COUNTY_CITIES = set(
    "浏阳 宁乡 醴陵 湘乡 韶山 耒阳 常宁 武冈 邵东 汨罗 临湘 津市 沅江 资兴 洪江 冷水江 涟源 吉首".split()
)
_BELOW_PREFECTURE = re.compile(r"县市区|县\s*[(（]\s*市\s*[、,，]\s*区\s*[)）]|区县|县区|市县区|各县市")
_BELOW_COUNTY = re.compile(
    r"乡镇|各镇|街道办事处|乡\s*[(（]\s*镇|镇\s*[(（]\s*街道|生态环境局?[\u4e00-\u9fff]{2,4}分局"
)


def _city_level(region: str, text: str) -> str:
    name = region[:-1]
    if name in _PREFECTURE_CITIES:
        return "city"
    if name in _COUNTY_CITIES:
        return "county"
    below_prefecture = len(_BELOW_PREFECTURE.findall(text))
    below_county = len(_BELOW_COUNTY.findall(text))
    return "county" if below_county >= 2 and below_prefecture == 0 else "city"


def find_region(
    title: str, header: list[Text], text: str, agency_names: list[str], doc_number: str | None = None
) -> tuple[str | None, str | None]:
    """(region, level); a 市 may be county-level (see _city_level). A 文号 issued by a
    县 or 区 government (岳县政发, 岳楼区政办发) marks a county-level plan."""
    region, level = _find_region(title, header, text, agency_names)
    county_number = bool(doc_number and re.search(r"[县区旗]\S{0,3}发\s*[〔\[【(]", doc_number))
    if region and region.endswith("市") and level == "city":
        if county_number:
            return region, "county"
        level = _city_level(region, "\n".join([*(p.s for p in header), text]))
    if level is None and county_number:
        level = "county"
    return region, level


def _find_region(
    title: str, header: list[Text], text: str, agency_names: list[str]
) -> tuple[str | None, str | None]:
    """(region, level). The title's own region first, then the issuing office named in
    the header or signature, then the region the text keeps naming at the level its
    wording (全县 / 全市, 县… / 市… agencies) points to."""
    wording = _wording_level(text, agency_names)
    region = _region_prefix(title)
    if region:
        return region, level_of(region)
    issuers = []
    for para in header:
        for m in _ISSUER.finditer(para.s):
            # 岳阳市岳阳楼区人民政府: the most local unit issues.
            name = _region_prefix(m.group(1)) or m.group(1)
            if not _NOT_REGION.search(name):
                issuers.append(name)
    for name in issuers:
        if wording is None or level_of(name) == wording:
            return name, level_of(name)
    if wording:
        region = _frequent_region(text, wording)
        if region:
            return region, wording
    if issuers:
        return issuers[0], level_of(issuers[0])
    if wording in ("county", "city"):
        # Last resort: the bare name inside agency names, such as 市生态环境局平江分局
        # or 国网平江供电公司, completed with the suffix of the plan's level.
        bases = Counter()
        for name in agency_names:
            m = re.search(
                rf"(?:局|委)([{_HAN}]{{2,3}}?)(?:分局|支局|供电)|^([{_HAN}]{{2,3}}?)(?:高新区|经开区|工业园)",
                name,
            )
            base = m and (m.group(1) or m.group(2))
            if base and not _NOT_IN_REGION_NAME.search(base) and not re.search("[县市区省]", base):
                bases[base] += 1
        if bases:
            return bases.most_common(1)[0][0] + ("县" if wording == "county" else "市"), wording
    return None, wording


_ANNUAL = re.compile(r"年内|全年|今年|本年度|当年")
_LONG_TERM = re.compile(r"(?:到|至)\s*20\d{2}\s*年")
_YEAR = re.compile(r"(20\d{2})\s*年")


def _outside_book_titles(s: str) -> str:
    return re.sub(r"《[^《》]*》", lambda m: " " * len(m.group()), s)


def find_plan_year(title: str, s: str, issued: str | None) -> int | None:
    """The year an annual plan is for, else None. Annual: the title names one year
    (2026年工作要点), or the text speaks of 年内 / 全年 more than of 到20XX年 targets."""
    m = re.search(r"(20\d{2})\s*年(?!\s*[-—–~至到]\s*20\d{2})", title)
    if m and not re.search(r"20\d{2}\s*[-—–~至到]\s*(20\d{2})", title):
        return int(m.group(1))
    body = _outside_book_titles(s)
    annual = len(_ANNUAL.findall(body)) + (
        1 if re.search(r"工作要点|年度|任务实施方案|任务清单", title) else 0
    )
    if not annual or len(_LONG_TERM.findall(body)) > annual:
        return None
    weights: Counter = Counter()
    for m in _YEAR.finditer(body):
        before, after = body[max(0, m.start() - 3) : m.start()], body[m.end() : m.end() + 6]
        if re.search(r"[-—–~至到]\s*$", before) or re.match(r"\s*[-—–~至到]\s*20\d{2}", after):
            continue  # a range: 2026—2028年
        if re.search(r"[比较与从自]\s*$", before) or re.match(r"前|以来|起|为基", after):
            continue  # a baseline, a long-term deadline (2030年前) or a start
        strong = re.search(r"(?:确保|今年|力争)\s*$", before) or re.match(
            r"度|底|内|全年|目标任务|重点任务|工作", after
        )
        weights[int(m.group(1))] += 3 if strong else 1
    if issued:
        year, month = int(issued[:4]), int(issued[5:7])
        weights[year + 1 if month >= 11 else year] += 2
    if not weights:
        return None
    top = max(weights.values())
    return min(y for y, w in weights.items() if w == top)
