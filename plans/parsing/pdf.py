"""A published PDF to plan text.

PDFium (pypdfium2) gives every character of a page with its baseline, box and size
(pdf_chars): a line is the characters on one baseline, read left to right, with only the
spaces Chinese needs (a word processor's export puts spaces between CJK characters and
around digits). Tables drawn with ruling lines are rebuilt from their lines and cell
boxes (pdf_tables). Then:

- running headers and footers (the issuing office, the document number, page numbers
  such as "— 3 —" or "第3页 共12页") are the lines at the top or bottom of a page that
  repeat on other pages, or that are page numbers;
- a line that reaches the right edge of the text block and is followed by a line that
  starts at the left edge (no first-line indent, no new number) continues the same
  paragraph, across a page break too; this joins paragraphs wrapped at every line and
  headings set over two lines;
- a ruled table's header rows repeated at the top of a page go, and a row a page break
  cut in two is one row again; each row is a line of tab-separated cells;
- cells of an unruled table row (runs of text far apart on one line) are separated by
  tabs, so a task table keeps its columns, on every page it runs over;
- a form feed marks the first paragraph of each page, so a place in the text can be
  told its page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .errors import PlanParseError
from .labels import LABEL
from .pdf_chars import CJK, group_lines, join_chars, page_chars
from .pdf_tables import DITTO, page_grids

PDF_BROKEN = "无法打开该 PDF 文件（文件可能已损坏或不完整），请重新下载或另存后再导入。"
PDF_ENCRYPTED = (
    "该 PDF 文件已加密（设有打开密码），无法读取文字。请去除密码后再导入，或改用 .docx / 文本文件。"
)
PDF_NO_TEXT = (
    "该 PDF 没有可读取的文字层（多为扫描件或图片），本系统不支持文字识别（OCR）。"
    "请上传发文单位公开的可复制文字的 PDF、.docx 或文本文件。"
)

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$"
)


@dataclass
class _Line:
    text: str
    left: float
    right: float
    top: float
    bottom: float
    cells: int = 1
    # The cells of a table row: (left, right, text) of each run of text set apart.
    cols: list[tuple[float, float, str]] | None = None
    row: list[str] | None = None  # the cells of a row of a ruled table
    page: int = 0
    opens: bool = False  # the first row of a ruled table on its page

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


def pdf_text(data: bytes) -> str:
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - a declared dependency
        raise PlanParseError(PDF_BROKEN)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PlanParseError(PDF_ENCRYPTED)
        raise PlanParseError(PDF_BROKEN)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            try:
                pages.append(_page_lines(page, index))
            finally:
                page.close()
    except pdfium.PdfiumError:
        raise PlanParseError(PDF_BROKEN)
    finally:
        document.close()
    if not any(line.text.strip() for lines in pages for line in lines):
        raise PlanParseError(PDF_NO_TEXT)
    pages = _drop_furniture(pages)
    _join_rows_over_pages(pages)
    return _paragraphs(pages)


def _page_lines(page, index: int) -> list[_Line]:
    textpage = page.get_textpage()
    try:
        chars = page_chars(textpage)
    finally:
        textpage.close()
    grids, chars = page_grids(page, chars)
    out = []
    for line in group_lines(chars):
        # Runs of text set far apart on one line are the cells of an unruled table.
        runs: list[list] = [[line.chars[0]]]
        before = None if line.chars[0].space else line.chars[0]
        for c in line.chars[1:]:
            if not c.space and before is not None and _gap(before, c, line.size) > 1.5 * line.size:
                runs.append([c])
            else:
                runs[-1].append(c)
            before = before if c.space else c
        cols = []
        for run in runs:
            text = join_chars(run, line.size)
            visible = [c for c in run if not c.space]
            if text and visible:
                cols.append((visible[0].left, max(c.right for c in visible), text))
        if not cols:
            continue
        if len(cols) >= 2 and _LABEL_ONLY.fullmatch(cols[0][2]):
            # A list number set apart by a tab ("1.⇥推进……"): one line, not two cells.
            cols[:2] = [(cols[0][0], cols[1][1], cols[0][2] + cols[1][2])]
        visible = [c for c in line.chars if not c.space]
        out.append(
            _Line(
                "\t".join(t for _, _, t in cols),
                cols[0][0],
                max(b for _, b, _ in cols),
                max(c.top for c in visible),
                min(c.bottom for c in visible),
                len(cols),
                cols,
                page=index,
            )
        )
    for grid in grids:
        for k, row in enumerate(grid.rows):
            out.append(
                _Line(
                    "\t".join(row.cells),
                    grid.left,
                    grid.right,
                    row.top,
                    row.bottom,
                    grid.columns,
                    None,
                    row=row.cells,
                    page=index,
                    opens=k == 0,
                )
            )
    out.sort(key=lambda line: -line.top)
    return out


_LABEL_ONLY = re.compile(
    r"\s*(?:[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|\d{1,2}\s*[.．、)）]|[①-⑳]"
    r"|第[一二三四五六七八九十\d]{1,3}[章节条])\s*"
)


def _gap(before, c, size: float) -> float:
    """The blank between two characters of a line. A Chinese character or mark takes a
    full em whatever its ink (a comma's box is a fifth of it), so the blank after one is
    measured from the end of its em: justified lines then show small gaps only."""
    end = before.right
    if CJK.match(before.text):
        end = max(end, before.x + size)
    return c.left - end


def _join_rows_over_pages(pages: list[list[_Line]]) -> None:
    """A ruled table running over a page break: the header row repeated at the top of
    the next page goes, and a row the break cut in two (its first cell empty on the new
    page) is one row again."""
    header: set[str] = set()  # the first rows of the table: a header of one or two rows
    previous: _Line | None = None
    for lines in pages:
        if lines and previous is not None and previous.row is not None:
            while lines and lines[0].row is not None and _bare(lines[0].row) in header:
                lines.pop(0)
            if lines and lines[0].row is not None and len(lines[0].row) == len(previous.row):
                first = lines[0]
                if not first.row[0].strip():
                    previous.row = [
                        a + b if b != DITTO else a for a, b in zip(previous.row, first.row, strict=True)
                    ]
                    lines.pop(0)
        for k, line in enumerate(lines):
            if line.row is not None and line.opens:
                following = [x.row for x in lines[k : k + 2] if x.row is not None]
                header = {_bare(row) for row in following}
        if lines:
            previous = lines[-1]


def _bare(cells: list[str]) -> str:
    return re.sub(r"\s+", "", "".join(cells))


def _where(line: _Line) -> tuple[str, int]:
    """The line's text with its numbers blanked, and its height on the page (3pt steps)."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text)), round(line.top / 3)


def _drop_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Without the running header and footer of each page."""
    edge = 3  # lines at the top and at the bottom of a page that may be furniture
    # A running header or footer stands at the same height on most pages; its numbers
    # (page, date) may change.
    counts: Counter[tuple[str, int]] = Counter()
    for lines in pages:
        counts.update({_where(line) for line in lines[:edge] + lines[-edge:]})
    repeated = max(2, len(pages) // 2 + 1)
    out = []
    for lines in pages:
        keep = list(lines)
        for at_top in (True, False):
            while keep:
                line = keep[0] if at_top else keep[-1]
                # A table's header row repeats at the top of every page it runs over: a
                # row of three or more cells is never furniture.
                running = line.cells <= 2 and len(pages) > 1 and counts[_where(line)] >= repeated
                if _PAGE_NUMBER.match(line.text) or running:
                    keep.pop(0 if at_top else -1)
                else:
                    break
        out.append(keep)
    return out


_SENTENCE_END = "。！？!?；;：:”’」』】"


def _paragraphs(pages: list[list[_Line]]) -> str:
    body = [line for lines in pages for line in lines]
    if not body:
        return ""
    # The text block: the most common left edge, and the right edge that wrapped lines
    # reach (most lines of a plan are wrapped lines).
    lefts = Counter(round(line.left) for line in body)
    left = lefts.most_common(1)[0][0]
    # The left edges many lines start at: the margin, and the indent of list items with a
    # hanging number (a paragraph may continue at either).
    edges = [x for x, n in lefts.items() if n >= max(3, 0.05 * len(body))]
    body_size = sorted(line.height for line in body)[len(body) // 2]
    rights = sorted(line.right for line in body if line.cells == 1)
    if len(rights) < 8:
        # Hardly any lines of prose (a table document): the text block is as wide as
        # its widest line, tables included, and a short title line does not fill it.
        rights = sorted(line.right for line in body)
    right = rights[int(0.9 * (len(rights) - 1))] if rights else max(line.right for line in body)
    paras: list[str] = []
    starts: list[int] = []  # the page each paragraph starts on
    previous: _Line | None = None
    table: _Table | None = None

    def start(text: str, line: _Line) -> None:
        paras.append(text)
        starts.append(line.page)

    for line in body:
        if line.row is not None:
            filled = [c for c in line.row if c.strip() and c != DITTO]
            if len(filled) == 1 and line.row[0] == filled[0] and not any(line.row[1:]):
                start(filled[0], line)  # one cell across the table: an action's title
            else:
                start("\t".join(line.row), line)
            previous, table = None, None
            continue
        if line.cells >= 3 or (table is not None and table.fits(line)):
            if table is None or not table.fits(line):
                table = _Table(line)
            if table.take(line):
                start("", line)
            paras[-1] = table.row_text()
            previous = None
            continue
        table = None
        text = line.text.strip()
        if previous is not None and _continues(previous, line, (left, edges), right, text, body_size):
            paras[-1] += text
        else:
            start(text, line)
        previous = line
    # A form feed before the first paragraph that starts on each new page, so a place
    # in the text can be told its page (the parser reads it as a line break).
    out, page = [], 0
    for text, at in zip(paras, starts, strict=True):
        out.append("\f" * (at - page) + text)
        page = max(page, at)
    return "\n\n".join(out) + "\n"


def _title_lines(previous: _Line, line: _Line, left: float, right: float, body_size: float) -> bool:
    """Two lines of a title set large and centred: "…关于印发《…碳达峰" / "实施方案》的通知"."""
    middle = (left + right) / 2
    size = line.height

    def centred(x: _Line) -> bool:
        return abs((x.left + x.right) / 2 - middle) < 1.5 * size

    large = size > 1.15 * body_size and abs(previous.height - size) < 0.15 * size
    return large and centred(previous) and centred(line)


class _Table:
    """A table running over lines and pages: its columns are the cells of the row that
    opened it. A line whose runs of text each sit inside one column belongs to it; a
    line with text in the first column starts a new row, any other line continues the
    cells of the current row (a cell's text wrapped over several lines)."""

    def __init__(self, line: _Line):
        self.lefts = [a for a, _, _ in line.cols]
        self.size = line.height
        self.cells: list[str] = []

    def _column(self, left: float, right: float) -> int | None:
        tol = self.size
        for j, start in enumerate(self.lefts):
            end = self.lefts[j + 1] if j + 1 < len(self.lefts) else float("inf")
            if start - tol <= left < end - tol:
                return j if right <= end + tol else None
        return None

    def fits(self, line: _Line) -> bool:
        return all(self._column(a, b) is not None for a, b, _ in line.cols or [])

    def take(self, line: _Line) -> bool:
        """Add the line; True when it starts a new row."""
        placed = {self._column(a, b): t for a, b, t in line.cols}
        new = not self.cells or 0 in placed
        if new:
            self.cells = [""] * len(self.lefts)
        for j, t in placed.items():
            self.cells[j] += t
        return new

    def row_text(self) -> str:
        return "\t".join(self.cells)


def _continues(
    previous: _Line, line: _Line, lefts: tuple[float, list], right: float, text: str, body_size: float
) -> bool:
    if previous.cells > 1 or line.cells > 1:
        return False
    left, edges = lefts
    size = line.height
    if _title_lines(previous, line, left, right, body_size) and not LABEL.match(text):
        return previous.text.rstrip()[-1:] not in _SENTENCE_END
    # Chinese text is rarely justified to the last point: line-breaking rules (no line
    # starts with "，" or "。") leave a wrapped line up to a few characters short.
    full = previous.right >= right - 3.2 * size
    # A wrapped line starts at the margin, or at a frequent left edge no further right
    # than the line it continues (the indent of a numbered item's hanging text); a
    # first-line indent starts a new paragraph.
    flush_left = abs(line.left - left) < 0.8 * size or (
        line.left <= previous.left + 0.8 * size and any(abs(line.left - e) < 0.8 * size for e in edges)
    )
    if not (full and flush_left):
        return False
    if LABEL.match(text) and (
        previous.text.rstrip()[-1:] in _SENTENCE_END + ")）"
        or line.left < previous.left - 0.5 * size  # a hanging number: a new item
    ):
        return False
    # An annex caption (附件：…) or a box (专栏) starts a part of its own.
    return not re.match(r"附件\s*[\d一二三四五六七八九十]*\s*[:：]?|[\[【(（]?\s*专栏", text)
