"""Project tables (重点项目表): a plan's projects listed as a table, under a task or as an
附件, in the manner of a task-division table:

    序号 | 项目名称 | 建设内容 | 建设规模 | 责任单位 | 总投资（亿元） | 建设年限
    1    | 红石风电场 | 新建风机20台 | 5万千瓦 | 县发改局 | 3.2 | 2025—2026年

A table reaches the parser as one line per row, whatever the format (tables.split_row).
Columns are recognised by the words of their header, not their position: a table is a
project table when one column names the project (项目名称) and at least two others are
what a project ledger records (建设内容, 建设规模, 责任单位, 总投资, 建设年限). A task
table (重点任务 | 牵头单位 | 完成时限) is none, so its rows never become projects.

Each row is a project in the shape the text's projects take (plans.parsing.projects):
its size from the 建设规模 cell, its investment in 万元 from the 总投资 cell (the unit
from the cell or the header), its start and finish years from 建设年限, its 责任单位 as
written. Where the table says which task a row belongs to (a 所属任务 column) the row
goes there; otherwise the whole table goes to the task it stands under.

Pure Python, like the rest of the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import plans.parsing.projects as pj

from .tables import project_columns as column_roles
from .tables import split_row
from .textmap import Text

_YEARS = re.compile(r"(20\d\d)\s*(?:年)?\s*(?:[-—–~至到]\s*(20\d\d))?")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(亿元|万元|亿|万)?")
_NUMBER = re.compile(r"^\s*[（(]?\d+[)）.、]?\s*")


@dataclass
class ProjectRow:
    first: int  # paragraph index of the row
    project: dict
    task_ref: str = ""  # the 所属任务 cell, as written


@dataclass
class ProjectTable:
    header: int
    end: int
    rows: list[ProjectRow] = field(default_factory=list)

    @property
    def paragraphs(self) -> range:
        return range(self.header, self.end)


def find_project_tables(paras: list[Text]) -> list[ProjectTable]:
    tables, i = [], 0
    while i < len(paras):
        cells = split_row(paras[i])
        roles = column_roles(cells) if cells else None
        if roles is None:
            i += 1
            continue
        table = ProjectTable(header=i, end=i + 1)
        money_unit = _header_unit(cells[roles.index("investment")].s) if "investment" in roles else None
        j = i + 1
        while j < len(paras):
            row = split_row(paras[j])
            if row is None:
                break
            table.end = j + 1
            project = _project(dict(zip(roles, (c.s for c in row), strict=False)), money_unit)
            if project is not None:
                ref = row[roles.index("task")].s if "task" in roles and roles.index("task") < len(row) else ""
                table.rows.append(ProjectRow(first=j, project=project, task_ref=ref.strip()))
            j += 1
        tables.append(table)
        i = j
    return tables


def _header_unit(header: str) -> str | None:
    m = re.search(r"(亿元|万元|亿|万)", header)
    return m.group(1) if m else None


def _project(cells: dict, money_unit: str | None) -> dict | None:
    """A row as a project, or None for a row that names none (a section row: 一、风电项目)."""
    name = _NUMBER.sub("", cells.get("name") or "").strip()
    others = [v for k, v in cells.items() if k not in ("name", "seq") and v and v.strip()]
    if not name or not others or len(name) > 100:
        return None
    size = (cells.get("size") or "").strip()
    content = (cells.get("content") or "").strip()
    project = pj._describe(name, size or content)
    project.pop("text", None)
    project.pop("year", None)
    project.pop("start_year", None)
    project.pop("investment", None)
    if "capacity" not in project and size and content:
        described = pj._describe(name, content)
        for key in ("capacity", "unit", "capacity_text"):
            if key in described:
                project[key] = described[key]
    years = _YEARS.search(pj.fold(cells.get("years") or ""))
    if years:
        if years.group(2):
            project["start_year"], project["year"] = int(years.group(1)), int(years.group(2))
        else:
            project["year"] = int(years.group(1))
    money = _AMOUNT.search(pj.fold(cells.get("investment") or ""))
    if money:
        unit = money.group(2) or money_unit or "万元"
        amount = float(money.group(1)) * (10000 if unit.startswith("亿") else 1)
        project["investment"] = pj._number(str(round(amount, 2)))
    if cells.get("location"):
        project["location"] = cells["location"].strip()[:100]
    agency = (cells.get("agency") or "").strip()
    if agency:
        project["agency"] = agency
    written = "；".join(
        f"{v.strip()}" for k, v in cells.items() if k not in ("seq", "task") and v and v.strip()
    )
    project["text"] = written
    return project


def _compact(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9.]", "", s or "")


def _task_by_ref(ref: str, actions: list[dict]) -> dict | None:
    """The task a 所属任务 cell names: by its number (2.3: the third task of the second
    action), its label or its title."""
    key = _compact(ref)
    if not key:
        return None
    m = re.fullmatch(r"(\d+)\.(\d+)", key)
    if m:
        a, t = int(m.group(1)), int(m.group(2))
        if 0 < a <= len(actions) and 0 < t <= len(actions[a - 1]["tasks"]):
            return actions[a - 1]["tasks"][t - 1]
    tasks = [t for a in actions for t in a["tasks"]]
    for task in tasks:
        title = _compact(task["title"])
        if title and (key == title or (len(key) >= 4 and (key in title or title in key))):
            return task
    return None


def _task_at(offset: int, actions: list[dict]) -> dict | None:
    """The task a table at `offset` stands under: the one whose text holds it, else the
    last task before it in the same action."""
    for action in actions:
        start, end = action["span"]
        if not start <= offset <= end:
            continue
        before = [t for t in action["tasks"] if t["span"][0] <= offset]
        return before[-1] if before else None
    for task in (t for a in actions for t in a["tasks"]):
        if task["span"][0] <= offset <= task["span"][1]:
            return task
    return None


_ANNEX = re.compile(r"^\s*附\s*件\s*\d*\s*[:：]?\s*$|^\s*附件\s*\d*[:：]?\s*\S{0,30}(?:项目|清单|表)\s*$")


def _para_at(paras: list[Text], offset: int) -> int:
    return next((i for i, p in enumerate(paras) if p.span()[0] >= offset), len(paras))


def attach_table_projects(assembler, actions: list[dict]) -> None:
    """Put the rows of the document's project tables on their tasks (a row's own 所属任务
    first, else the task the table stands under, not across an 附件 heading); rows with no task are listed in a
    warning for the office to add by hand on the review page, never dropped."""
    paras = assembler.paras
    for table in assembler.project_tables:
        at = paras[table.header].span()[0]
        under = _task_at(at, actions)
        if under is not None:
            # A table after the 附件 heading stands under no task, however near the last.
            between = range(_para_at(paras, under["span"][0]), table.header)
            if any(_ANNEX.match(paras[i].s) for i in between):
                under = None
        lost = []
        for row in table.rows:
            task = _task_by_ref(row.task_ref, actions) or under
            if task is None:
                lost.append(row.project)
                continue
            named = {p["name"]: i for i, p in enumerate(task["projects"])}
            if row.project["name"] in named:
                # The table says more than the sentence that names the project.
                task["projects"][named[row.project["name"]]] = row.project
            else:
                task["projects"].append(row.project)
        if lost:
            names = "、".join(p["name"] for p in lost)
            assembler._warn(
                "project_table_unattached",
                f"重点项目表中的{len(lost)}个项目未能对应到任务，请在审核时添加到所属任务：{names}。",
                at=at,
            )
