"""Word documents: .docx read directly; .doc, .wps, .odt and .rtf converted to .docx
by LibreOffice when it is installed.

A .docx is read in body order, paragraphs and table cells alike, with the numbers Word
draws for automatic lists ("一、", "（一）", "1.") put back in front of their
paragraphs: without them the plan's structure would be invisible.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import PlanParseError

DOCX_BROKEN = "无法打开该 .docx 文件（文件可能已损坏，或并非 Word 文档），请用 Word 重新保存后再导入。"
DOCX_NO_TEXT = "该 .docx 不含文字（可能是扫描图片），请上传含文字的版本或先做文字识别。"
NO_CONVERTER = (
    "服务器未安装 LibreOffice，无法读取旧版 Word（.doc）或 WPS（.wps）文件。"
    "请在 Word 或 WPS 中打开该文件，“另存为”.docx 格式后再导入。"
)
CONVERT_FAILED = (
    "无法转换该 .doc / .wps 文件（文件可能已损坏或加密）。"
    "请在 Word 或 WPS 中打开并“另存为”.docx 格式后再导入。"
)
# LibreOffice is given a minute; a plan converts in a few seconds.
CONVERT_TIMEOUT = 60

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


def decode_docx(data: bytes) -> str:
    try:
        import docx
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(DOCX_BROKEN)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a broken package
        raise PlanParseError(DOCX_BROKEN)
    numbering = _Numbering(document)
    lines: list[str] = []
    _block(document.element.body, numbering, lines)
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise PlanParseError(DOCX_NO_TEXT)
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


def convert_to_docx(data: bytes, suffix: str = ".doc") -> bytes:
    """The .docx LibreOffice makes of an old Word / WPS / OpenDocument / RTF file.
    The file is written under a fixed name in a private temporary folder (never a
    name taken from the upload) and converted with a private profile and a timeout."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise PlanParseError(NO_CONVERTER)
    with tempfile.TemporaryDirectory(prefix="plan-convert-") as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        out = Path(folder) / "out"
        # A .doc or .wps is read as Word 97 only: LibreOffice would open a damaged one
        # as plain text and "convert" its bytes.
        command = [
            program,
            f"-env:UserInstallation={Path(folder, 'profile').as_uri()}",
            "--headless",
            "--norestore",
            *(["--infilter=MS Word 97"] if suffix == ".doc" else []),
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": folder}
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, env=env, check=False)
        except (subprocess.TimeoutExpired, OSError):
            raise PlanParseError(CONVERT_FAILED)
        result = out / "document.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise PlanParseError(CONVERT_FAILED)
        return result.read_bytes()
