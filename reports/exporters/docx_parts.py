"""What every Word document of the system shares: A4 with official-document margins,
仿宋 body, 黑体 headings, 小标宋 titles, page numbers as “— 3 —”, and tables whose column
widths Word, WPS and LibreOffice all respect."""

from __future__ import annotations

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
TABLE_FONT_SIZE = 10.5
# A4 less the margins below: the width the tables share out among their columns.
TEXT_WIDTH_MM = 210 - 28 - 26


def font(run, name, size=None, bold=None, color=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def pct(value):
    return "—" if value is None else f"{value:g}%"


def page_number(paragraph):
    """A PAGE field, as Word and WPS number pages: “— 3 —”."""
    font(paragraph.add_run("— "), BODY_FONT, 14)
    run = paragraph.add_run()
    font(run, BODY_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text.strip() == "PAGE" else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    font(paragraph.add_run(" —"), BODY_FONT, 14)


def fixed_widths(table, widths_mm):
    """Column widths written the three ways Word, WPS and LibreOffice read them:
    fixed layout, the table grid and every cell's width."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
    width.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    for column, mm in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(mm)
    for row in table.rows:
        for cell, mm in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(mm)


def widths(shares):
    """Millimetres per column from relative shares, filling the text width."""
    total = sum(shares)
    return [round(TEXT_WIDTH_MM * share / total, 1) for share in shares]


def official_page(doc):
    """A4, the margins of an official document, page numbers in the footer, 仿宋 三号."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_number(footer)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def table(doc, header, rows, shares):
    """A ruled table: bold 黑体 header, 仿宋 cells written as text runs."""
    made = doc.add_table(rows=1, cols=len(header))
    made.style = "Table Grid"
    for cell, text in zip(made.rows[0].cells, header, strict=True):
        cell.text = ""
        font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, TABLE_FONT_SIZE, bold=True)
    for row in rows:
        cells = made.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, TABLE_FONT_SIZE)
    fixed_widths(made, widths(shares))
    return made
