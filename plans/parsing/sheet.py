"""An office's own Excel sheet (.xlsx) to plan text.

Offices keep a plan's task-division table (重点任务分工表) in whatever columns they chose:
序号 / 重点任务 / 主要内容 / 牵头单位 / 配合单位 / 完成时限, or 工作任务 | 具体措施 |
责任单位 | 时限, in any order. The sheet is written out as the lines a .docx table
gives — one line per sheet row (an empty row stays an empty line, so line N is row N
of the sheet), cells separated by tabs — and the table reader (tables.py) takes the
columns' meaning from their header words. A cell merged across the row (a title, an
action) is a line of its own; the lower rows of a cell merged down read “〃”, the value
above, as a merged .docx cell does.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from .errors import PlanParseError

SHEET_BROKEN = (
    "无法读取该 Excel 文件（文件可能已损坏或不是 .xlsx 格式），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入。"
)
SHEET_EMPTY = "该 Excel 文件中没有任何内容。"
DITTO = "〃"
# A sheet's recorded size may reach far beyond its content (a column formatted to the
# last row): reading stops after this many empty rows, and at this many columns.
MAX_BLANK_RUN = 500
MAX_COLUMNS = 60


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if not (value.hour or value.minute) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    # Lines inside a cell are wrapped text or a list of names: a space keeps both apart.
    return " ".join(part.strip() for part in str(value).splitlines() if part.strip())


def sheet_lines(ws) -> list[str]:
    """One text line per row of the sheet, from row 1."""
    top_left: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    covered: dict[tuple[int, int], str] = {}
    for rng in ws.merged_cells.ranges:
        top_left[rng.min_row, rng.min_col] = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
        for row in range(rng.min_row, rng.max_row + 1):
            for col in range(rng.min_col, rng.max_col + 1):
                if (row, col) != (rng.min_row, rng.min_col):
                    # Below the first row of a merged cell: the value above; beside it: nothing.
                    covered[row, col] = DITTO if row > rng.min_row and col == rng.min_col else ""
    lines: list[str] = []
    width = min(ws.max_column or 1, MAX_COLUMNS)
    last_filled = 0
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True), start=1):
        if r - last_filled > MAX_BLANK_RUN:
            break  # formatting reaching far below the table: nothing more to read
        cells = []
        for c in range(1, width + 1):
            if (r, c) in covered:
                cells.append(covered[r, c])
            else:
                cells.append(_value(row[c - 1] if c - 1 < len(row) else None))
        filled = [x for x in cells if x and x != DITTO]
        if filled:
            last_filled = r
        if not filled:
            lines.append("")
        elif len(filled) == 1 and (cells[0] == filled[0] or (r, _first(cells)) in top_left):
            # A row of one cell (a title, an action merged across the table).
            lines.append(filled[0])
        else:
            while cells and not cells[-1]:
                cells.pop()
            lines.append("\t".join(cells))
    return lines[:last_filled]


def _first(cells: list[str]) -> int:
    return next((k + 1 for k, x in enumerate(cells) if x and x != DITTO), 1)


def xlsx_text(data: bytes) -> tuple[str, list[str]]:
    """(text of the sheet holding the task table, names of the other sheets that hold
    something and were not read)."""
    from openpyxl import load_workbook

    from .tables import header_roles, project_columns, split_row
    from .textmap import Text

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise PlanParseError(SHEET_BROKEN)
    sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or list(wb.worksheets)
    texts = [(ws.title, sheet_lines(ws)) for ws in sheets]
    texts = [(title, lines) for title, lines in texts if any(line.strip() for line in lines)]
    if not texts:
        raise PlanParseError(SHEET_EMPTY)

    def has_table(lines: list[str], roles=header_roles) -> bool:
        for line in lines:
            cells = split_row(Text.from_source(line))
            if cells and roles(cells):
                return True
        return False

    # A sheet of projects (项目名称 | 建设规模 | 总投资 …) is read after the task sheet,
    # as its 附件: its rows go to the tasks they name (plans.parsing.project_tables).
    projects = [t for t in texts if has_table(t[1], project_columns)]
    chosen = next((t for t in texts if has_table(t[1]) and t not in projects), None)
    chosen = chosen or next((t for t in texts if has_table(t[1])), texts[0])
    annexes = [t for t in projects if t is not chosen]
    others = [title for title, _ in texts if title != chosen[0] and all(title != a[0] for a in annexes)]
    lines = list(chosen[1])
    for _title, annex in annexes:
        lines += ["", "附件", *annex]
    return "\n".join(lines) + "\n", others
