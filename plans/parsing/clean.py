"""From decoded text to paragraphs: debris removal and page-break repair."""

from __future__ import annotations

import re

from .labels import LABEL
from .textmap import Text, rewrite

_FIELDS = r"TOC|PAGEREF|HYPERLINK|REF|NOTEREF|SEQ|PAGE|NUMPAGES|SECTIONPAGES|INCLUDEPICTURE|EMBED|FORMTEXT|XE|TC|STYLEREF|FILENAME|DATE|TIME|MERGEFIELD|SET|IF|QUOTE|SYMBOL|EQ"
_FIELD_BRACED = rf"\{{\s*(?:{_FIELDS})\b[^{{}}\n]{{0,200}}\}}"
_FIELD_BARE = (
    r"\b(?:PAGEREF|HYPERLINK|NOTEREF|INCLUDEPICTURE|STYLEREF)\s+(?:\\[a-z]\s+)?\"?[^\s\"]{1,200}\"?"
    r"(?:\s*\\[a-z*](?:\s*MERGEFORMAT)?)*|\\\*\s*MERGEFORMAT"
)

# A contents line with a tab before its page number: a numbered heading and a number.
_TOC_TAB = (
    r"(?m)^[ \t]*(?:第[^\n\t]{1,6}[章节篇]|[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]"
    r"|\d{1,2}[.．、])[^\t\n]{1,60}\t[ \t]*\d{1,4}[ \t]*$"
)

# Each rule: (pattern, replacement) or (pattern, group to keep). Order matters: links
# before bare brackets, entities before tags.
_DELETE = ""
_RULES: list[tuple[re.Pattern, str | int]] = [
    (re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c]"), "\n"),
    # Zero-width characters, soft hyphens, direction marks and BOMs pasted from web pages.
    (re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\u00ad\ufeff]"), _DELETE),
    # Markdown images and links: keep a link's text, drop its address.
    (re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)"), _DELETE),
    (re.compile(r"\[([^\]\n]*)\]\((?:https?:|#|/|\.)[^)\n]*\)"), 1),
    # Pandoc/Word bookmark anchors: []{#_Toc123 .anchor}, {#id}, {.underline}; the
    # "[bookmark: _Toc141604333]" markers of other converters.
    (re.compile(r"\[\]\{[^}\n]*\}|\{[#.][^}\n]*\}"), _DELETE),
    (re.compile(r"(?i)\[\s*(?:bookmark|anchor|书签)\s*[:：][^\]\n]*\]"), _DELETE),
    # Word field codes, braced or bare: { TOC \o "1-3" }, PAGEREF _Toc12 \h, HYPERLINK \l "_Toc1".
    (re.compile(_FIELD_BRACED), _DELETE),
    (re.compile(_FIELD_BARE), _DELETE),
    # Image placeholders: [image: media/image1.png], [图片], [img].
    (re.compile(r"(?i)\[\s*(?:image|img|picture|figure|图片|图像|插图)(?:\s*[:：][^\]\n]*)?\s*\]"), _DELETE),
    # Footnote markers after a word: 落实[1]，  完成^2^  推进①。 (not an item number
    # at the start of a line or after punctuation).
    (re.compile(r"(?<=[\u4e00-\u9fff”）)》A-Za-z])(?:\[\d{1,2}\]|\^\d{1,2}\^|［\d{1,2}］)"), _DELETE),
    (re.compile(r"(?<=[\u4e00-\u9fff”）)》])[①-⑩](?=[，。、；：,.;:！？!?）)]|[ \t]*$)", re.M), _DELETE),
    (re.compile(r"(?<![A-Za-z0-9])_(?:Toc|Hlk|GoBack|Ref)\d*"), _DELETE),
    # A saved web page: scripts and styles go; block ends become line breaks.
    (re.compile(r"(?is)<(script|style)\b.*?</\1\s*>"), _DELETE),
    (re.compile(r"(?i)<br\s*/?>|</(?:p|div|h\d|li|tr|table)\s*>"), "\n"),
    # A table cell ends with a tab, so a web page's task table keeps its rows.
    (re.compile(r"(?i)</t[dh]\s*>"), "\t"),
    # HTML entities and tags, including a tag's tail cut off by a copy (e.g. "⠼/span>").
    (re.compile(r"&(?:nbsp|ensp|emsp|#160|#12288);"), " "),
    (re.compile(r"&amp;"), "&"),
    (re.compile(r"&(?:lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);"), _DELETE),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]{0,300})?/?>"), _DELETE),
    (re.compile(r"\S?/(?:span|font|div|p|a|b|strong|em|u|sup|sub|td|tr|li)>"), _DELETE),
    # TeX-style sub/superscripts from converters: PM_{2.5} -> PM2.5.
    (re.compile(r"[_^]\{([^{}\n]{1,12})\}"), 1),
    # Markdown escapes: 1\. -> 1.
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), 1),
    # Markdown emphasis with one star or underscore: *重点* -> 重点 (bold ** is kept
    # for heading detection below).
    (re.compile(r"(?<![*\w])\*(?![*\s])([^*\n]{1,80}?)(?<![*\s])\*(?![*\w])"), 1),
    (re.compile(r"(?<![_\w])_(?![_\s])([^_\n]{1,80}?)(?<![_\s])_(?![_\w])"), 1),
    # Page furniture: "- 3 -", "— 12 —", "第 3 页 共 10 页", a bare page number.
    (re.compile(r"(?m)^[ \t]*[-—–]{1,2}[ \t]*\d{1,4}[ \t]*[-—–]{1,2}[ \t]*$"), _DELETE),
    (
        re.compile(r"(?m)^[ \t]*第[ \t]*\d{1,4}[ \t]*页(?:[ \t]*[,/]?[ \t]*共[ \t]*\d{1,4}[ \t]*页)?[ \t]*$"),
        _DELETE,
    ),
    (re.compile(r"(?m)^[ \t]*\d{1,3}[ \t]*$"), _DELETE),
    # Heading hashes, block quotes and bullets at the start of a line.
    (re.compile(r"(?m)^[ \t]*(?:#{1,6}|>)[ \t]*"), _DELETE),
    (re.compile(r"(?m)^[ \t]*[•·●▪◆◇■□○※\-*+][ \t]+"), _DELETE),
    # Table-of-contents lines: title, leader dots (or a tab), page number; the 目录 line.
    (re.compile(r"(?m)^[^\n]{1,80}?(?:\.{4,}|…{2,}|·{4,}|-{4,}|_{4,})[ \t]*\d{1,4}[ \t]*$"), _DELETE),
    (re.compile(_TOC_TAB), _DELETE),
    (re.compile(r"(?m)^[ \t]*目[ \t]*录[ \t]*$"), _DELETE),
    # Markdown table rules and empty cells left by a web page's layout.
    (re.compile(r"(?m)^[ \t|:\-]*\|[ \t|:\-]*$"), _DELETE),
]
_BOLD = re.compile(r"\*\*|__")


# A web page's table cell, and the line and paragraph breaks inside one, which must not
# split the row.
_CELL = re.compile(r"(?is)<t[dh]\b[^>]*>.*?</t[dh]\s*>")
_BREAK_IN_CELL = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li)\s*>|[ \t]*\r?\n\s*")
# Source line breaks between the cells of a row.
_BETWEEN_CELLS = re.compile(r"(?i)(?<=>)\s+(?=<t[dh][\s>])")


def _join_cells(text: Text) -> Text:
    pieces, last = [], 0
    for m in _CELL.finditer(text.s):
        pieces += [text[last : m.start()], rewrite(text[m.start() : m.end()], _BREAK_IN_CELL, " ")]
        last = m.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return rewrite(Text.join(pieces), _BETWEEN_CELLS, "")


_ODD_SPACE = re.compile("(?<=[\u4e00-\u9fff])[\u00a0\u2002-\u200a\u202f]+(?=[\u4e00-\u9fff，。、；：）])")


def _drop_odd_spaces(text: Text) -> Text:
    """A no-break or thin space between Chinese characters is converter debris (a plain
    space there may separate two agency names, and stays)."""
    pieces, last = [], 0
    for m in _ODD_SPACE.finditer(text.d):
        pieces.append(text[last : m.start()])
        last = m.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return Text.join(pieces)


def clean_document(raw: str) -> tuple[Text, set[int]]:
    """Return the cleaned text and the source offsets that follow a bold marker."""
    text = Text.from_source(raw)
    if re.search(r"(?i)<t[dh][\s>]", raw):
        text = _join_cells(text)
    text = _drop_odd_spaces(text)
    for pattern, action in _RULES:
        if isinstance(action, int):
            text = rewrite(text, pattern, keep=action)
        else:
            text = rewrite(text, pattern, action)
    marks: set[int] = set()
    text = rewrite(text, _BOLD, marks=marks)
    return text, marks


# A line that ends a sentence, list or clause. A closing quote ends one only after
# sentence punctuation; a closing bracket usually closes an agency parenthetical.
_TERMINAL = set("。！？!?；;：:…)]】》」』")
_QUOTE_END = set("”\"’'")
_BOX_START = re.compile(r"\s*[\[【(]?\s*专栏")
# Metadata lines of a web page (索引号:…, 发布时间:…) never continue a sentence.
_META = re.compile(
    r"\s*(?:索引号|统一登记号|发布机构|发文机关|信息状态|生效日期|信息时效期|公开方式|公开范围|文号|来源|信息来源|发布时间|发布日期|成文日期|浏览量|浏览次数|字号|分享|打印|关闭)\s*[:：]"
)


def _ends_sentence(s: str) -> bool:
    last = s[-1]
    if last in _TERMINAL:
        return True
    return last in _QUOTE_END and len(s) > 1 and s[-2] in "。！？!?"


def _open_brackets(s: str) -> int:
    return sum(s.count(c) for c in "([【〔") - sum(s.count(c) for c in ")]】〕")


def _is_prose(s: str) -> bool:
    """Prose, not a heading or a title: has inner punctuation, is long, or has a
    bracket still open (an agency parenthetical cut by a page break). A numbered
    heading ("一、工作目标", "（三）节能、降碳行动") is judged without its label, and a
    list comma alone does not make it prose."""
    label = LABEL.match(s)
    if label:
        rest = s[label.end() :]
        return any(c in rest for c in ",，。;；") or len(rest) >= 45 or _open_brackets(rest) > 0
    return any(c in s for c in ",，。;；、") or len(s) >= 45 or _open_brackets(s) > 0


# A row of a table: cells separated by tabs, a markdown pipe row, or three or more
# cells set apart by runs of spaces (a PDF copied as text). Rows are never
# joined to each other as if a page break had cut them.
_TABLE_ROW = re.compile(r"[^\n]*\S\t+\S|\s*\|.*\|\s*$|[^\n]*\S {2,}\S[^\n]*\S {2,}\S")


def paragraphs(text: Text) -> list[Text]:
    """Non-blank lines, with a paragraph that a page break cut mid-sentence joined to
    its continuation (the next non-blank line), however many blank lines lie between."""
    out: list[Text] = []
    current: Text | None = None
    for raw_line in text.lines():
        line = raw_line.strip()
        if line and re.match(r"[ ]*\t\t|[^\n]*\S\t", raw_line.s):
            # Keep a table row's leading tabs: they stand for empty (merged) first
            # cells. (One leading tab alone is a paragraph indent.)
            start = len(raw_line.s) - len(raw_line.s.lstrip(" "))
            line = raw_line[start : len(raw_line.s.rstrip())]
        if not line:
            continue
        if (
            current is not None
            and not _ends_sentence(current.s)
            and _is_prose(current.s)
            and not _META.match(current.s)
            and not LABEL.match(line.s)
            and not _BOX_START.match(line.s)
            and not _META.match(line.s)
            and not _TABLE_ROW.match(current.s)
            and not _TABLE_ROW.match(line.s)
        ):
            current = current + line
            continue
        if current is not None:
            out.append(current)
        current = line
    if current is not None:
        out.append(current)
    return out
