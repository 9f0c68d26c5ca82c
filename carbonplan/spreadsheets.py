"""The one way the system writes a spreadsheet: text stays text.

Agencies type 进展情况, offices edit task titles, documents carry whatever their authors
wrote. openpyxl stores any string that starts with "=" as a formula, and Excel or
LibreOffice treat a cell typed "+…", "-…" or "@…" as one on the next edit, so a text
such as ``=HYPERLINK("http://…","点此查看")`` would turn into a live link or a
calculation in the files other people open (formula injection, CWE-1236).

:class:`Spreadsheet` is an openpyxl ``Workbook`` that, whenever it is saved, stores
every string cell as a string (``t="inlineStr"``: never a ``<f>`` element) and marks
those starting like a formula with the ``quotePrefix`` style, so Excel and LibreOffice
keep them as text when the cell is edited. Nothing is added to the text: it reads back
exactly as typed (openpyxl, pandas, and the upload of a downloaded workbook). Numbers,
dates and empty cells are untouched.

The one change: control characters that XML cannot hold (a vertical tab pasted from
Word) would make openpyxl refuse the whole file. Rows appended to a sheet of a
Spreadsheet have them replaced — line and page breaks by a newline, the rest dropped —
so one pasted character does not break every export of the quarter.

CSV: the system writes none. CSV has no cell types, so a CSV writer would have to
prefix such values with an apostrophe (the OWASP advice) and say so; it belongs here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .downloads import XLSX_MIME, Export

# What Excel, LibreOffice and Google Sheets start a formula with (OWASP's list), and a
# leading newline, which some of them skip before looking.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# The author every workbook carries; the download tests check it to find a file that
# did not come through this writer.
AUTHOR = "carbonplan"
HEADER_FILL = PatternFill("solid", fgColor="EEF2F5")
AUTO_WIDTH_ROWS = 200


def keep_text_as_text(workbook: Workbook) -> None:
    """Every string cell of ``workbook`` becomes a text cell, whatever it starts with."""
    for sheet in workbook.worksheets:
        # _cells holds the cells that exist; iter_rows() would create every empty one.
        for cell in sheet._cells.values():
            value = cell.value
            if isinstance(value, str):
                cell.data_type = TYPE_STRING
                if value.startswith(FORMULA_PREFIXES):
                    cell.quotePrefix = True


def _storable(value):
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: "\n" if m.group() in "\v\f" else "", value)
    return value


class TextSheet(Worksheet):
    """A worksheet whose appended rows hold only characters a workbook can store."""

    def append(self, iterable):
        if isinstance(iterable, list | tuple):
            iterable = [_storable(value) for value in iterable]
        super().append(iterable)


class Spreadsheet(Workbook):
    """A workbook whose text cells are text when saved. Every .xlsx the system
    produces is one of these (``export(filename)`` gives the download)."""

    def __init__(self):
        super().__init__()
        self.remove(self.active)
        self.create_sheet()
        self.properties.creator = AUTHOR

    def create_sheet(self, title=None, index=None) -> TextSheet:
        sheet = TextSheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename) -> None:
        keep_text_as_text(self)
        super().save(filename)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    def export(self, filename: str) -> Export:
        return Export(filename, XLSX_MIME, self.to_bytes())

    def add_table(
        self,
        title: str,
        headers: list,
        rows: Iterable[list],
        *,
        widths: list[int] | None = None,
        fill: PatternFill = HEADER_FILL,
    ):
        """A sheet holding one table: a bold header row that stays in view, then the
        rows (Decimal as numbers). Without ``widths`` the columns fit their content."""
        sheet = self.create_sheet(title[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(vertical="center", wrap_text=widths is not None)
        if widths is None:
            rows = list(rows)
            widths = [
                min(60, max(8, 2 * max([len(str(h))] + [len(str(r[i])) for r in rows[:AUTO_WIDTH_ROWS] if r[i] is not None])))
                for i, h in enumerate(headers)
            ]  # fmt: skip
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        return sheet


def table_workbook(*, title: str, headers: list, rows: Iterable[list], widths=None) -> Spreadsheet:
    """A workbook of a single table sheet."""
    book = Spreadsheet()
    book.remove(book.active)
    book.add_table(title, headers, rows, widths=widths)
    return book
