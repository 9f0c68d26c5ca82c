"""How task tables enter a plan: as its task list, or as the 附件 that says who does
the tasks the text lists."""

from __future__ import annotations

import difflib
import re

import plans.parsing.agencies as ag
import plans.parsing.tables as tb

from .project_tables import find_project_tables
from .structure import Outline
from .textmap import Text


def task_tables(
    paras: list[Text], ol: Outline, clauses: list[list[ag.Clause]]
) -> tuple[list[tb.Table], dict[int, tb.TableTask]]:
    """How task tables enter the plan: (tables that ARE the task list, or []; the table
    row that says who does each text task, by the task's first paragraph).

    When the numbered text lists the tasks without agencies and a table (often the 附件)
    repeats them with their agencies, the text keeps the structure and each task takes
    its agencies from the row with the same title. Otherwise a table wins when it assigns
    more tasks than the text does: a .docx whose 重点任务 are a table, a 任务清单 that is
    nothing but a table."""
    tables = tb.find_tables(paras)
    # A project table (项目名称 | 建设规模 | 总投资 …) lists projects, never tasks.
    project_headers = {t.header for t in find_project_tables(paras)}
    tables = [t for t in tables if t.header not in project_headers]
    if not tables:
        return [], {}
    if not ol.actions:
        return tables, {}
    # Beside numbered text, a list of projects (项目名称 | 建设内容 | 责任单位) is a
    # 专栏 of the plan, never its task list.
    tables = [t for t in tables if not t.projects]
    if not tables:
        return [], {}
    table_tasks = [task for t in tables for task in t.tasks]
    table_led = sum(1 for task in table_tasks if tb.assignment_of(task).lead)
    text_tasks = [task for part in ol.actions for task in part.tasks]

    def named(first: int, end: int) -> bool:
        return any(clauses[i] for i in range(first, end) if i not in ol.box_paras)

    unassigned = []
    for part in ol.actions:
        node = part.node
        # Agencies under an action heading stand for its tasks that name none.
        intro_end = node.children[0].para if node.children else part.tasks[0].first
        intro = intro_end > node.para and named(node.para, intro_end)
        unassigned += [t for t in part.tasks if not intro and not named(t.first, t.end)]
    text_led = len(text_tasks) - len(unassigned)
    rows: dict[int, tb.TableTask] = {}
    for task in unassigned:
        row = _same_task(task.title, table_tasks)
        if row is not None and tb.assignment_of(row):
            rows[task.first] = row
    if unassigned and len(rows) >= max(2, 0.5 * len(unassigned)):
        # The annex repeats most tasks: its agencies stand for every task it repeats,
        # those the text names too (a difference is shown to the office).
        for task in text_tasks:
            if task.first not in rows:
                row = _same_task(task.title, table_tasks)
                if row is not None and tb.assignment_of(row):
                    rows[task.first] = row
        return [], rows
    if not unassigned and table_led:
        # Every task names its agencies in the text and an annex table repeats them:
        # the table is the office's division of labour and wins.
        for task in text_tasks:
            row = _same_task(task.title, table_tasks)
            if row is not None and tb.assignment_of(row):
                rows[task.first] = row
        if len(rows) >= max(2, 0.5 * len(text_tasks)):
            return [], rows
        rows = {}
    return (tables, {}) if table_led > text_led else ([], {})


def _same_task(title: str, rows: list[tb.TableTask]) -> tb.TableTask | None:
    key = _compact(title)
    if len(key) < 4:
        return None
    best, best_ratio = None, 0.0
    for row in rows:
        other = _compact(row.title)
        if not other:
            continue
        ratio = 1.0 if key == other else difflib.SequenceMatcher(None, key, other).ratio()
        if ratio > best_ratio:
            best, best_ratio = row, ratio
    return best if best_ratio >= 0.8 else None


def _compact(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", s)
