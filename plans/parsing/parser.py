"""Assemble the parsed plan: structure, agencies, indicators and facts (SCHEMA.md)."""

from __future__ import annotations

import os
import re

import plans.parsing.agencies as ag
import plans.parsing.facts as facts
import plans.parsing.indicators as ind
import plans.parsing.projects as pj
import plans.parsing.tables as tb

from .annex import task_tables
from .clean import clean_document, paragraphs
from .decode import decode_document
from .errors import PlanParseError
from .project_tables import attach_table_projects, find_project_tables
from .structure import ActionPart, Node, Outline, TaskPart, outline, split_enumerations
from .textmap import Text

_NO_TASKS = (
    "未找到重点任务：文中没有可识别的编号行动和任务（如“（一）……行动”下的“1. ……”）。"
    "请确认上传的是碳达峰实施方案（或年度任务方案）的正文。"
)
_EMPTY = "文件为空，没有可读取的内容。"
# A document without a single responsible agency is still a plan if its title says so.
_PLAN_TITLE = ("方案", "计划", "要点", "清单")


def parse_document(data: bytes, filename: str) -> dict:
    """Decode an uploaded file (UTF-8 / GB18030 text or .docx) and parse it."""
    text = decode_document(data, filename)
    return parse_plan_text(text, source_name=os.path.basename(filename or ""))


def parse_plan_text(text: str, source_name: str = "") -> dict:
    """The SCHEMA.md structure of a decoded plan, with spans into `text` and warnings."""
    if not text or not text.strip():
        raise PlanParseError(_EMPTY)
    cleaned, bold = clean_document(text)
    paras = paragraphs(cleaned)
    clauses = [ag.find_clauses(p) for p in paras]
    ol = outline(paras, bold, clauses)
    split = split_enumerations(paras, ol)
    if split is not None:
        paras = split
        clauses = [ag.find_clauses(p) for p in paras]
        ol = outline(paras, bold, clauses)
    tables, rows = task_tables(paras, ol, clauses)
    if not ol.actions and not tables:
        raise PlanParseError(_NO_TASKS)
    return _Assembler(text, source_name, paras, ol, clauses, tables, rows).run()


def _compact(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", s)


class _Assembler:
    def __init__(
        self,
        text: str,
        source: str,
        paras: list[Text],
        ol: Outline,
        clauses: list[list[ag.Clause]],
        tables: list[tb.Table] | None = None,
        rows: dict[int, tb.TableTask] | None = None,
    ):
        self.tables = tables or []
        self.rows = rows or {}
        self.text = text
        self.source = source
        self.paras = paras
        self.ol = ol
        self.clauses = clauses
        self.headings = {n.para: n for n in ol.root.walk() if n.label is not None}
        self.warnings: list[dict] = []
        self.issued_year: int | None = None
        self.disagreements: list[tuple] = []
        # The header row of the table each table task was read from.
        self.table_of = {id(task): table.header for table in self.tables for task in table.tasks}
        # Rows of project tables are projects (project_tables), not targets or sentences.
        self.project_tables = find_project_tables(paras)
        self.project_paras = {i for t in self.project_tables for i in t.paragraphs}

    def run(self) -> dict:
        # Agencies first: the plan's level is read partly from them, and indicators
        # need the plan year, read from the facts.
        actions, ranges, standing = [], [], []
        if self.tables:
            actions, readers = self._table_actions()
        else:
            for a_seq, part in enumerate(self.ol.actions, start=1):
                action, action_ranges = self._action(a_seq, part, standing)
                actions.append(action)
                ranges.append(action_ranges)
            self._apply_standing(actions, ranges, standing)
            readers = [
                [
                    lambda year, first=first, end=end: self._text_indicators(first, end, year)
                    for first, end in r
                ]
                for r in ranges
            ]

        plan = self._plan(actions)
        for action, action_readers in zip(actions, readers, strict=True):
            for task, read in zip(action["tasks"], action_readers, strict=True):
                task["indicators"] = read(plan["plan_year"])
        goals = self._goals(plan["plan_year"])

        if not any(t["lead"] for a in actions for t in a["tasks"]) and not plan["title"].endswith(
            _PLAN_TITLE
        ):
            raise PlanParseError(_NO_TASKS)

        attach_table_projects(self, actions)
        self._duplicates(actions)
        self._disagreement_warnings(actions)
        self._task_warnings(actions, goals)
        self._unplaced()
        return {
            "source": self.source,
            "plan": plan,
            "goals": goals,
            "actions": actions,
            "warnings": self.warnings,
            "text_length": len(self.text),
        }

    # -- structure and agencies ------------------------------------------------------------

    def _span(self, first: int, end: int) -> list[int]:
        end = max(end, first + 1)
        return [self.paras[first].span()[0], self.paras[end - 1].span()[1]]

    def _clauses_in(self, first: int, end: int, boxes: bool = False):
        for i in range(first, end):
            if boxes or i not in self.ol.box_paras:
                for clause in self.clauses[i]:
                    yield i, clause

    def _action(self, a_seq: int, part: ActionPart, standing: list) -> tuple[dict, list[tuple[int, int]]]:
        node = part.node
        intro_end = node.children[0].para if node.children else node.end
        if not node.children and part.tasks and part.tasks[0].first > node.para:
            intro_end = part.tasks[0].first  # bold-led tasks after an introduction
        # Agencies written under the action heading stand for tasks that name none.
        intro = ag.merge([c.assignment for _, c in self._clauses_in(node.para, intro_end)])
        if node.children and all(c.kind == "shi" for c in node.children) and not intro:
            # "一是……；二是……。（X牵头，Y配合）": the closing clause is for every part.
            closing = [c.assignment for _, c in self._clauses_in(node.para, node.end)]
            intro = closing[-1] if closing else intro
        intro_projects = self._projects(node.para + 1, intro_end, text=False)
        if node.children:
            standing += [(i, c.assignment.standing) for i, c in self._clauses_in(node.para, intro_end)]
        tasks, ranges = [], []
        for t_seq, tp in enumerate(part.tasks, start=1):
            tasks.append(self._task(t_seq, tp, intro, standing))
            ranges.append((tp.first, tp.end))
        if intro_projects and node.children:
            tasks[0]["projects"] = intro_projects + tasks[0]["projects"]
        span = self._span(node.para, node.end)
        action = {
            "seq": a_seq,
            "label": node.label_text,
            "title": node.title,
            "tasks": tasks,
            "span": span,
            "text": self.text[span[0] : span[1]],
        }
        return action, ranges

    def _task(self, t_seq: int, tp: TaskPart, intro: ag.Assignment, standing: list) -> dict:
        own = [c.assignment for _, c in self._clauses_in(tp.first, tp.end)]
        standing += [(i, c.assignment.standing) for i, c in self._clauses_in(tp.first, tp.end)]
        assignment = ag.merge(own) if any(own) else intro
        row = self.rows.get(tp.first)
        if row is not None:
            # The task table (附件) says who does this task.
            table_assignment = tb.assignment_of(row)
            # The text's agencies include those a standing clause adds to every task.
            added = [n for i, names in standing if i < tp.end for n in names]
            text_assignment = ag.Assignment(
                assignment.lead,
                ag._unique(assignment.support + [n for n in added if n not in assignment.lead]),
            )
            if any(own) and _differs(text_assignment, table_assignment):
                self.disagreements.append((tp, text_assignment, table_assignment))
            assignment = table_assignment
            standing.append((tp.first, list(assignment.standing)))
        return self._task_dict(t_seq, tp, assignment, self._projects(tp.first, tp.end))

    def _projects(self, first: int, end: int, text: bool = True) -> list[dict]:
        """The projects of the 专栏 boxes in [first, end), then those named in the text.
        A box from which no project could be read is said, so the office adds them."""
        box_lines = [self.paras[i].d for i in range(first, end) if i in self.ol.box_paras]
        found = pj.box_projects(box_lines)
        if box_lines and not found:
            self._warn(
                "box_without_projects",
                "专栏中未识别出具体项目，请在审核时补充。",
                at=self.paras[min(i for i in range(first, end) if i in self.ol.box_paras)].span()[0],
            )
        if text:
            for i in range(first, end):
                if i not in self.ol.box_paras and i not in self.project_paras:
                    found += pj.text_projects(self.paras[i].d)
        return pj.unique(found)

    def _task_dict(
        self, t_seq: int, tp: TaskPart | tb.TableTask, assignment: ag.Assignment, projects: list
    ) -> dict:
        """A task in the output shape; its indicators are filled in later."""
        span = self._span(tp.first, tp.end)
        source = self._source(tp)
        return {
            **({"source": source} if source else {}),
            "seq": t_seq,
            "label": tp.label,
            "title": tp.title,
            "lead": list(assignment.lead),
            "support": list(assignment.support),
            "lead_inferred": bool(assignment.lead) and not assignment.explicit,
            "indicators": [],
            "text": self.text[span[0] : span[1]],
            "span": span,
            "projects": projects,
            "duplicate_of": None,
        }

    def _source(self, tp: TaskPart | tb.TableTask) -> dict | None:
        """Where a task stands in the document: its line, its page (a PDF) and, for a
        task read from a table, its row in that table counted from the header row."""
        at = self.paras[tp.first].span()[0]
        source: dict = {}
        header = self.table_of.get(id(tp))
        if header is not None:
            source["row"] = tp.first - header + 1
        elif "\f" not in self.text:
            return None
        source["line"] = self.text.count("\n", 0, at) + 1
        if "\f" in self.text:
            source["page"] = self.text.count("\f", 0, at) + 1
        return source

    def _table_actions(self) -> tuple[list[dict], list[list]]:
        actions, readers = [], []
        parts = [a for table in self.tables for a in table.actions]
        standing: list[str] = []
        for a_seq, part in enumerate(parts, start=1):
            tasks, action_readers = [], []
            for t_seq, tp in enumerate(part.tasks, start=1):
                assignment = tb.assignment_of(tp)
                if assignment.standing:
                    standing = ag._unique(standing + assignment.standing)
                    self._warn(
                        "standing_clause",
                        f"方案写明以下任务均需{'、'.join(assignment.standing)}配合，已加入该任务及其后每项任务的配合单位。",
                        at=self.paras[tp.first].span()[0],
                    )
                for name in standing:
                    if name not in assignment.lead and name not in assignment.support:
                        assignment.support.append(name)
                projects = pj.unique(
                    [p for i in range(tp.first, tp.end) for p in pj.text_projects(self.paras[i].d)]
                )
                tasks.append(self._task_dict(t_seq, tp, assignment, projects))
                action_readers.append(lambda year, tp=tp: self._table_indicators(tp, year))
            span = self._span(part.first, part.end)
            actions.append(
                {
                    "seq": a_seq,
                    "label": part.label,
                    "title": part.title,
                    "tasks": tasks,
                    "span": span,
                    "text": self.text[span[0] : span[1]],
                }
            )
            readers.append(action_readers)
        return actions, readers

    def _text_indicators(self, first: int, end: int, plan_year: int | None) -> list[dict]:
        out = self._indicators(first, end, plan_year)
        row = self.rows.get(first)
        if row is not None:
            # A 量化目标 column may state targets the text does not.
            for item in self._table_indicators(row, plan_year, roles=("target",)):
                if not any(o["target"] == item["target"] and o["unit"] == item["unit"] for o in out):
                    out.append(item)
        return out

    def _table_indicators(
        self,
        task: tb.TableTask,
        plan_year: int | None,
        roles: tuple[str, ...] = ("task", "content", "target"),
    ) -> list[dict]:
        out: list[dict] = []
        for role, cell in task.cells:
            if role not in roles:
                continue
            earlier = list(out)
            masked = ind.mask(cell, [(c.start, c.end) for c in ag.find_clauses(cell)])
            items = ind.extract(cell, masked, plan_year, target_column=role == "target")
            for item in items:
                if item["year"] is None and task.deadline_year:
                    item["year"] = task.deadline_year
                    item["review"] = bool(
                        item["borderline"] or (item["change"] is not None and item["baseline_year"] is None)
                    )
                if self.issued_year and item["year"] and item["year"] < self.issued_year:
                    continue
                # The target column often restates the number its content cell gives;
                # within one cell the same number may be two targets (1家…和1家…).
                if not any(o["target"] == item["target"] and o["unit"] == item["unit"] for o in earlier):
                    out.append(item)
        return out

    def _apply_standing(
        self, actions: list[dict], ranges: list, standing: list[tuple[int, list[str]]]
    ) -> None:
        """ "以下任务均需X和Y配合，不再重复列出": X and Y support the task that says so and
        every later one."""
        standing = [(i, names) for i, names in standing if names]
        for action, action_ranges in zip(actions, ranges, strict=True):
            for task, (_, end) in zip(action["tasks"], action_ranges, strict=True):
                for i, names in standing:
                    if i >= end:
                        break
                    for name in names:
                        if name not in task["lead"] and name not in task["support"]:
                            task["support"].append(name)
        for i, names in standing:
            self._warn(
                "standing_clause",
                f"方案写明以下任务均需{'、'.join(names)}配合，已加入该任务及其后每项任务的配合单位。",
                at=self.paras[i].span()[0],
            )

    # -- facts, indicators -------------------------------------------------------------------

    def _plan(self, actions: list[dict]) -> dict:
        paras, ol = self.paras, self.ol
        first_heading = ol.root.children[0].para if ol.root.children else len(paras)
        if self.tables:
            first_heading = min(first_heading, self.tables[0].header)
        title, title_index = facts.find_title(paras, first_heading, self.text)
        preamble = paras[:first_heading]
        # Where an issuing office may be named: above the title, in web-page fields,
        # on short lines (signatures) and after the body.
        header = [
            p
            for i, p in enumerate(preamble)
            if (title_index is not None and i < title_index)
            or facts.is_meta_line(p.s)
            or len(p.s.strip()) <= 24
        ] + [p for p in paras[ol.body_end :] if len(p.s.strip()) <= 24]
        agency_names = [n for a in actions for t in a["tasks"] for n in t["lead"] + t["support"]]
        body = "\n".join(p.s for p in paras[: ol.body_end])
        doc_number = facts.find_doc_number(preamble)
        region, level = facts.find_region(title, header, body, agency_names, doc_number)
        issued = facts.find_issued(paras, ol.body_end)
        self.issued_year = int(issued[:4]) if issued else None
        return {
            "title": title,
            "region": region,
            "level": level,
            "doc_number": doc_number,
            "issued": issued,
            "draft": facts.find_draft(paras[title_index] if title_index is not None else None, preamble),
            "plan_year": facts.find_plan_year(title, body, issued),
        }

    def _masked(self, i: int) -> str:
        ranges = [(c.start, c.end) for c in self.clauses[i]]
        heading = self.headings.get(i)
        if heading is not None:
            ranges.append((0, heading.label.end))
        return ind.mask(self.paras[i], ranges)

    def _indicators(self, first: int, end: int, plan_year: int | None) -> list[dict]:
        out: list[dict] = []
        shared = None  # "到2025年，实现以下目标：" gives its year to the list below it
        for i in range(first, end):
            if i in self.project_paras:
                continue
            strict = i in self.ol.box_paras
            masked = self._masked(i)
            items = ind.extract(self.paras[i], masked, plan_year, strict=strict, shared_year=shared)
            m = ind.LIST_YEAR.search(masked)
            if m and not items:
                shared = int(m.group(1))
            elif i in self.headings and self.headings[i].kind not in (
                "num",
                "num_paren",
                "circled",
                "num_half",
            ):
                shared = None
            for item in items:
                if self.issued_year and item["year"] and item["year"] < self.issued_year:
                    continue  # a year before the plan was issued: a fact about the past
                if not any(o["text"] == item["text"] and o["target"] == item["target"] for o in out):
                    out.append(item)
        return out

    def _goals(self, plan_year: int | None) -> list[dict]:
        goals = []
        for node in self.ol.goal_nodes:
            for item in self._indicators(node.para, node.end, plan_year):
                category = self._category(node, item)
                if category:
                    item["category"] = category
                goals.append(item)
        return goals

    def _category(self, goal: Node, item: dict) -> str | None:
        """控制指标 / 约束性指标 / 支撑指标, from the nearest heading above the target."""
        at = item["span"][0]
        title = goal.title
        for node in goal.walk():
            if node.label is not None and self.paras[node.para].span()[0] <= at:
                title = node.title + self.paras[node.para].s[:20]
        for word, category in (("约束", "binding"), ("支撑", "supporting"), ("控制", "control")):
            if word in title:
                return category
        return None

    # -- checks for the office -----------------------------------------------------------------

    def _warn(
        self,
        code: str,
        message: str,
        action: int | None = None,
        task: int | None = None,
        at: int | None = None,
    ) -> None:
        """A warning for the office: a machine-readable code, the message, the action and
        task it is about, and the source line (1-based) and its text when it has one."""
        line = text = None
        if at is not None and 0 <= at <= len(self.text):
            line = self.text.count("\n", 0, at) + 1
            start = self.text.rfind("\n", 0, at) + 1
            end = self.text.find("\n", at)
            text = self.text[start : end if end >= 0 else len(self.text)].strip()[:300]
        self.warnings.append(
            {"code": code, "message": message, "action": action, "task": task, "line": line, "text": text}
        )

    def _unplaced(self) -> None:
        """Paragraphs between the first action and the end of the last one that belong to
        no action: a heading the numbering could not place, text cut off from its task;
        rows of a task table that hold no task."""
        for table in self.tables:
            for i in table.skipped:
                para = self.paras[i]
                snippet = re.sub(r"\s+", " ", para.d.strip())[:60]
                self._warn(
                    "unplaced_line",
                    f"表格中这一行未能归入任何任务：“{snippet}”。请在审核时把它并入相应任务，或确认可以忽略。",
                    at=para.span()[0],
                )
        if self.tables or not self.ol.actions:
            return
        covered: set[int] = set()
        for part in self.ol.actions:
            covered.update(range(part.node.para, max(part.node.end, part.node.para + 1)))
        first = min(part.node.para for part in self.ol.actions)
        last = max(part.node.end for part in self.ol.actions)
        containers = {n.para for n in self.ol.container}
        for i in range(first, min(last, self.ol.body_end)):
            if i in covered or i in containers:
                continue
            para = self.paras[i]
            snippet = para.d.strip()[:60]
            self._warn(
                "unplaced_line",
                f"这一段未能归入任何行动或任务：“{snippet}”。请在审核时把它并入相应任务，或确认可以忽略。",
                at=para.span()[0],
            )

    def _duplicates(self, actions: list[dict]) -> None:
        """A section repeated verbatim stays as written; the repeat points at the first."""
        seen: dict[str, tuple[int, int]] = {}
        for action in actions:
            for task in action["tasks"]:
                text = task["text"]
                if task["label"]:
                    text = re.sub(r"^\s*[(（]?\s*[\d一二三四五六七八九十]+\s*[)）.．、]?", "", text)
                key = _compact(text)
                if len(key) < 15:
                    continue
                if key not in seen:
                    seen[key] = (action["seq"], task["seq"])
                    continue
                a, t = seen[key]
                task["duplicate_of"] = [a, t]
                self._warn(
                    "duplicate_section",
                    f"第{action['seq']}项行动第{task['seq']}项任务“{task['title']}”与第{a}项行动第{t}项任务"
                    "内容完全相同，可能是重复的段落；已按原文保留，请核对。",
                    action["seq"],
                    task["seq"],
                    at=task["span"][0],
                )

    def _disagreement_warnings(self, actions: list[dict]) -> None:
        """A task whose text names other agencies than the annex table gives it."""
        where = {t["span"][0]: (a["seq"], t["seq"], t["title"]) for a in actions for t in a["tasks"]}
        for tp, text, table in self.disagreements:
            at = self.paras[tp.first].span()[0]
            a_seq, t_seq, title = where.get(at, (None, None, tp.title))
            self._warn(
                "table_disagrees",
                f"第{a_seq}项行动第{t_seq}项任务“{title}”：正文写明{_roles(text)}，附件分工表为{_roles(table)}；"
                "已按分工表导入，请核对。",
                a_seq,
                t_seq,
                at=at,
            )

    def _task_warnings(self, actions: list[dict], goals: list[dict]) -> None:
        for action in actions:
            for task in action["tasks"]:
                where = f"第{action['seq']}项行动第{task['seq']}项任务“{task['title']}”"
                here = (action["seq"], task["seq"])
                at = task["span"][0]
                if not task["lead"]:
                    self._warn("no_agency", f"{where}未找到责任单位，请补充牵头单位。", *here, at=at)
                elif task["lead_inferred"]:
                    lead = task["lead"][0]
                    self._warn(
                        "lead_inferred",
                        f"{where}未写明牵头单位，已将首个单位“{lead}”视为牵头单位，请核对。",
                        *here,
                        at=at,
                    )
                for item in task["indicators"]:
                    if item["review"]:
                        reason = _review_reason(item)
                        self._warn(
                            "indicator_review",
                            f"{where}的指标“{item['text']}”{reason}，请人工核对。",
                            *here,
                            at=item["span"][0],
                        )
        for item in goals:
            if item["review"]:
                self._warn(
                    "indicator_review",
                    f"主要目标中的指标“{item['text']}”{_review_reason(item)}，请人工核对。",
                    at=item["span"][0],
                )


def _differs(a: ag.Assignment, b: ag.Assignment) -> bool:
    return {_compact(n) for n in a.lead} != {_compact(n) for n in b.lead} or {
        _compact(n) for n in a.support
    } != {_compact(n) for n in b.support}


def _roles(a: ag.Assignment) -> str:
    text = f"牵头单位“{'、'.join(a.lead) or '无'}”"
    return text + (f"、配合单位“{'、'.join(a.support)}”" if a.support else "、无配合单位")


def _review_reason(item: dict) -> str:
    if item["year"] is None:
        return "未写明目标年份"
    if item["change"] and item["baseline_year"] is None:
        return "是变化幅度但未写明基期年份"
    if item["unit"] in ind.MONEY_UNITS:
        return "为金额，可能是预算而非目标"
    return "可能不是量化目标（如距离、专栏中的项目规模），或口径需要确认"
