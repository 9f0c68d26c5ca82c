"""Plan documents as offices' word processors make them, for the import benchmark
(`manage.py bench_import --office-pdf / --table-pdf`) and the import tests: a .docx
written the usual way (Title, Heading 1 chapters, Heading 2 actions, body-paragraph
tasks, a running header line and a PAGE field in the footer), a task-division table
(附件：重点任务分工表) as a .docx table with merged action rows and a header row
repeated on every page, and their PDF through LibreOffice."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CHAPTER = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、")
_ACTION = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _runs(paragraph, line: str) -> None:
    for n, piece in enumerate(_BOLD.split(line)):
        if piece:
            paragraph.add_run(piece).bold = n % 2 == 1


def _page_field(paragraph) -> None:
    """A PAGE field as Word writes it: fldChar begin, instrText, separate, result, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" —")


def _cjk_fonts(document, size_pt: float = 12) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Header", "Footer"):
        style = document.styles[name]
        style.font.name = "Noto Serif CJK SC"
        rpr = style.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    document.styles["Normal"].font.size = Pt(size_pt)


def _header_footer(document, header: str) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    _page_field(section.footer.paragraphs[0])


_ITEM = re.compile(r"^\s*\d{1,2}\s*[.．、]\s*")


def office_docx(
    text: str,
    header: str,
    size_pt: float = 12,
    list_numbers: bool = False,
    annex: tuple[list[str], list[tuple[str, list[list[str]]]]] | None = None,
) -> bytes:
    """The plan as an office writes it in Word (see the module docstring). With
    `list_numbers`, numbered tasks are Word's own numbered list (List Number: the number
    drawn by Word, a tab, a hanging indent) rather than typed numbers; with `annex`
    (header words, sections as for division_docx), a 附件：重点任务分工表 follows the text
    on a new page."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    _cjk_fonts(document, size_pt)
    _header_footer(document, header)
    titled = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not titled and re.search(r"方案$", line) and len(line) <= 40:
            document.add_paragraph(line, style="Title")
            titled = True
        elif _CHAPTER.match(line) and len(line) <= 40:
            document.add_paragraph(line, style="Heading 1")
        elif _ACTION.match(line) and len(line) <= 40:
            document.add_paragraph(line, style="Heading 2")
        elif list_numbers and _ITEM.match(line):
            _runs(document.add_paragraph(style="List Number"), line[_ITEM.match(line).end() :])
        else:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(2 * size_pt)
            _runs(paragraph, line)
    if annex is not None:
        from docx.enum.text import WD_BREAK

        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_paragraph("附件：重点任务分工表")
        _division_table(document, *annex)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def soffice_convert(data: bytes, suffix: str, target: str = "pdf") -> bytes:
    """A file converted by LibreOffice (`soffice --headless --convert-to`)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"plan{suffix}"
        source.write_bytes(data)
        subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{folder}/profile",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                folder,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (Path(folder) / f"plan.{target.split(':')[0]}").read_bytes()


def soffice_pdf(docx_bytes: bytes) -> bytes:
    return soffice_convert(docx_bytes, ".docx", "pdf")


def division_docx(
    title_lines: list[str],
    header: list[str],
    sections: list[tuple[str, list[list[str]]]],
    running: str = "",
    group: tuple[str, int, int] | None = None,
    merge_column: int | None = None,
) -> bytes:
    """A task-division table as a .docx on landscape pages: the lines above it, the
    header row (repeated on every page), and per action a row merged across the table
    followed by its task rows. `group` = (words, first, last column) sets a header cell
    over those columns (责任单位 over 牵头单位 | 配合单位), the other header cells merged
    over both header rows; `merge_column` merges equal cells of that column down within
    an action (one 牵头单位 for several tasks)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    document = docx.Document()
    _cjk_fonts(document, 10.5)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    if running:
        _header_footer(document, running)
    for line in title_lines:
        document.add_paragraph(line)
    _division_table(document, header, sections, group, merge_column)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _division_table(document, header, sections, group=None, merge_column=None) -> None:
    """Append the task-division table to `document` (see division_docx)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    columns = len(header)
    heads = 2 if group else 1
    table = document.add_table(rows=heads + sum(1 + len(rows) for _, rows in sections), cols=columns)
    table.style = "Table Grid"
    # Column widths as offices set them: a narrow 序号, a wide 主要内容 / 具体措施.
    section = document.sections[-1]
    usable = (section.page_width - section.left_margin - section.right_margin) / Mm(1)
    weights = [0.5 if w in ("序号", "编号") else 4 if re.search("内容|措施|举措", w) else 1.4 for w in header]
    table.autofit = False
    for j, weight in enumerate(weights):
        width = Mm(usable * weight / sum(weights))
        table.columns[j].width = width
        for cell in table.columns[j].cells:
            cell.width = width
    for k in range(heads):
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[k]._tr.get_or_add_trPr().append(repeat)
    if group:
        words, first, last = group
        for j, word in enumerate(header):
            if first <= j <= last:
                table.rows[1].cells[j].text = word
            else:
                table.rows[0].cells[j].merge(table.rows[1].cells[j]).text = word
        table.rows[0].cells[first].merge(table.rows[0].cells[last]).text = words
    else:
        for j, word in enumerate(header):
            table.rows[0].cells[j].text = word
    r = heads
    for title, rows in sections:
        merged = table.rows[r].cells[0].merge(table.rows[r].cells[columns - 1])
        merged.text = title
        merged.paragraphs[0].runs[0].bold = True
        r += 1
        first_row = r
        for values in rows:
            for j, value in enumerate(values):
                table.rows[r].cells[j].text = value
            r += 1
        if merge_column is not None:
            start = first_row
            for k in range(first_row + 1, r + 1):
                same = k < r and rows[k - first_row][merge_column] == rows[start - first_row][merge_column]
                if not same:
                    if k - 1 > start:
                        value = rows[start - first_row][merge_column]
                        top = table.rows[start].cells[merge_column]
                        top.merge(table.rows[k - 1].cells[merge_column]).text = value
                    start = k
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10)
