"""The characters of a PDF page, and the lines they make.

PDFium gives every character with its baseline origin, its box and its font size. A
line is the characters sharing a baseline (quotation marks and commas, whose boxes sit
high or low, stay on their line), read left to right. Spaces are decided here, not taken
from the text layer: word processors put spaces (or gaps PDFium turns into spaces)
between CJK characters, around digits and Latin words set inside Chinese text
(“单位 GDP 二氧化碳”, “2030 年”) and around quotation marks; Chinese needs none of
them. A space stays only between two Latin words or numbers, and a space typed between
two Chinese words (two agency names side by side) stays when the line has few of them.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’—…·]")
_WORD = re.compile(r"[A-Za-z0-9%.,:/_+\-()\[\]{}]")


@dataclass
class Char:
    text: str
    x: float  # baseline origin
    y: float
    left: float
    right: float
    bottom: float
    top: float
    size: float
    space: bool  # a space character in the text layer (typed or generated)


def page_chars(textpage) -> list[Char]:
    """Every character of the page, spaces included, line breaks left out."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    ox, oy = ctypes.c_double(), ctypes.c_double()
    matrix = pdfium_c.FS_MATRIX()
    out = []
    # get_text_range may drop or add characters around generated line breaks: read
    # one character at a time when the lengths disagree.
    by_index = len(text) == count
    for i in range(count):
        ch = text[i] if by_index else chr(pdfium_c.FPDFText_GetUnicode(raw, i))
        if ch in "\r\n\x00\ufffe\uffff":
            continue
        pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top)
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ox, oy)
        # The font size in the text space, scaled by the text and page matrices.
        pdfium_c.FPDFText_GetMatrix(raw, i, ctypes.byref(matrix))
        size = pdfium_c.FPDFText_GetFontSize(raw, i) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        space = ch.isspace()
        if space and pdfium_c.FPDFText_IsGenerated(raw, i):
            size = 0.0  # a gap PDFium filled: its size says nothing
        out.append(
            Char(ch, ox.value, oy.value, left.value, right.value, bottom.value, top.value, size, space)
        )
    return out


@dataclass
class LineChars:
    chars: list[Char]
    baseline: float
    size: float


def group_lines(chars: list[Char]) -> list[LineChars]:
    """Characters on one baseline, top to bottom; each line left to right."""
    visible = [c for c in chars if not c.space]
    if not visible:
        return []
    lines: list[LineChars] = []
    for c in sorted(visible, key=lambda c: (-c.y, c.x)):
        size = c.size or max(c.top - c.bottom, 1.0)
        if lines and abs(lines[-1].baseline - c.y) <= 0.3 * max(lines[-1].size, size):
            lines[-1].chars.append(c)
            continue
        lines.append(LineChars([c], c.y, size))
    spaces = [c for c in chars if c.space]
    for line in lines:
        line.size = sorted(c.size or (c.top - c.bottom) for c in line.chars)[len(line.chars) // 2]
        line.chars.sort(key=lambda c: c.left)
    if spaces:
        # Typed spaces join the line they sit on, between the characters around them.
        for s in spaces:
            for line in lines:
                if abs(line.baseline - s.y) <= 0.3 * line.size:
                    line.chars.append(s)
                    break
        for line in lines:
            line.chars.sort(key=lambda c: (c.left, c.space))
    return lines


def join_chars(chars: list[Char], size: float) -> str:
    """The text of characters on one line (or one run of it), with the spaces Chinese
    typesetting needs and no others."""
    visible = [c for c in chars if not c.space]
    if not visible:
        return ""
    typed_cjk_spaces = 0
    pairs = 0
    for a, b in zip(visible, visible[1:], strict=False):
        if CJK.match(a.text) and CJK.match(b.text):
            pairs += 1
    out = [visible[0].text]
    spaced: list[int] = []  # positions in `out` of spaces typed between CJK
    previous = visible[0]
    pending_space: str | bool = False
    for c in chars[chars.index(visible[0]) + 1 :]:
        if c.space:
            # A space PDFium generated for a gap counts between Latin words; between
            # Chinese characters only a typed one may.
            pending_space = pending_space or ("generated" if not c.size else "typed")
            continue
        latin = _WORD.match(previous.text) and _WORD.match(c.text)
        if latin and pending_space:
            out.append(" ")
        elif pending_space == "typed" and CJK.match(previous.text) and CJK.match(c.text):
            if c.text not in "“”‘’，。、；：）》" and previous.text not in "“”‘’（《":
                typed_cjk_spaces += 1
                spaced.append(len(out))
                out.append(" ")
        out.append(c.text)
        previous = c
        pending_space = False
    if spaced and typed_cjk_spaces >= 3 and typed_cjk_spaces > 0.25 * pairs:
        # Spaces between every few characters are the exporter's, not the writer's.
        for at in spaced:
            out[at] = ""
    return "".join(out)
