"""The fixture plans as offices' own tools make them (see corpus.py for the other forms).

- `office_docx`: the plan written in Word the usual way: the plan's title in the Title
  style, chapters (一、) in Heading 1, actions (（一）) in Heading 2, tasks as body
  paragraphs, a running header line (the issuing office and the document number) and
  a PAGE field in the footer. `soffice_pdf` turns it into the PDF LibreOffice's
  "export as PDF" makes.
- `division_table_docx` / `division_table_xlsx`: the plan published as a task-division
  table (附件：重点任务分工表): 序号 / 重点任务 / 主要内容 / 牵头单位 / 配合单位 /
  完成时限, each action a row merged across the table, long cells. Renderings vary the
  column order, the header words (具体措施 for 主要内容, one 责任单位 column holding
  “X牵头，Y配合”), whether there is a 序号 column, and repeat the header row on each
  page. The table is built from the fixture text (each task's own paragraphs, without
  its agency clause) and the hand-checked agencies of tests/plans/expected.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import _BOLD, _doc_number, _issuer, fixture_text, soffice
from .docs import expected_structure

_CHAPTER = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、")
_ACTION = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")
_TASK = re.compile(r"^\s*\d{1,2}\s*[.．、]")


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


def _header_footer(document, text: str) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{_issuer(text)}　　{_doc_number(text)}"
    _page_field(section.footer.paragraphs[0])


def office_docx(text: str, size_pt: float = 12) -> bytes:
    """The plan as an office writes it in Word (see the module docstring)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    _cjk_fonts(document, size_pt)
    _header_footer(document, text)
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
        else:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(2 * size_pt)
            _runs(paragraph, line)
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


# --- the task-division table ---------------------------------------------------------------


@dataclass
class Row:
    label: str | None
    title: str
    content: str
    lead: list[str]
    support: list[str]


@dataclass
class Section:
    label: str | None
    title: str
    rows: list[Row] = field(default_factory=list)


# An agency clause closing a task paragraph: （…牵头…）, [县发改局、…牵头,…], a bare
# closing sentence "县发改局牵头，县工信局配合。"
_CLAUSE = re.compile(r"[（(\[【][^（(\[【]*(?:牵头|配合|负责|协办)[^（(\[【]*[)）\]】]\s*$")


def _task_paragraphs(text: str) -> list[tuple[str | None, str, list[str]]]:
    """(action line or None, task line, following lines) in document order, read from
    the fixture text: what a typist would copy into the table's 主要内容 cells."""
    out, action, current = [], None, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _CHAPTER.match(line):
            current = None
            continue
        if _ACTION.match(line):
            action, current = line, None
            continue
        if _TASK.match(line) and action is not None:
            current = (action, line, [])
            out.append(current)
        elif current is not None:
            current[2].append(line)
    return out


def _strip_clause(content: str) -> str:
    content = content.replace("**", "").strip()
    while True:
        m = _CLAUSE.search(content)
        if not m:
            return content
        content = content[: m.start()].rstrip()


def division_sections(name: str) -> list[Section]:
    """The plan's actions and tasks as rows of a task-division table."""
    expected = expected_structure(name)
    text = fixture_text(name)
    paragraphs = _task_paragraphs(text)
    sections = []
    for action in expected["actions"]:
        section = Section(action.get("label"), action["title"])
        for task in action["tasks"]:
            title = task["title"]
            found = next(
                (p for p in paragraphs if _bare(title)[:12] and _bare(title)[:12] in _bare(p[1])), None
            )
            if found is not None:
                body = re.sub(r"^\s*[（(]?\d{1,2}[)）.．、]\s*", "", found[1])
                content = _strip_clause("".join([body, *found[2]]))
                content = re.sub(r"^\*{0,2}" + re.escape(title) + r"[。.]?\*{0,2}", "", content) or content
            else:
                # An action written as one paragraph: its text is the task.
                content = _action_body(text, action["title"])
            section.rows.append(Row(task.get("label"), title, content, task["lead"], task["support"]))
        sections.append(section)
    return sections


def _action_body(text: str, title: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if _ACTION.match(line) and _bare(title) in _bare(line):
            body = []
            for nxt in lines[i + 1 :]:
                if not nxt:
                    continue
                if _ACTION.match(nxt) or _CHAPTER.match(nxt):
                    break
                body.append(nxt)
            return _strip_clause("".join(body))
    return title


def _bare(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", s or "")


def _title_lines(name: str) -> list[str]:
    """What stands above the annex table: the office, the document number, the plan's
    title and the annex caption."""
    text = fixture_text(name)
    expected = expected_structure(name)["plan"]
    title = next(
        (
            line.strip()
            for line in text.splitlines()
            if line.strip().endswith("方案") and len(line.strip()) < 40
        ),
        "实施方案",
    )
    lines = []
    if expected.get("doc_number"):
        lines.append(expected["doc_number"])
    lines += [title, "附件：重点任务分工表"]
    return lines


# Renderings of the table: the columns in order (by role), the header words, what a
# year cell says.
RENDERINGS = {
    "standard": {
        "columns": ["seq", "task", "content", "lead", "support", "deadline"],
        "words": {"content": "主要内容"},
    },
    "reordered, 具体措施, one 责任单位 column, no 序号": {
        "columns": ["task", "content", "both", "deadline"],
        "words": {"content": "具体措施", "both": "责任单位"},
    },
    "support before lead, 工作任务": {
        "columns": ["seq", "task", "content", "deadline", "support", "lead"],
        "words": {"task": "工作任务", "content": "工作内容", "lead": "牵头部门", "support": "协办单位"},
    },
}
HEADER_WORDS = {
    "seq": "序号",
    "task": "重点任务",
    "content": "主要内容",
    "lead": "牵头单位",
    "support": "配合单位",
    "both": "责任单位",
    "deadline": "完成时限",
}


def _deadline(name: str) -> str:
    year = expected_structure(name)["plan"].get("plan_year")
    return f"{year}年底前" if year else "持续推进"


def _cell(role: str, row: Row, number: int, name: str) -> str:
    if role == "seq":
        return str(number)
    if role == "task":
        return row.title
    if role == "content":
        return row.content
    if role == "lead":
        return "、".join(row.lead)
    if role == "support":
        return "、".join(row.support)
    if role == "both":
        both = "、".join(row.lead) + "牵头"
        return both + ("，" + "、".join(row.support) + "配合" if row.support else "")
    return _deadline(name)


def _section_text(section: Section) -> str:
    return f"{section.label or ''}{section.title}"


def division_table_docx(name: str, rendering: str = "standard") -> bytes:
    """The plan as a .docx: its title and an annex task-division table whose header row
    repeats on every page."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    spec = RENDERINGS[rendering]
    columns = spec["columns"]
    words = {**HEADER_WORDS, **spec["words"]}
    document = docx.Document()
    _cjk_fonts(document, 10.5)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    _header_footer(document, fixture_text(name))
    for line in _title_lines(name):
        document.add_paragraph(line)
    sections = division_sections(name)
    rows = 1 + sum(1 + len(s.rows) for s in sections)
    table = document.add_table(rows=rows, cols=len(columns))
    table.style = "Table Grid"
    widths = {"seq": 12, "task": 40, "content": 110, "lead": 35, "support": 45, "both": 70, "deadline": 22}
    for j, role in enumerate(columns):
        for cell in table.columns[j].cells:
            cell.width = Mm(widths[role])
    head = table.rows[0]
    for j, role in enumerate(columns):
        head.cells[j].text = words[role]
        head.cells[j].paragraphs[0].runs[0].bold = True
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    r = 1
    number = 0
    for sec in sections:
        merged = table.rows[r].cells[0].merge(table.rows[r].cells[len(columns) - 1])
        merged.text = _section_text(sec)
        merged.paragraphs[0].runs[0].bold = True
        r += 1
        for row in sec.rows:
            number += 1
            for j, role in enumerate(columns):
                table.rows[r].cells[j].text = _cell(role, row, number, name)
            r += 1
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def division_table_xlsx(name: str, rendering: str = "standard") -> bytes:
    """The office's own Excel sheet of the same table: a title row merged across, the
    header row, each action a merged row, long cells wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    spec = RENDERINGS[rendering]
    columns = spec["columns"]
    words = {**HEADER_WORDS, **spec["words"]}
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    lines = _title_lines(name)
    ws.append([lines[-1]])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append([f"{lines[-2]}重点任务分工表"] if len(lines) > 1 else [""])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    ws.append([words[role] for role in columns])
    number = 0
    for sec in division_sections(name):
        ws.append([_section_text(sec)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(columns))
        for row in sec.rows:
            number += 1
            values = [_cell(role, row, number, name) for role in columns]
            ws.append([int(v) if role == "seq" else v for role, v in zip(columns, values, strict=True)])
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
