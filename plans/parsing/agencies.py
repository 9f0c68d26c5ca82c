"""Responsible agencies as a plan writes them: 牵头 (lead) and 配合 (support).

Forms handled (SCHEMA.md rules):
  （县发改局牵头，县工信局、县住建局配合）
  [县发改局、县工信局牵头,园区管委会和各乡镇人民政府配合(以下任务均需…配合,不再重复列出)]
  （牵头单位：县发改局；配合单位：县工信局）
  （县发改局、县工信局、县住建局按职责分工负责）   -> lead inferred: the first one
  县发改局牵头，县工信局按职责分工负责。           -> a bare closing sentence
Names are kept as written, with 等 / 等部门 / 按职责分工负责 removed. Resolving them to
agencies of a region happens elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textmap import Text

_OPEN = "([【〔{"
_CLOSE = ")]】〕}"

# What an agency's name ends with: 局 委 办 部 中心 公司 政府 分行 园区 高新区 党校 …
AGENCY_SUFFIX = re.compile(
    r"(?:局|委|办|厅|部|院|会|中心|公司|集团|政府|办事处|街道|乡镇|行|社|所|站|队|处|室|馆|校|署|"
    r"园区|高新区|开发区|经开区|新区|试验区|示范区|团|联|台|场|厂|协会|商会)$"
)
# Words that name nobody in particular; they are dropped rather than resolved.
_GENERIC = re.compile(
    r"^(?:县直|市直|省直|区直)?(?:及驻[县市区])?(?:各)?(?:有关|相关|其他|其它)?(?:各)?(?:成员)?"
    r"(?:单位|部门|部门单位|单位部门|方面|责任单位)$"
)

# Role keywords. Prefix forms ("牵头单位：") assign the names that follow; suffix forms
# ("…牵头", "…配合") assign the names that precede.
_ROLE = re.compile(
    r"""
      (?P<pre_lead>(?:牵头|主办|主责|责任牵头)(?:单位|部门)\s*[:])
    | (?P<pre_sup>(?:配合|协办|参与|协同|协助)(?:单位|部门)\s*[:])
    | (?P<pre_list>(?:责任|实施|承办|主体)(?:单位|部门)\s*[:])
    | (?P<lead>(?:为|是)?(?:负责)?牵头(?:单位|部门)?(?:负责|实施|推进|落实|抓总)?)
    | (?P<sup>(?:为|是)(?:配合|参与|协办)(?:单位|部门)
        |(?:按照?|根据)(?:各自)?(?:职责|职能)(?:分工)?(?:负责|落实|推进|抓好落实|做好)?|按分工(?:负责|落实)
        |(?:分工|分别|共同|协同|具体)(?:负责|推进|落实)|配合(?:实施|落实|推进)?|参与|协助|协同)
    | (?P<resp>负责(?:落实|实施|推进)?|(?:为|是)责任(?:单位|部门))
    """,
    re.X,
)
# "县发改局（牵头）、县工信局": a lead marked inside the list.
_LEAD_MARK = re.compile(r"[(（]\s*牵头\s*[)）]")
_NOT_AGENCY_FIELD = re.compile(
    r"(?:(?:牵头|责任|联系|分管|包联|挂帅)(?:县|市|区)?(?:级)?领导|(?:完成|办结)?(?:时限|时间|期限)|备注)\s*:[^;)\]】]*"
)
_PREFIX_ROLES = {"pre_lead": "lead", "pre_sup": "sup", "pre_list": "list"}

# "以下任务均需X和Y配合,不再重复列出": X and Y support this task and every later one.
_STANDING = re.compile(
    r"(?:以下|下列|后续|其余)(?:各项|所有|全部)?(?:任务|工作|事项|内容)?(?:均|都|皆|全部|统一)?"
    r"(?:需要|需|由|要|应|请)?(?P<names>[^()\[\]【】。]{2,200}?)(?:共同)?(?:配合|参与|协助|按职责分工负责|负责)"
    r"\s*[,;]?\s*(?:(?:均不再|不再|不)(?:重复|一一|逐一|单独)?(?:列出|列举|标注|注明|说明))?"
)
# "…各乡镇人民政府配合，下同": the names before 下同 stand for the later tasks too.
_SAME_BELOW = re.compile(r"(?P<names>[^,;()\[\]]{2,120}?)(?:配合|参与|协助|负责)\s*[,;]?\s*下同")

# Separators that always split a list, and connectors (和 及 与 …) that split only
# between two complete names: 市工业和信息化局 is one agency, 管委会和各乡镇人民政府 two.
_SEPARATORS = set("、,;/")
_CONNECTORS = re.compile(r"以及|会同|和|及|与|\s+")
_TRIM_HEAD = re.compile(r"^(?:由|请|会同|其中|包括|以及|和|及)+")
_TRIM_TAIL = re.compile(
    r"(?:等(?:相关|有关)?(?:部门|单位|成员单位|部门单位)?|按照?职责(?:分工)?负责|分工负责|分别负责|共同负责|"
    r"具体落实|具体负责|组织实施|共同推进|负责|配合|参与|牵头|推进|落实|实施)+$"
)


@dataclass
class Assignment:
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    explicit: bool = False  # a 牵头 (or 牵头单位) names the lead
    standing: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lead or self.support)


@dataclass
class Clause:
    start: int  # offsets within the paragraph Text the clause was found in
    end: int
    assignment: Assignment


def bracket_groups(s: str) -> list[tuple[int, int]]:
    """Outermost balanced bracket groups as [start, end) including the brackets.
    Full- and half-width brackets are mixed freely in real documents, so any closer
    closes any opener."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    return groups


def _split_top(s: str) -> list[tuple[int, int]]:
    """Ranges of `s` between separators outside brackets (各县（市、区）人民政府 stays whole)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif depth == 0 and ch in _SEPARATORS:
            parts.append((start, i))
            start = i + 1
    parts.append((start, len(s)))
    return parts


# Marks set before a name in a list: ※县发改局, ★县财政局, +县统计局, ①县住建局, 1.县林业局.
_LEAD_MARKS = re.compile(
    r"^(?:[+＋※▲△★☆●○◆◇■□◎√✓*#·•▪►▶\-—]+|[①-⑳]|[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．、)）](?!\d))\s*"
)


def clean_name(name: str) -> str:
    name = name.strip(" \t\u3000\"“”'‘’。.，,；;：:")
    name = _LEAD_MARKS.sub("", name)
    name = _TRIM_HEAD.sub("", name)
    name = _TRIM_TAIL.sub("", name).strip(" \t\u3000")
    name = name.rstrip("（([【 ").lstrip("）)]】 ")
    # A bracket left open or closed by a cut: drop it.
    if name and name[0] in "（([【" and not any(c in name for c in ")）]】"):
        name = name[1:]
    if name and name[-1] in "）)]】" and not any(c in name for c in "（([【"):
        name = name[:-1]
    return name.strip()


def _split_connectors(name: str) -> list[str]:
    for m in _CONNECTORS.finditer(name):
        left, right = clean_name(name[: m.start()]), clean_name(name[m.end() :])
        if len(left) >= 3 and AGENCY_SUFFIX.search(left) and len(right) >= 2:
            return [left, *_split_connectors(right)]
    return [name]


def split_names(d: str, s: str) -> list[str]:
    """Agency names in a list fragment, as written (`d`), split where `s` separates."""
    names = []
    for a, b in _split_top(s):
        for piece in _split_connectors(clean_name(d[a:b])):
            piece = clean_name(piece)
            if piece and not _GENERIC.match(piece):
                names.append(piece)
    return names


def _unique(names):
    seen, out = set(), []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def standing_names(content: Text) -> tuple[list[str], list[tuple[int, int]]]:
    """Names a standing clause adds to later tasks, and the ranges of `content` that
    are the clause itself (to leave out when reading this task's own roles)."""
    names, cut = [], []
    for m in _STANDING.finditer(content.s):
        a, b = m.span("names")
        names += split_names(content.d[a:b], content.s[a:b])
        cut.append(m.span())
    for m in _SAME_BELOW.finditer(content.s):
        a, b = m.span("names")
        names += split_names(content.d[a:b], content.s[a:b])
    return _unique(names), cut


def parse_clause(content: Text) -> Assignment:
    """Read the roles in the text of one agency clause (brackets already removed)."""
    standing, cut = standing_names(content)
    s, d = content.s, content.d
    if cut:
        # Blank the standing clause (and the bracket pair around it, if any) so its
        # names count only through `standing`.
        chars = list(s)
        for a, b in cut:
            while a > 0 and chars[a - 1] in _OPEN + " ":
                a -= 1
            while b < len(chars) and chars[b] in _CLOSE + " ":
                b += 1
            chars[a:b] = ";" * (b - a)
        s = "".join(chars)

    # Fields that name no agency: the leader in charge, the deadline.
    s = _NOT_AGENCY_FIELD.sub(lambda m: ";" * len(m.group()), s)

    # "X（牵头）、Y" reads as "X牵头;、Y" (same length, so `s` and `d` stay aligned).
    marks = {m.end() - 3 for m in _LEAD_MARK.finditer(s)}
    s = _LEAD_MARK.sub(lambda m: " " * (len(m.group()) - 3) + "牵头;", s)
    tokens = [(m.start(), m.end(), m.lastgroup) for m in _ROLE.finditer(s)]
    pieces: list[tuple[str, list[str]]] = []  # (role, names) in document order
    bounds = [(0, 0, None), *tokens, (len(s), len(s), None)]
    for (_, prev_end, prev_kind), (next_start, _, next_kind) in zip(bounds, bounds[1:], strict=False):
        gap_s, gap_d = s[prev_end:next_start], d[prev_end:next_start]
        if not gap_s.strip(" ,;:"):
            continue
        prefix_role = _PREFIX_ROLES.get(prev_kind or "")
        suffix_role = next_kind if next_kind in ("lead", "sup", "resp") else None
        if suffix_role == "lead" and next_start in marks:
            # "X、Y（牵头）、Z": the mark names only the agency right before it.
            cut = max((k for k, ch in enumerate(gap_s) if ch in "、,;/"), default=None)
            if cut is not None and gap_s[:cut].strip(" ,;:、"):
                pieces.append((prefix_role or "rest", split_names(gap_d[:cut], gap_s[:cut])))
                gap_s, gap_d = gap_s[cut + 1 :], gap_d[cut + 1 :]
        cut_at = min((i for i, ch in enumerate(gap_s) if ch in ",;"), default=None)
        if prefix_role and suffix_role and cut_at is not None:
            # "牵头单位：X，Y配合": X to the prefix role, the rest to the suffix role.
            pieces.append((prefix_role, split_names(gap_d[:cut_at], gap_s[:cut_at])))
            pieces.append((suffix_role, split_names(gap_d[cut_at:], gap_s[cut_at:])))
        elif prefix_role and suffix_role == "lead":
            # "责任单位：X（牵头）": the mark names the lead.
            pieces.append(("lead", split_names(gap_d, gap_s)))
        else:
            pieces.append((prefix_role or suffix_role or "rest", split_names(gap_d, gap_s)))

    leads = _unique(n for role, names in pieces if role == "lead" for n in names)
    others = _unique(n for role, names in pieces if role != "lead" for n in names)
    if leads:
        result = Assignment(leads, [n for n in others if n not in leads], explicit=True)
    elif others:
        result = Assignment(others[:1], others[1:], explicit=False)
    else:
        result = Assignment()
    result.standing = standing
    if standing:
        result.support = _unique(result.support + [n for n in standing if n not in result.lead])
    return result


def _agency_like(a: Assignment) -> bool:
    names = a.lead + a.support
    if not names:
        return False
    hits = sum(1 for n in names if AGENCY_SUFFIX.search(n))
    return hits * 2 >= len(names) and all(len(n) <= 40 for n in names)


# What may follow a task's closing agency list: the end of the paragraph.
_TRAILING = re.compile(r"[\s。.;；]*")
# An administrative or organisational start that a name of an agency has and a noun
# phrase in brackets (（含工业园区）, （试点示范区）) has not.
_AGENCY_START = re.compile(
    r"^(?:[县市区州省乡镇旗]|各|中共|共青团|国网|国家|中国"
    r"|[\u4e00-\u9fff]{2,4}(?:县|市|镇|乡|街道|(?<![园社小景城片厂校矿山库林郊])区))"
)
_NOT_A_NAME = re.compile(r"[的含如括或\d%％]|包括|其中|以上|以下|左右|详见|参见")


def bare_list(inner: Text) -> Assignment | None:
    """A bracketed list of agencies with no role word, closing a task: “（县政府办、县财政
    局、县统计局）”. Read as a 责任单位 list: the first leads (inferred), the others
    support. Anything else in brackets (an example, a scope, a note) is not a list."""
    if any(not inner.s[a:b].strip() for a, b in _split_top(inner.s)):
        return None
    parts = split_names(inner.d, inner.s)
    if not parts:
        return None
    for name in parts:
        if len(name) < 3 or len(name) > 30 or not AGENCY_SUFFIX.search(name) or _NOT_A_NAME.search(name):
            return None
    if not any(_AGENCY_START.search(name) for name in parts):
        return None  # not one name of an office of a region: a list of things
    return Assignment(parts[:1], parts[1:], explicit=False)


_LABELLED = re.compile(r"(?:牵头|主办|主责|责任|配合|协办|参与)(?:单位|部门)\s*:")
_SENTENCE_END = re.compile(r"[。!?！？]")


def find_clauses(para: Text) -> list[Clause]:
    """Agency clauses in one paragraph, in order."""
    s = para.s
    clauses: list[Clause] = []
    taken: list[tuple[int, int]] = []
    for a, b in bracket_groups(s):
        inner = para[a + 1 : b - 1]
        if not _ROLE.search(inner.s) and not _STANDING.search(inner.s):
            bare = bare_list(inner) if _TRAILING.fullmatch(s[b:]) else None
            if bare:
                clauses.append(Clause(a, b, bare))
                taken.append((a, b))
            continue
        assignment = parse_clause(inner)
        if _agency_like(assignment) or (assignment.standing and not assignment):
            clauses.append(Clause(a, b, assignment))
            taken.append((a, b))

    def free(i: int) -> bool:
        return not any(a <= i < b for a, b in taken)

    # 牵头单位：…；配合单位：… written out, up to the end of the sentence.
    for m in _LABELLED.finditer(s):
        if not free(m.start()):
            continue
        end_m = _SENTENCE_END.search(s, m.end())
        end = end_m.end() if end_m else len(s)
        assignment = parse_clause(para[m.start() : end])
        if _agency_like(assignment):
            clauses.append(Clause(m.start(), end, assignment))
            taken.append((m.start(), end))

    # A bare closing sentence: "县发改局牵头，县工信局按职责分工负责。"
    ends = [m.end() for m in _SENTENCE_END.finditer(s)]
    body_end = len(s.rstrip())
    last_start = 0
    for e in ends:
        if e < body_end:
            last_start = e
    sentence = para[last_start:body_end]
    if sentence and free(last_start) and len(sentence) <= 300 and _ROLE.search(sentence.s):
        assignment = parse_clause(sentence.strip())
        names = assignment.lead + assignment.support
        if names and all(AGENCY_SUFFIX.search(n) and len(n) <= 30 for n in names):
            clauses.append(Clause(last_start, body_end, assignment))
    clauses.sort(key=lambda c: c.start)
    return clauses


def merge(assignments: list[Assignment]) -> Assignment:
    """One task's roles from all its clauses (a task with sub-items may carry several)."""
    assignments = [a for a in assignments if a]
    if not assignments:
        return Assignment()
    explicit = [a for a in assignments if a.explicit]
    lead = _unique(n for a in (explicit or assignments[:1]) for n in a.lead)
    support = _unique(n for a in assignments for n in a.lead + a.support if n not in lead)
    return Assignment(lead, support, explicit=bool(explicit))
