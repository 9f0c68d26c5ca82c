"""Bytes to text: UTF-8 (with or without BOM), GB18030/GBK, or .docx.

Word documents are read in body order, paragraphs and table cells alike, with the
numbers Word draws for automatic lists ("一、", "（一）", "1.") put back in front of
their paragraphs: without them the plan's structure would be invisible.
"""

from __future__ import annotations

import io
import re

from .errors import PlanParseError

_EMPTY = "文件为空，没有可读取的内容。"
_JUNK = (
    "文件内容无法识别为中文文本（可能是二进制文件、图片或已损坏的文件），请上传实施方案的 .docx 或文本文件。"
)
_ENCODING = "无法识别文件编码，请将文件另存为 UTF-8 或 GB18030（GBK）编码的文本文件，或 .docx 后再导入。"
_DOCX_BROKEN = "无法打开该 .docx 文件（文件可能已损坏，或并非 Word 文档），请用 Word 重新保存后再导入。"
_DOCX_NO_TEXT = "该 .docx 不含文字（可能是扫描图片），请上传含文字的版本或先做文字识别。"
_OLD_WORD = "暂不支持旧版 Word（.doc）或 WPS 格式，请另存为 .docx 或文本文件后再导入。"
_PDF = "暂不支持 PDF 文件，请导出为 .docx 或文本文件后再导入。"

# The most frequent Chinese characters: real text is mostly made of them, while binary
# data that happens to decode as GB18030 is mostly made of rare ones.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    "后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开"
    "它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
    "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
    "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门"
    "即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
    "带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段"
    "研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳"
    "便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京"
    "识适属圆包火住调满县局照参红细引听该铁价严龙飞碳排源能绿推动落施案牵头负责职配合环境态森源施"
    "，。、；：“”（）《》"
)


def decode_document(data: bytes, filename: str = "") -> str:
    """The text of an uploaded plan. Raises PlanParseError, in Chinese, for anything
    that is not a readable plan document."""
    if not data or not data.strip():
        raise PlanParseError(_EMPTY)
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return _decode_docx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PlanParseError(_OLD_WORD)
    if data.startswith(b"%PDF"):
        raise PlanParseError(_PDF)
    if name.endswith(".docx"):
        raise PlanParseError(_DOCX_BROKEN)
    text = _decode_text(data)
    _check_text(text)
    return text


def _decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    if b"\x00" in data:
        # UTF-16 without a byte order mark has a NUL in every other byte; anything
        # else with NULs is binary.
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _looks_chinese(text):
                return text
        raise PlanParseError(_JUNK)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    # A stray bad byte (a file cut short, a pasted fragment in another encoding) should
    # not sink a whole plan: accept a few replacement characters in otherwise good text.
    # Mojibake (UTF-8 read as GB18030) decodes without errors but fails _looks_chinese.
    best = None
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(3, len(text) // 1000) and _looks_chinese(text) and (best is None or bad < best[0]):
            best = (bad, text)
    if best is not None:
        return best[1]
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(_ENCODING)
    best = from_bytes(data).best()
    if best is None:
        raise PlanParseError(_ENCODING)
    return str(best)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise PlanParseError(_ENCODING)


def _looks_chinese(text: str) -> bool:
    visible = len(text) - len(re.findall(r"\s", text))
    if not visible:
        return False
    han = re.findall(r"[\u4e00-\u9fff]", text)
    if len(han) < 0.2 * visible:
        return False
    return sum(1 for c in han if c in _COMMON) >= 0.3 * len(han)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _check_text(text: str) -> None:
    if not text.strip():
        raise PlanParseError(_EMPTY)
    controls = len(_CONTROL.findall(text))
    if controls > 0.01 * len(text) or text.count("\ufffd") > 0.01 * len(text):
        raise PlanParseError(_JUNK)
    if not _looks_chinese(text):
        raise PlanParseError(_JUNK)


# --- .docx -----------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    prefix, local = tag.split(":")
    namespace = {"w": _W, "mc": _MC}[prefix]
    return f"{{{namespace}}}{local}"


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (
    _q(t) for t in ("w:p", "w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent")
)
_T, _TAB, _BR, _CR = (_q(t) for t in ("w:t", "w:tab", "w:br", "w:cr"))
_R, _RPR, _B = (_q(t) for t in ("w:r", "w:rPr", "w:b"))
_SKIP = {_q(t) for t in ("w:del", "w:delText", "w:instrText", "mc:Fallback", "w:rPr", "w:pPr")}
_TXBX = _q("w:txbxContent")
_VAL = _q("w:val")


def _decode_docx(data: bytes) -> str:
    try:
        import docx
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(_DOCX_BROKEN)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a broken package
        raise PlanParseError(_DOCX_BROKEN)
    numbering = _Numbering(document)
    lines: list[str] = []
    _block(document.element.body, numbering, lines)
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise PlanParseError(_DOCX_NO_TEXT)
    return text


def _block(parent, numbering: _Numbering, lines: list[str]) -> None:
    for child in parent.iterchildren():
        if child.tag == _P:
            _paragraph(child, numbering, lines)
        elif child.tag == _TBL:
            _table(child, numbering, lines)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _block(content, numbering, lines)


def _is_bold(run) -> bool:
    rpr = run.find(_RPR)
    b = rpr.find(_B) if rpr is not None else None
    return b is not None and b.get(_VAL, "true") not in ("0", "false", "off")


def _paragraph(p, numbering: _Numbering, lines: list[str]) -> None:
    pieces: list[tuple[str, bool]] = []
    boxes: list = []

    def walk(el, bold=False):
        for child in el.iterchildren():
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == _TXBX:
                boxes.append(child)
                continue
            if tag == _T:
                pieces.append((child.text or "", bold))
            elif tag == _TAB:
                pieces.append(("\t", bold))
            elif tag in (_BR, _CR):
                pieces.append(("\n", bold))
            elif tag == _R:
                walk(child, _is_bold(child))
            else:
                walk(child, bold)

    walk(p)
    text = _mark_bold_lead(pieces)
    label = numbering.label(p)
    if text.strip() or label:
        lines.append(label + text)
    for box in boxes:
        _block(box, numbering, lines)


_DITTO = "〃"
_TC_PR, _GRID_SPAN, _V_MERGE = (_q(t) for t in ("w:tcPr", "w:gridSpan", "w:vMerge"))


def _table(tbl, numbering: _Numbering, lines: list[str]) -> None:
    """A row of several cells is one tab-separated line. Empty cells are kept, and a
    cell spanning columns is followed by empty ones, so that a task breakdown table
    keeps its columns aligned with its header (a merged 牵头单位 cell leaves its lower
    rows empty). A row of one cell (a 专栏 box, a section row) keeps its own lines."""
    for tr in tbl.iter(_TR):
        if tr.getparent() is not tbl and tr.getparent().getparent() is not tbl:
            continue  # a nested table's row: read with its cell
        cells: list[list[str]] = []
        for tc in tr.iterchildren(_TC):
            cell_lines: list[str] = []
            tc_pr = tc.find(_TC_PR)
            merged = tc_pr is not None and tc_pr.find(_V_MERGE) is not None
            continued = merged and tc_pr.find(_V_MERGE).get(_VAL) in (None, "continue")
            if continued:
                # The lower part of a vertically merged cell: the value above applies
                # here too, written as the ditto mark a typist would use.
                cell_lines.append(_DITTO)
            else:
                _block(tc, numbering, cell_lines)
            cells.append(cell_lines)
            span = tc_pr.find(_GRID_SPAN) if tc_pr is not None else None
            if span is not None and (span.get(_VAL) or "").isdigit():
                cells.extend([] for _ in range(int(span.get(_VAL)) - 1))
        filled = [c for c in cells if any(line.strip() for line in c) and c != [_DITTO]]
        if not filled:
            continue
        if len(filled) == 1 and (len(cells) == 1 or len(tr.findall(_TC)) == 1):
            lines.extend(filled[0])  # a one-cell box such as a 专栏: keep its lines
        else:
            lines.append("\t".join(" ".join(line.strip() for line in c if line.strip()) for c in cells))


def _mark_bold_lead(pieces: list[tuple[str, bool]]) -> str:
    """The paragraph's text, with a bold opening sentence set off as **…**, the way the
    text and web versions of plans mark an unnumbered task's heading ("**推进xx。**…")."""
    text = "".join(t for t, _ in pieces)
    filled = [(t, b) for t, b in pieces if t.strip()]
    if not filled or not filled[0][1] or all(b for _, b in filled):
        return text
    lead = ""
    for t, b in pieces:
        if not b and t.strip():
            break
        lead += t
    if not lead.strip() or len(lead.strip()) > 80:
        return text
    rest = text[len(lead) :]
    core = lead.strip()
    at = lead.index(core)
    return lead[:at] + "**" + core + "**" + lead[at + len(core) :] + rest


_CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, symbol in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out += symbol
            n -= value
    return out


def _format(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalZero"):
        return str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt.startswith(("chinese", "ideograph", "taiwanese", "japanese")):
        return _cn(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(ord("①") + n - 1)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    return str(n)


class _Numbering:
    """Word's automatic list numbers, recomputed in document order."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            abstract = {}
            for an in root.iterchildren(_q("w:abstractNum")):
                lvls = {}
                for lvl in an.iterchildren(_q("w:lvl")):
                    ilvl = int(lvl.get(_q("w:ilvl"), "0"))
                    start = lvl.find(_q("w:start"))
                    fmt = lvl.find(_q("w:numFmt"))
                    text = lvl.find(_q("w:lvlText"))
                    lvls[ilvl] = (
                        int(start.get(_VAL)) if start is not None else 1,
                        fmt.get(_VAL) if fmt is not None else "decimal",
                        text.get(_VAL) if text is not None else "",
                    )
                abstract[an.get(_q("w:abstractNumId"))] = lvls
            for num in root.iterchildren(_q("w:num")):
                ref = num.find(_q("w:abstractNumId"))
                if ref is None or ref.get(_VAL) not in abstract:
                    continue
                lvls = dict(abstract[ref.get(_VAL)])
                # A list instance may restart a level at another number.
                for override in num.iterchildren(_q("w:lvlOverride")):
                    start = override.find(_q("w:startOverride"))
                    ilvl = int(override.get(_q("w:ilvl"), "0"))
                    if start is not None and ilvl in lvls:
                        lvls[ilvl] = (int(start.get(_VAL)), *lvls[ilvl][1:])
                self.levels[num.get(_q("w:numId"))] = lvls
        try:
            styles = document.styles.element
        except Exception:  # pragma: no cover - python-docx always has styles
            styles = None
        if styles is not None:
            based_on = {}
            for style in styles.iterchildren(_q("w:style")):
                style_id = style.get(_q("w:styleId"))
                parent = style.find(_q("w:basedOn"))
                if parent is not None:
                    based_on[style_id] = parent.get(_VAL)
                num_pr = style.find(f"{_q('w:pPr')}/{_q('w:numPr')}")
                if num_pr is not None:
                    num_id = num_pr.find(_q("w:numId"))
                    ilvl = num_pr.find(_q("w:ilvl"))
                    if num_id is not None:
                        self.style_num[style_id] = (
                            num_id.get(_VAL),
                            int(ilvl.get(_VAL)) if ilvl is not None else 0,
                        )
            # A heading style often inherits its numbering from the style it is based on.
            for style_id in based_on:
                seen, current = set(), style_id
                while current in based_on and current not in self.style_num and current not in seen:
                    seen.add(current)
                    current = based_on[current]
                if style_id not in self.style_num and current in self.style_num:
                    self.style_num[style_id] = self.style_num[current]

    def label(self, p) -> str:
        ppr = p.find(_q("w:pPr"))
        num_id, ilvl = None, 0
        if ppr is not None:
            num_pr = ppr.find(_q("w:numPr"))
            if num_pr is not None:
                nid = num_pr.find(_q("w:numId"))
                lvl = num_pr.find(_q("w:ilvl"))
                num_id = nid.get(_VAL) if nid is not None else None
                ilvl = int(lvl.get(_VAL)) if lvl is not None else 0
            if num_id is None:
                style = ppr.find(_q("w:pStyle"))
                if style is not None and style.get(_VAL) in self.style_num:
                    num_id, ilvl = self.style_num[style.get(_VAL)]
        if not num_id or num_id == "0" or num_id not in self.levels:
            return ""
        levels = self.levels[num_id]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        _, fmt, template = levels[ilvl]
        if fmt in ("bullet", "none") or not template:
            return ""

        def fill(m: re.Match) -> str:
            level = int(m.group(1)) - 1
            if level not in levels:
                return ""
            value = counters.get(level, levels[level][0])
            return _format(value, levels[level][1])

        return re.sub(r"%(\d)", fill, template)
