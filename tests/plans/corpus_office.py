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
from dataclasses import dataclass, field

from plans import bench_docs

from .corpus import _doc_number, _issuer, fixture_text
from .docs import expected_structure

_CHAPTER = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、")
_ACTION = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")
_TASK = re.compile(r"^\s*\d{1,2}\s*[.．、]")


def office_docx(
    text: str, size_pt: float = 12, list_numbers: bool = False, annex_of: str | None = None
) -> bytes:
    """The plan as an office writes it in Word (see plans/bench_docs.py); with
    `annex_of` (a fixture name), followed by its task-division table as an annex that
    names each task's agencies as the hand-checked structure does."""
    annex = None
    if annex_of:
        sections, number = [], 0
        for sec in division_sections(annex_of):
            rows = []
            for row in sec.rows:
                number += 1
                rows.append(
                    [str(number), row.title, "、".join(row.lead), "、".join(row.support), _deadline(annex_of)]
                )
            sections.append((_section_text(sec), rows))
        annex = (["序号", "重点任务", "牵头单位", "配合单位", "完成时限"], sections)
    running = f"{_issuer(text)}　　{_doc_number(text)}"
    return bench_docs.office_docx(text, running, size_pt, list_numbers, annex=annex)


def soffice_pdf(docx_bytes: bytes) -> bytes:
    """The PDF LibreOffice's export makes of a .docx."""
    return bench_docs.soffice_pdf(docx_bytes)


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
    "two-row header, merged lead cells": {
        "columns": ["seq", "task", "content", "lead", "support", "deadline"],
        "words": {"content": "具体内容"},
        "group": "责任单位",
        "merge_lead": True,
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
    spec = RENDERINGS[rendering]
    columns = spec["columns"]
    words = {**HEADER_WORDS, **spec["words"]}
    sections, number = [], 0
    for sec in division_sections(name):
        rows = []
        for row in sec.rows:
            number += 1
            rows.append([_cell(role, row, number, name) for role in columns])
        sections.append((_section_text(sec), rows))
    text = fixture_text(name)
    running = f"{_issuer(text)}　　{_doc_number(text)}"
    group = None
    if spec.get("group"):
        group = (spec["group"], columns.index("lead"), columns.index("support"))
    merge = columns.index("lead") if spec.get("merge_lead") else None
    return bench_docs.division_docx(
        _title_lines(name), [words[r] for r in columns], sections, running, group=group, merge_column=merge
    )


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
    if spec.get("group"):
        # 责任单位 over 牵头单位 | 配合单位; the other header cells merged over both rows.
        first, last = columns.index("lead") + 1, columns.index("support") + 1
        top = ws.max_row + 1
        ws.append(
            [
                spec["group"] if j == first else ("" if first <= j <= last else words[role])
                for j, role in enumerate(columns, start=1)
            ]
        )
        ws.append([words[role] if first <= j <= last else None for j, role in enumerate(columns, start=1)])
        ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
        for j in range(1, len(columns) + 1):
            if not first <= j <= last:
                ws.merge_cells(start_row=top, start_column=j, end_row=top + 1, end_column=j)
    else:
        ws.append([words[role] for role in columns])
    number = 0
    lead_column = columns.index("lead") + 1 if "lead" in columns else None
    for sec in division_sections(name):
        ws.append([_section_text(sec)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(columns))
        first_row = ws.max_row + 1
        for row in sec.rows:
            number += 1
            values = [_cell(role, row, number, name) for role in columns]
            ws.append([int(v) if role == "seq" else v for role, v in zip(columns, values, strict=True)])
        if spec.get("merge_lead") and lead_column:
            # One 牵头单位 cell for consecutive tasks with the same lead.
            start = first_row
            for r in range(first_row + 1, ws.max_row + 2):
                if r <= ws.max_row and ws.cell(r, lead_column).value == ws.cell(start, lead_column).value:
                    continue
                if r - 1 > start:
                    for k in range(start + 1, r):
                        ws.cell(k, lead_column).value = None
                    ws.merge_cells(
                        start_row=start, start_column=lead_column, end_row=r - 1, end_column=lead_column
                    )
                start = r
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
