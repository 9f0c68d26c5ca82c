"""Tables of a PDF page rebuilt from their ruling lines.

A word processor draws a table's borders as thin paths. Their horizontal and vertical
lines give the table's row bands and, per band, its cell boxes; every character whose
centre falls in a cell box belongs to that cell, whatever order the text layer gives
them in. A cell spanning several columns (an action row merged across the table) is
one box; a cell spanning several rows has no line across it between them, and its
lower rows read as “〃” (the value above), as a merged .docx cell does. Cells wrapped
over several lines are joined (pdf_chars decides the spaces).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .pdf_chars import Char, group_lines, join_chars

_THIN = 2.5  # a border is a path at most this thick (pt)
_SNAP = 2.0  # lines this close are one
DITTO = "〃"


@dataclass
class Rule:
    at: float  # y of a horizontal line, x of a vertical one
    start: float
    end: float


@dataclass
class Row:
    top: float
    bottom: float
    cells: list[str]  # one per column of the table; "" for the columns a merged cell covers
    spans: list[int] = field(default_factory=list)  # columns covered by each cell, by first column


@dataclass
class Grid:
    left: float
    right: float
    top: float
    bottom: float
    rows: list[Row]
    columns: int


def page_rules(page) -> tuple[list[Rule], list[Rule]]:
    """(horizontal, vertical) ruling lines of a page: thin paths, and the edges of
    stroked rectangles. Read through PDFium's own calls: a page has thousands of text
    objects, and only its paths matter here."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    horizontal: list[Rule] = []
    vertical: list[Rule] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))

    def visit(obj) -> None:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            for k in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
                visit(pdfium_c.FPDFFormObj_GetObject(obj, k))
            return
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            return
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            return
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        width, height = x1 - x0, y1 - y0
        if height <= _THIN and width > 3 * _THIN:
            horizontal.append(Rule((y0 + y1) / 2, x0, x1))
        elif width <= _THIN and height > 3 * _THIN:
            vertical.append(Rule((x0 + x1) / 2, y0, y1))
        elif width > 3 * _THIN and height > 3 * _THIN:
            pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
            if stroke.value and not fill.value and pdfium_c.FPDFPath_CountSegments(obj) in (4, 5):
                # A cell drawn as a stroked rectangle: its four edges.
                horizontal.extend([Rule(y1, x0, x1), Rule(y0, x0, x1)])
                vertical.extend([Rule(x0, y0, y1), Rule(x1, y0, y1)])

    raw = page.raw
    for k in range(pdfium_c.FPDFPage_CountObjects(raw)):
        visit(pdfium_c.FPDFPage_GetObject(raw, k))
    return _merge(horizontal), _merge(vertical)


def _merge(rules: list[Rule]) -> list[Rule]:
    """Collinear lines that touch or overlap are one line."""
    out: list[Rule] = []
    for rule in sorted(rules, key=lambda r: (round(r.at), r.start)):
        last = out[-1] if out else None
        if last and abs(last.at - rule.at) <= _SNAP and rule.start <= last.end + _SNAP:
            last.end = max(last.end, rule.end)
            continue
        out.append(Rule(rule.at, rule.start, rule.end))
    return out


def _positions(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _SNAP:
            out.append(v)
    return out


def _covers(rules: list[Rule], at: float, lo: float, hi: float) -> bool:
    """Whether some rule at `at` runs over the middle of [lo, hi]."""
    middle = (lo + hi) / 2
    return any(abs(r.at - at) <= _SNAP and r.start - _SNAP <= middle <= r.end + _SNAP for r in rules)


def _regions(horizontal: list[Rule], vertical: list[Rule]) -> list[tuple[list[Rule], list[Rule]]]:
    """The lines of each table on the page (lines that cross or touch each other)."""
    items = [("h", r) for r in horizontal] + [("v", r) for r in vertical]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, (k, _) in enumerate(items) if k == "h"]
    vs = [i for i, (k, _) in enumerate(items) if k == "v"]
    for i in hs:
        h = items[i][1]
        for j in vs:
            v = items[j][1]
            if h.start - _SNAP <= v.at <= h.end + _SNAP and v.start - _SNAP <= h.at <= v.end + _SNAP:
                parent[find(i)] = find(j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, (kind, rule) in enumerate(items):
        group = groups.setdefault(find(i), ([], []))
        group[0 if kind == "h" else 1].append(rule)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def page_grids(page, chars: list[Char]) -> tuple[list[Grid], list[Char]]:
    """The ruled tables of a page, and the characters outside them."""
    horizontal, vertical = page_rules(page)
    if len(horizontal) < 2 or len(vertical) < 2:
        return [], chars
    grids = []
    remaining = chars
    for hs, vs in _regions(horizontal, vertical):
        grid, remaining = _grid(hs, vs, remaining)
        if grid is not None:
            grids.append(grid)
    return grids, remaining


def _grid(hs: list[Rule], vs: list[Rule], chars: list[Char]) -> tuple[Grid | None, list[Char]]:
    ys = _positions([r.at for r in hs])[::-1]  # top to bottom
    xs = _positions([r.at for r in vs])
    if len(ys) < 2 or len(xs) < 2:
        return None, chars
    left, right, top, bottom = xs[0], xs[-1], ys[0], ys[-1]
    inside: list[Char] = []
    outside: list[Char] = []
    for c in chars:
        cx, cy = (c.left + c.right) / 2, c.y + 0.3 * (c.size or 0)
        (inside if left < cx < right and bottom < cy < top else outside).append(c)
    if len(xs) < 3:
        # One column: a box (专栏) or a frame around text, read as text; its lines keep
        # their own paragraphs.
        return None, chars
    rows: list[Row] = []
    columns = len(xs) - 1
    for k in range(len(ys) - 1):
        band_top, band_bottom = ys[k], ys[k + 1]
        # The cell boundaries of this band: the vertical lines that cross it.
        bounds = [j for j, x in enumerate(xs) if _covers(vs, x, band_bottom, band_top) or j in (0, columns)]
        cells = [""] * columns
        spans = [0] * columns
        band_chars = [c for c in inside if band_bottom < c.y + 0.3 * (c.size or 0) < band_top]
        for a, b in zip(bounds, bounds[1:], strict=False):
            lo, hi = xs[a], xs[b]
            own = [c for c in band_chars if lo < (c.left + c.right) / 2 < hi]
            spans[a] = b - a
            text = _cell_text(own)
            if not text and k > 0 and not _covers(hs, band_top, lo, hi):
                text = DITTO  # the lower part of a cell merged over rows
            cells[a] = text
        rows.append(Row(band_top, band_bottom, cells, spans))
    return Grid(left, right, top, bottom, rows, columns), outside


def _cell_text(chars: list[Char]) -> str:
    lines = group_lines(chars)
    out = ""
    for line in lines:
        text = join_chars(line.chars, line.size)
        if (
            out
            and text
            and out[-1].isascii()
            and out[-1].isalnum()
            and text[0].isascii()
            and text[0].isalnum()
        ):
            out += " "
        out += text
    return out.strip()
