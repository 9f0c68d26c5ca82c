"""Key projects (重点项目) of a task: the items of its 专栏 boxes and the named projects its
text lists.

Plans write projects in a few ways, and these rules follow the ways, not any one document:

- a 专栏 box under a task: a title line ("专栏1 新能源重点项目"), then items, numbered or
  not, one a line or several separated by "；": "XX风电场：装机5万千瓦，2026年并网",
  "XX抽水蓄能电站，装机140万千瓦，总投资85亿元", "50MW/100MWh储能电站", "新建加氢站1座";
  a line may also group items under a heading ("风电项目：A风电场、B风电场");
- a list in the task text: "重点推进A项目、B项目、C项目", "加快推进A、B等项目建设";
- one named project in a sentence: "加快岳阳县筻口镇大塘村农光互补光伏项目建设". A name is
  only taken when it is a proper name — it starts with a place (镇, 村, 园区, …), carries
  its own size (100兆瓦) or is listed as a key project — so that "新能源发展项目",
  "一批重大项目" or "“两高”项目" stay words of the text.

From each item: the name as written (the verb before it and a count after it removed),
the place it starts with, the first capacity with its unit (万千瓦, 兆瓦/MW, MWh, 座,
公里, 万平方米 …; "50MW/100MWh" keeps both in `capacity_text`), the year it is to be
finished (2026年并网/建成/投产) or started (2025年开工), and the planned investment in
万元 (总投资85亿元 → 850000).

Pure Python, like the rest of the parser.
"""

from __future__ import annotations

import re

from .labels import find_label
from .textmap import _TRANSLATE

_NUM = r"(\d+(?:\.\d+)?)"
# Capacity units, longest first so 万千瓦时 is not read as 万千瓦. 千伏 (a voltage) is none.
_UNITS = (
    "万千瓦时|万千瓦|千瓦时|千瓦|兆瓦时|兆瓦|吉瓦|兆伏安|千伏安|MWh|MWp|MW|GWh|GW|kWh|kW|KW|MVA|"
    "万平方米|平方米|公里|千米|km|万吨|吨|万立方米|座|个|处|台|套|辆|户|亩"
)
CAPACITY = re.compile(rf"{_NUM}\s*({_UNITS}|兆(?!伏|帕|赫))")
# A capacity pair of power and energy: 50MW/100MWh, 5万千瓦/10万千瓦时.
PAIR = re.compile(rf"{_NUM}\s*({_UNITS}|兆)\s*/\s*{_NUM}\s*({_UNITS})")
INVESTMENT = re.compile(
    rf"(?:总投资|计划投资|估算投资|投资总额|投资额|投资)(?:约为|约|达到|达|为|近|超)?\s*{_NUM}\s*(亿元|万元|亿|万)"
)
FINISH = re.compile(
    r"(20\d\d)\s*年(?:底|年底|末|年末|上半年|下半年|\d{1,2}月(?:底)?)?(?:前|内)?(?:全面|全部|全容量|基本|实现|正式|)?"
    r"(?:建成|并网|投产|投运|竣工|完工|完成|运营|通车|通气|运行|落地)"
)
START = re.compile(
    r"(20\d\d)\s*年(?:底|年底|上半年|下半年|\d{1,2}月)?(?:前|内)?(?:全面|正式|)?(?:开工|动工|启动建设|启动)"
)
PERIOD = re.compile(r"(?:建设期|建设周期|建设年限|实施期限)?\s*(20\d\d)\s*[-—–~至到]\s*(20\d\d)\s*年")

# Places a proper name starts with; the stem excludes words such as 农村, 城乡, 全县, 园区 alone.
_PLACE_TOKEN = (
    r"[\u4e00-\u9fff]{1,10}?(?:省|市|县|区|镇|乡|村|街道|社区|园区|开发区|高新区|经开区|工业园|产业园|新区)"
)
PLACE = re.compile(rf"(?:{_PLACE_TOKEN})+")
_GENERIC_PLACE = re.compile(
    r"^(?:农|乡|城|城乡|全|各|本|该|新|老|园|社|街|小|山|城镇|县|市|区|镇|乡村|农村|景区|重点|示范|工业)"
)
# Facilities a project builds: a name holding one of them is a project, not a category.
FACILITY = re.compile(
    r"电站|电厂|风电场|光伏|风电|储能|抽水蓄能|加氢站|加气站|充电站|换电站|变电站|输变电|线路|管道|管网|"
    r"公路|铁路|大道|大桥|码头|港|场|厂|馆|中心|基地|园|小区|工程|一期|二期|三期"
)
# Fields of work: "光伏项目", "新能源重点工程" head a box's lines and are no project.
SECTOR = re.compile(
    r"(?:新能源|可再生能源|清洁能源|能源|光伏|风电|储能|氢能|电网|电力|交通|工业|建筑|节能|降碳|减排|"
    r"循环经济|生态|碳汇|农业|城乡建设|基础设施|天然气|生物质|水电|充电|绿色|低碳|环保|领域|[、和及与])+"
)
# A project "name" that is a kind of project, said of many: never one project.
GENERIC = re.compile(
    r"^(?:一批|一些|各类|各种|有关|相关|重点|重大|一大批|这些|上述|其他|其它|更多|新|新型|各)"
    r"|[“”\"\"《》]|等|及其|以及|和|与|或"
)
# Verbs (and their adverbs) a name follows in a sentence or an item.
_VERB = re.compile(
    r"^(?:(?:重点|加快|积极|全力|有序|大力|稳步|持续|力争|力促|争取|全面|着力|继续|尽快|协调|支持|鼓励|启动|谋划|"
    r"推进|推动|实施|建设|新建|建成|续建|改建|扩建|开工|开展|完成|打造|布局|开发|发展|实现|做好|抓好|保障|促进|"
    r"加强|深化|提升|完善|优化|强化|规范|落实)"
    r"[\s、]*)+"
)
_TAIL = re.compile(r"(?:建设|前期工作|开工建设|尽快开工建设|落地|投产|并网)+$")
_COUNT_TAIL = re.compile(rf"\s*{_NUM}\s*(座|个|处|台|套)$")
_HEAD_COUNT = re.compile(rf"^{_NUM}\s*(座|个|处|台|套)")
# What is said of one project after its name: when it starts or is finished.
SCHEDULED = re.compile(
    r"\s*(?:尽快|加快|早日|年内|按期|如期|确保|力争)+(?:开工|建成|投产|并网|竣工|落地|完工)"
)
# A key-project list in the text: its items are projects even without a place.
KEY_LIST = re.compile(
    r"重点(?:推进|实施|建设|打造|抓好|推动)|加快推进|(?:[\u4e00-\u9fff]{0,4})等(?:重点|重大)?项目"
)
BOX_TITLE = re.compile(r"^\s*[\[【(]?\s*专栏\s*[\d一二三四五六七八九十]*\s*[\]】)]?\s*[:：]?\s*")


def fold(s: str) -> str:
    return s.translate(_TRANSLATE)


def box_projects(lines: list[str]) -> list[dict]:
    """The projects of a task's 专栏 boxes, from their paragraphs (each box's title line
    first). A line that only names a kind of project (a sub-heading) gives none."""
    out: list[dict] = []
    for line in lines:
        text = line.strip()
        title = BOX_TITLE.match(fold(text))
        if title and "专栏" in text[: title.end()]:
            rest = text[title.end() :]
            # "专栏2 重点项目：A、B、C" carries its items after the title.
            head, sep, tail = _split_colon(rest)
            if sep and tail:
                out.extend(_group(tail))
            continue
        label = find_label(fold(text))
        if label is not None:
            text = text[label.end :].strip()
        for piece in re.split(r"[；;]\s*|。\s*(?=\S)", text):
            out.extend(_item(piece.strip().rstrip("。；;，,")))
    return unique(out)


def text_projects(text: str) -> list[dict]:
    """The named projects of a task's own text (not its boxes)."""
    out: list[dict] = []
    folded = fold(text)
    for m in re.finditer(r"[^。;；!?！？]+", folded):
        sentence, display = m.group(), text[m.start() : m.end()]
        key_list = bool(KEY_LIST.search(sentence))
        for clause_m in re.finditer(r"[^,，:：]+", sentence):
            clause = display[clause_m.start() : clause_m.end()]
            if "项目" not in clause and not (key_list and "、" in clause):
                continue
            out.extend(_clause_projects(clause, key_list))
    return unique(out)


def _clause_projects(clause: str, key_list: bool) -> list[dict]:
    """The projects of one clause: 重点推进A项目、B项目 / 加快推进A、B等项目建设 / 加快X项目建设."""
    found = []
    body = clause
    tail_list = re.search(r"等(?:重点|重大)?(?:项目|工程)", body)
    if tail_list:
        body = body[: tail_list.start()]
    items = body.split("、")
    for raw in items:
        piece, scheduled = raw.strip(), False
        if not tail_list:
            at = piece.rfind("项目")
            if at < 0:
                continue
            # "力促X项目尽快开工建设": a date to keep is said of one project, never of a kind.
            scheduled = bool(SCHEDULED.match(piece[at + 2 :]))
            piece = piece[: at + 2]
        name = _clean_name(piece)
        if not name or len(name) < 4 or GENERIC.search(name):
            continue
        listed = key_list and (tail_list is not None or len(items) > 1)
        if not (_place_of(name) or CAPACITY.search(name) or scheduled or (listed and FACILITY.search(name))):
            continue
        found.append(_describe(name, raw))
    return found


def _group(text: str) -> list[dict]:
    out = []
    for piece in re.split(r"[、；;]", text):
        out.extend(_item(piece.strip().rstrip("。，,")))
    return out


def _item(text: str) -> list[dict]:
    if not text:
        return []
    head, sep, tail = _split_colon(text)
    if sep and tail:
        parts = [p.strip() for p in re.split(r"[、；;]", tail) if p.strip()]
        # "风电项目：A风电场、B风电场" — a heading with items; "A风电场：装机5万千瓦" — an item.
        grouped = len(parts) > 1 or _is_category(_clean_name(head))
        if parts and grouped and all(_looks_like_name(p) for p in parts):
            return [p for part in parts for p in _item(part)]
        name = _clean_name(head)
        return [_describe(name, text)] if name and not _is_category(name) else []
    first = re.split(r"[，,(（]", text, maxsplit=1)[0]
    name = _clean_name(first)
    if not name or _is_category(name, text) or not _looks_like_project(name, text):
        return []
    return [_describe(name, text)]


def _split_colon(text: str) -> tuple[str, str, str]:
    m = re.search(r"[:：]", text)
    if not m or m.start() > 40:
        return text, "", ""
    return text[: m.start()].strip(), text[m.start()], text[m.end() :].strip()


def _clean_name(text: str) -> str:
    name = text.strip().strip("“”\"'《》 ")
    name = _VERB.sub("", name)
    name = _HEAD_COUNT.sub("", name)
    name = _COUNT_TAIL.sub("", name)
    if not name.endswith(("项目", "工程")):
        name = _TAIL.sub("", name)
    else:
        name = re.sub(r"(?<=项目|工程)(?:建设|前期工作)+$", "", name)
    return name.strip("，,。 ")


def _looks_like_name(text: str) -> bool:
    name = _clean_name(re.split(r"[，,(（]", text, maxsplit=1)[0])
    return (
        bool(name)
        and not GENERIC.search(name)
        and bool(FACILITY.search(name) or _place_of(name) or CAPACITY.search(name) or name.endswith("项目"))
    )


def _looks_like_project(name: str, text: str) -> bool:
    """A box line that names something built ("加强统筹协调" is a sentence, not a project)."""
    folded = fold(text)
    return bool(
        FACILITY.search(name)
        or name.endswith(("项目", "工程"))
        or _place_of(name)
        or CAPACITY.search(folded)
        or INVESTMENT.search(folded)
        or FINISH.search(folded)
    )


def _is_category(name: str, text: str = "") -> bool:
    """A sub-heading of a box ("新能源项目", "（一）能源重点工程"), not a project: no place,
    no size, no facility, and nothing said about it."""
    if _place_of(name) or CAPACITY.search(text or name) or INVESTMENT.search(text):
        return False
    stem = re.sub(r"(?:重点|重大)?(?:项目|工程|建设)(?:清单|库|类)?$", "", name)
    if stem != name and (not FACILITY.search(stem) or SECTOR.fullmatch(stem)):
        return True
    return len(name) < 3


def _place_of(name: str) -> str | None:
    m = PLACE.match(name)
    if not m:
        return None
    # Keep the leading place words that are names, not 农村 or 城乡.
    tokens = re.findall(_PLACE_TOKEN, m.group())
    kept = []
    for token in tokens:
        if (_GENERIC_PLACE.match(token) and len(token) <= 3) or token.endswith(("农村", "乡村", "城乡")):
            break
        kept.append(token)
    place = "".join(kept)
    if place and name[len(place) : len(place) + 1] == "区":
        place += "区"  # 产业园区: the lazy token stopped at 产业园
    return place if place and len(place) < len(name) else None


def _describe(name: str, text: str) -> dict:
    folded = fold(text)
    project: dict = {"name": name}
    location = _location(name, folded, text)
    if location:
        project["location"] = location
    pair = PAIR.search(folded)
    cap = CAPACITY.search(folded)
    if pair and (not cap or pair.start() <= cap.start()):
        project["capacity"] = _number(pair.group(1))
        project["unit"] = _unit(pair.group(2))
        project["capacity_text"] = text[pair.start() : pair.end()]
    elif cap:
        project["capacity"] = _number(cap.group(1))
        project["unit"] = _unit(cap.group(2))
    year = FINISH.search(folded)
    start = START.search(folded)
    period = PERIOD.search(folded)
    if year:
        project["year"] = int(year.group(1))
    elif period:
        project["year"] = int(period.group(2))
    if start:
        project["start_year"] = int(start.group(1))
    elif period:
        project["start_year"] = int(period.group(1))
    money = INVESTMENT.search(folded)
    if money:
        amount = float(money.group(1)) * (10000 if money.group(2).startswith("亿") else 1)
        project["investment"] = _number(str(round(amount, 2)))
    if text.strip() != name:
        project["text"] = text.strip()
    return project


def _location(name: str, folded: str, text: str) -> str | None:
    m = re.search(r"(?:位于|建设地点[:：]?|地点[:：]|选址(?:于|在)?)\s*([^,，;；。(（)）]{2,20})", folded)
    if m:
        return text[m.start(1) : m.end(1)].strip()
    return _place_of(name)


def _unit(unit: str) -> str:
    return "兆瓦" if unit == "兆" else unit


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def unique(projects: list[dict]) -> list[dict]:
    seen, out = set(), []
    for p in projects:
        if p["name"] in seen:
            continue
        seen.add(p["name"])
        out.append(p)
    return out
