"""Task breakdown tables: 任务分解表, 重点任务清单, 工作台账.

Many plans (annual ones above all, and most .docx) list their tasks in a table, in the
body under 重点任务 or as an 附件 after it:

    序号 | 重点任务 | 具体内容 | 量化目标 | 牵头单位 | 配合单位 | 完成时限
    一、能源绿色低碳转型行动                       <- a row of one cell: an action
    1    | 大力发展新能源 | …到2025年… | 135.5万千瓦 | 县发改局 | 县自然资源局 | 2025年底

A table reaches the parser as one line per row: cells separated by tabs (a .docx, or a
table copied from Word), by `|` (a markdown conversion) or by runs of two or more spaces
(a PDF copied as text). Columns are recognised by the words of their header, not by
their position. A merged cell (an action spanning several rows, one 牵头单位 for
several tasks) reaches us as empty cells below its first row: those carry the value
above them down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import plans.parsing.agencies as ag

from .labels import find_label, label_as_written
from .structure import heading_title
from .textmap import Text

# Column roles by header words, tried in this order: "目标任务" is a target column,
# "具体任务" a content column, "任务类别" an action column, "重点任务" a task column.
_ROLES: list[tuple[str, re.Pattern]] = [
    ("ignore", re.compile(r"领导|备注|说明|资金|投资|金额|来源|依据|联系人|电话|页码")),
    ("seq", re.compile(r"^(?:序号|编号|序|No\.?|NO\.?)$")),
    ("both", re.compile(r"牵头.*配合|牵头.*协办|主办.*协办")),
    ("support", re.compile(r"配合|协办|协同|参与|协助")),
    (
        "lead",
        re.compile(r"牵头|责任单位|责任部门|主办|责任主体|负责单位|承办|实施主体|实施单位|主体单位|责任"),
    ),
    ("deadline", re.compile(r"时限|时间|进度|节点|期限|年份|年度$")),
    ("target", re.compile(r"目标|指标|预期|成效|成果|任务量")),
    ("content", re.compile(r"内容|措施|举措|具体|要求|做法|路径|抓手|描述")),
    ("action", re.compile(r"领域|类别|分类|方向|板块|行动|专项|分项|类型")),
    ("task", re.compile(r"任务|工作|事项|项目|名称")),
]
_HEADER_CELL_MAX = 20
# "Same as above": what a merged cell's lower rows read as (see decode), or a typist's mark.
_DITTO = {"〃", "同上", '"', "”", "〃〃"}
_SECTION_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.]?|\(\s*[一二三四五六七八九十]+\s*\))\s*$"
)
_SECTION_MAX = 60

# A project table (plans.parsing.project_tables): 项目名称 and at least two columns a
# project ledger records. It ends a task table above it and is never one.
_PROJECT_COLUMNS: list[tuple[str, re.Pattern]] = [
    ("seq", re.compile(r"^(?:序号|编号|序)$")),
    ("task", re.compile(r"所属任务|对应任务|重点任务|任务名称|任务编号|所属行动")),
    ("name", re.compile(r"项目名称|^项目$|^名称$|^重点项目$")),
    ("content", re.compile(r"建设内容|主要内容|建设任务|项目内容|内容")),
    ("size", re.compile(r"建设规模|规模|装机|产能")),
    ("agency", re.compile(r"责任单位|牵头单位|责任部门|实施单位|业主单位|责任主体|项目单位")),
    ("investment", re.compile(r"总投资|计划投资|投资")),
    ("years", re.compile(r"建设年限|建设期限|起止年限|建设周期|实施年限|建设时间|年限|起止时间")),
    ("location", re.compile(r"建设地点|地点|位置")),
]
_PROJECT_LEDGER = {"content", "size", "agency", "investment", "years"}


def project_columns(cells: list[Text]) -> list[str | None] | None:
    """The roles of a project table's header cells, or None for any other row."""
    if len(cells) < 3 or any(len(c.s) > _HEADER_CELL_MAX for c in cells):
        return None
    roles = []
    for cell in cells:
        compact = re.sub(r"\s", "", cell.s)
        roles.append(
            next((role for role, pattern in _PROJECT_COLUMNS if compact and pattern.search(compact)), None)
        )
    if "name" not in roles or len(_PROJECT_LEDGER & set(roles)) < 2:
        return None
    return roles


@dataclass
class TableTask:
    label: str | None
    title: str
    first: int  # paragraph range [first, end)
    end: int
    cells: list[tuple[str, Text]] = field(default_factory=list)  # (role, cell): where targets are read
    assignments: list[ag.Assignment] = field(default_factory=list)
    deadline_year: int | None = None
    key: str = ""  # the task cell as written, to tell a new task from a merged one


@dataclass
class TableAction:
    label: str | None
    title: str
    first: int
    end: int
    tasks: list[TableTask] = field(default_factory=list)
    key: str = ""


@dataclass
class Table:
    header: int  # paragraph index of the header row
    first: int  # first row after the header
    end: int
    actions: list[TableAction]

    projects: bool = False  # a list of projects (项目名称 | 建设内容 | …), not of tasks
    skipped: list[int] = field(default_factory=list)  # rows that could not be placed

    @property
    def tasks(self) -> list[TableTask]:
        return [t for a in self.actions for t in a.tasks]


def split_row(para: Text) -> list[Text] | None:
    """The cells of a table row, or None for a line that is not one."""
    s = para.s
    if s.lstrip().startswith("|") and s.rstrip().endswith("|") and s.count("|") >= 3:
        bounds = [m.start() for m in re.finditer(r"\|", s)]
        cells = [para[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]
    elif "\t" in s:
        bounds = [-1, *(m.start() for m in re.finditer("\t", s)), len(s)]
        cells = [para[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]
    elif re.search(r"\S {2,}\S", s):
        cells, start = [], 0
        for m in re.finditer(r" {2,}", s):
            cells.append(para[start : m.start()])
            start = m.end()
        cells.append(para[start:])
    else:
        return None
    cells = [c.strip() for c in cells]
    return cells if len(cells) >= 2 else None


def _role(header: str) -> str | None:
    compact = re.sub(r"\s", "", header)
    if not compact or len(compact) > _HEADER_CELL_MAX:
        return None
    for role, pattern in _ROLES:
        if pattern.search(compact):
            return role
    return None


def header_roles(cells: list[Text]) -> list[str | None] | None:
    """Column roles when `cells` is the header of a task table, else None."""
    if len(cells) < 3:
        return None
    roles = [_role(c.s) for c in cells]
    known = [r for r in roles if r]
    if len(known) * 2 < len(cells) + 1 and len(known) < 4:
        return None
    if not {"lead", "both"} & set(known) or not {"task", "content", "action"} & set(known):
        return None
    if any(len(c.s) > _HEADER_CELL_MAX for c in cells if c.s):
        return None
    # Two task columns: the first groups the second (重点任务 | 工作任务).
    tasks = [i for i, r in enumerate(roles) if r == "task"]
    if len(tasks) >= 2:
        roles[tasks[0]] = "action"
    if "task" not in roles:
        contents = [i for i, r in enumerate(roles) if r == "content"]
        if len(contents) >= 2:
            roles[contents[0]] = "task"
        elif "content" not in roles:
            actions = [i for i, r in enumerate(roles) if r == "action"]
            roles[actions[-1]] = "task"
    return roles


def _agency_like(cell: Text) -> bool:
    names = ag.split_names(cell.d, cell.s)
    return bool(names) and all(ag.AGENCY_SUFFIX.search(n) and len(n) <= 30 for n in names)


def _align(cells: list[Text], roles: list[str | None]) -> list[Text | None]:
    """Cells in header order. A row short of cells lost its merged leading cells (or its
    empty trailing ones): choose the shift that puts agencies under the agency columns."""
    n = len(roles)
    if len(cells) >= n:
        return list(cells[: n - 1]) + [_join(cells[n - 1 :])]
    agency_cols = [i for i, r in enumerate(roles) if r in ("lead", "support", "both")]
    best, best_score = 0, -1
    for shift in range(n - len(cells) + 1):
        score = sum(1 for i in agency_cols if 0 <= i - shift < len(cells) and _agency_like(cells[i - shift]))
        if score > best_score:
            best, best_score = shift, score
    return [None] * best + list(cells) + [None] * (n - len(cells) - best)


def _join(cells: list[Text]) -> Text:
    out = cells[0]
    for c in cells[1:]:
        out = out + Text(" ", " ", [c.pos[0] if c.pos else 0]) + c if c else out
    return out


def _is_section(para: Text) -> bool:
    s = para.s.strip()
    return 0 < len(s) <= _SECTION_MAX and not re.search(r"[。;；]", s)


def _compact(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", s)


def _title(cell: Text) -> tuple[str | None, str]:
    label = find_label(cell.s)
    clauses = ag.find_clauses(cell)
    title = heading_title(cell, label, set(), clauses)
    return (label_as_written(cell.d, label) if label else None), title


def _assignment(cell: Text, role: str, header: str, has_support_column: bool) -> ag.Assignment:
    standing, _ = ag.standing_names(cell)
    if standing:
        # "X配合（以下任务均需X配合，不再重复列出）": parse_clause keeps the note apart.
        parsed = ag.parse_clause(cell)
        if role == "support":
            return ag.Assignment([], parsed.lead + parsed.support, standing=parsed.standing)
        return parsed
    names = ag.split_names(cell.d, cell.s)
    if role == "support":
        return ag.Assignment([], names)
    if ag.find_clauses(cell) or re.search(r"牵头|配合|协办|参与|协助", cell.s):
        parsed = ag.parse_clause(cell)
        if parsed:
            if role == "lead" and "牵头" in header and not parsed.explicit:
                return ag.Assignment(parsed.lead + parsed.support, [], explicit=True)
            return parsed
    if not names:
        return ag.Assignment()
    if re.search(r"第一|首位|排首|居首|排名第", header):
        # 责任单位（排第一位的为牵头单位）: the header says who leads.
        return ag.Assignment(names[:1], names[1:], explicit=True)
    if role == "both" or "牵头" in header or "主办" in header or has_support_column:
        # The header names the role: everyone in the cell leads (X、Y牵头).
        return ag.Assignment(names, [], explicit=True)
    # A 责任单位 list with no 牵头: the first is taken as lead (SCHEMA).
    return ag.Assignment(names[:1], names[1:], explicit=False)


def _year(cell: Text | None) -> int | None:
    if cell is None:
        return None
    years = set(re.findall(r"(20\d{2})\s*年", cell.s))
    return int(years.pop()) if len(years) == 1 else None


def _caption(paras: list[Text], header: int) -> tuple[str | None, str]:
    """(label, title) of the line above a table without section rows: the action
    heading it belongs to ("（一）能源绿色低碳转型行动"), or its own title."""
    for i in range(header - 1, max(-1, header - 4), -1):
        para = paras[i].strip()
        if para and len(para.s) <= 40 and not re.search(r"[。;；]", para.s):
            m = re.match(r"\s*附件\s*\d*\s*:?\s*", para.s)
            if m:
                para = para[m.end() :]
            if not para:
                break
            return _title(para)
    return None, "重点任务"


def find_tables(paras: list[Text], start: int = 0) -> list[Table]:
    tables: list[Table] = []
    i = start
    while i < len(paras):
        cells = split_row(paras[i])
        roles = header_roles(cells) if cells else None
        if roles is None:
            i += 1
            continue
        table, i = _read_table(paras, i, roles)
        if table.tasks:
            tables.append(table)
    return tables


def _read_table(paras: list[Text], header: int, roles: list[str | None]) -> tuple[Table, int]:
    head_cells = split_row(paras[header]) or []
    head_text = {r: head_cells[k].s for k, r in enumerate(roles) if r and k < len(head_cells)}
    has_support = "support" in roles
    has_task = "task" in roles
    has_seq = "seq" in roles
    actions: list[TableAction] = []
    action: TableAction | None = None
    task: TableTask | None = None
    carried: dict[str, Text] = {}
    header_key = _compact(paras[header].s)
    skipped: list[int] = []

    i = header + 1
    sub = split_row(paras[i]) if i < len(paras) else None
    if sub is not None:
        # A two-row header: 责任单位 spanning 牵头单位 | 配合单位 below it.
        sub_roles = [_role(c.s) if c.s and c.s not in _DITTO else None for c in sub]
        named = [r for c, r in zip(sub, sub_roles, strict=True) if c.s and c.s not in _DITTO]
        labelled = any(find_label(c.s) for c in sub if c.s)
        if len(named) >= 2 and all(named) and not labelled and len(sub) <= len(roles):
            for k, role in enumerate(sub_roles):
                if role and role != "ignore":
                    roles[k] = role
                    head_text[role] = sub[k].s
            has_support = "support" in roles
            i += 1
    while i < len(paras):
        para = paras[i]
        cells = split_row(para)
        if cells is None:
            nxt = split_row(paras[i + 1]) if i + 1 < len(paras) else None
            if not _is_section(para) or nxt is None:
                break
            label, title = _title(para.strip())
            action = TableAction(label, title, i, i + 1, key=_compact(para.s))
            actions.append(action)
            task = None
            carried.pop("lead", None)
            carried.pop("support", None)
            carried.pop("both", None)
            i += 1
            continue
        if _compact(para.s) == header_key:
            i += 1  # the header repeated on a new page
            continue
        if project_columns(cells):
            break
        row = _align(cells, roles)
        value, ditto = {}, set()
        for role, cell in zip(roles, row, strict=True):
            if role and cell is not None and cell.s.strip() in _DITTO:
                ditto.add(role)
            elif role and cell is not None and cell.s.strip() and role not in value:
                value[role] = cell
        filled = [c for c in row if c is not None and c.s.strip() and c.s.strip() not in _DITTO]
        section = None
        if len(filled) == 1 and _is_section(filled[0]) and "action" not in roles:
            # A section row whose cell did not span the table: text in its first cell.
            if row[0] is filled[0] or find_label(filled[0].s):
                section = filled[0]
        seq_cell = value.get("seq")
        if seq_cell is not None and _SECTION_NUMBER.match(seq_cell.s) and "lead" not in value:
            # "一 | 能源绿色低碳转型行动 | | |": Chinese numbers number the sections.
            section = value.get("task") or value.get("content") or value.get("action")
            if section is not None:
                label, title = _title(section)
                action = TableAction(
                    seq_cell.d.strip().rstrip("、.．"), title, i, i + 1, key=_compact(section.s)
                )
                actions.append(action)
                task = None
                i += 1
                continue
        if section is not None:
            label, title = _title(section)
            action = TableAction(label, title, i, i + 1, key=_compact(section.s))
            actions.append(action)
            task = None
            i += 1
            continue

        if "action" in value and (action is None or _compact(value["action"].s) != action.key):
            label, title = _title(value["action"])
            action = TableAction(label, title, i, i + 1, key=_compact(value["action"].s))
            actions.append(action)
            task = None
        if action is None:
            label, title = _caption(paras, header)
            action = TableAction(label, title, i, i + 1, key="")
            actions.append(action)

        seq, task_cell, content = value.get("seq"), value.get("task"), value.get("content")
        if has_task:
            new = (
                task is None
                or seq is not None
                or (task_cell is not None and _compact(task_cell.s) != task.key)
            )
            if task_cell is None and seq is None and task is None and content is None:
                new = False
        elif has_seq:
            new = task is None or seq is not None
        else:
            new = True
        if task is None and not (task_cell or content):
            if filled:
                skipped.append(i)  # text in a row before any task: shown, not placed
            i += 1
            continue

        # Every task has a lead, so an empty lead cell is a merged one and takes the
        # value above it; a 配合单位 cell may be empty for real, and takes the value
        # above only when it says so (〃, 同上: a merged cell read from a .docx).
        for role in ("lead", "support", "both"):
            if role in value:
                carried[role] = value[role]
        if new:
            source = task_cell or content
            if not source:
                skipped.append(i)  # a row with a number and agencies but no task: shown
                i += 1
                continue
            label, title = _title(source)
            if seq is not None:
                label = seq.d.strip().rstrip("、.．,，").strip() or label
            task = TableTask(label, title, i, i + 1, key=_compact(task_cell.s) if task_cell else "")
            action.tasks.append(task)
            for role in ("lead", "support", "both"):
                cell = value.get(role) or (carried.get(role) if role != "support" or role in ditto else None)
                if cell is not None:
                    task.assignments.append(_assignment(cell, role, head_text.get(role, ""), has_support))
        else:
            for role in ("lead", "support", "both"):
                if role in value:
                    task.assignments.append(
                        _assignment(value[role], role, head_text.get(role, ""), has_support)
                    )
        task.end = i + 1
        action.end = i + 1
        for role in ("task", "content", "target"):
            cell = value.get(role)
            if cell is not None and not (role == "task" and not new):
                task.cells.append((role, cell))
        year = _year(value.get("deadline"))
        if year:
            task.deadline_year = task.deadline_year or year
        i += 1
    actions = [a for a in actions if a.tasks]
    task_heads = [
        head_cells[k].s for k, r in enumerate(roles) if r in ("task", "action") and k < len(head_cells)
    ]
    projects = any("项目" in h for h in task_heads)
    return Table(header, header + 1, i, actions, projects=projects, skipped=skipped), i


def assignment_of(task: TableTask) -> ag.Assignment:
    """Lead and support of a table task. Agencies named in its content cells count only
    when the agency columns are empty."""
    own = [a for a in task.assignments if a]
    if not own:
        own = [c.assignment for _, cell in task.cells for c in ag.find_clauses(cell)]
    if not own:
        return ag.Assignment()
    lead_parts = [a for a in own if a.lead]
    explicit = any(a.explicit for a in lead_parts)
    chosen = [a for a in lead_parts if a.explicit] if explicit else lead_parts[:1]
    lead = ag._unique(n for a in chosen for n in a.lead)
    support = ag._unique(n for a in own for n in a.lead + a.support if n not in lead)
    standing = ag._unique(n for a in own for n in a.standing)
    return ag.Assignment(lead, support, explicit=explicit, standing=standing)
