"""The parsed plan as typed records, and its JSON (tests/plans/expected/SCHEMA.md) at the edges.

The readers (the parser, the 任务分解表 workbook) give the JSON shape, the import keeps it in
`PlanImport.parsed` and `import_plan --json` writes it; everything in between — the review
page, its edits, the revision diff, the commit — reads these records. `ParsedPlan.from_dict`
and `to_dict` convert both ways without loss: a key a record does not know is kept as it
came (`extra`), and the keys come back in the order they were read, so a document's JSON
is the same after a round trip. A record made in code writes its schema keys, then every
optional one that is set.

Pure Python, like the rest of the parser.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple


class TaskRef(NamedTuple):
    """A task by its 1-based place in the document: (action, task). JSON: [action, task]."""

    action: int
    task: int

    @classmethod
    def read(cls, value) -> TaskRef | None:
        """[2, 3], (2, 3) or {"action": 2, "task": 3}; None for anything else."""
        if isinstance(value, dict):
            value = (value.get("action"), value.get("task"))
        if isinstance(value, (list, tuple)) and len(value) == 2:
            try:
                action, task = int(value[0]), int(value[1])
            except (TypeError, ValueError):
                return None
            return cls(action, task) if action > 0 and task > 0 else None
        return None


@dataclass
class _Record:
    """Conversion to and from a JSON object, common to every record below."""

    # Keys a record made in code writes even when they hold the default.
    ALWAYS: ClassVar[tuple[str, ...]] = ()
    # Fields holding records, or lists of them, by field name.
    NESTED: ClassVar[dict[str, type]] = {}

    extra: dict = field(default_factory=dict, kw_only=True, repr=False)
    json_keys: tuple = field(default=(), kw_only=True, repr=False, compare=False)

    @classmethod
    def _names(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)} - {"extra", "json_keys"}

    @classmethod
    def from_dict(cls, data: dict | None):
        data = data if isinstance(data, dict) else {}
        names, values, extra = cls._names(), {}, {}
        for key, value in data.items():
            if key not in names:
                extra[key] = value
                continue
            typed = cls._read(key, value)
            if typed is _UNREAD:
                extra[key] = value  # a shape this record does not know: kept as it came
            else:
                values[key] = typed
        return cls(**values, extra=extra, json_keys=tuple(data))

    @classmethod
    def _read(cls, key: str, value):
        if value is None and cls.__dataclass_fields__[key].default_factory is list:
            return _UNREAD  # "tasks": null reads as no tasks, and is written back as null
        kind = cls.NESTED.get(key)
        if kind is None:
            return value
        if isinstance(value, list):
            return [kind.from_dict(item) if isinstance(item, dict) else item for item in value]
        if value is None or isinstance(value, dict):
            return None if value is None else kind.from_dict(value)
        return _UNREAD

    def to_dict(self) -> dict:
        out, names = {}, self._names()
        for key in self.json_keys:
            if key in self.extra:
                out[key] = self.extra[key]
            elif key in names:
                out[key] = _json(getattr(self, key))
        for f in dataclasses.fields(self):
            if f.name in out or f.name in ("extra", "json_keys"):
                continue
            value = getattr(self, f.name)
            if (f.name in self.ALWAYS and not self.json_keys) or value != _default(f):
                out[f.name] = _json(value)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


_UNREAD = object()


def _default(f):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _json(value):
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, TaskRef):
        return [value.action, value.task]
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    return value


@dataclass
class PlanInfo(_Record):
    """The plan's facts (JSON key `plan`)."""

    ALWAYS = ("title", "region", "level", "doc_number", "issued", "draft", "plan_year")

    title: str | None = None
    region: str | None = None
    level: str | None = None  # county | city | province
    doc_number: str | None = None
    issued: str | None = None  # YYYY-MM-DD
    draft: bool = False  # 征求意见稿
    plan_year: int | None = None  # the year an annual plan is for


@dataclass
class ParsedIndicator(_Record):
    """A quantitative target, of the plan (主要目标) or of a task."""

    ALWAYS = ("name", "target", "target_max", "unit", "comparator", "year", "baseline_year", "change",
              "text", "borderline")  # fmt: skip

    name: str | None = None
    target: float | int | None = None
    target_max: float | int | None = None
    unit: str | None = ""
    comparator: str | None = ">="  # >= <= ~ =
    year: int | None = None
    baseline_year: int | None = None
    baseline_value: float | int | None = None  # no part of SCHEMA.md; kept when a reader gives it
    change: str | None = None  # None (a level), "decrease", "increase"
    text: str | None = ""  # the source fragment
    borderline: bool = False
    span: list | None = None  # [start, end] in the decoded text
    review: bool = False  # the office should look at it
    category: str | None = None  # goals: control / binding / supporting
    descriptive: bool | None = None  # the office's choice: a target in words; None: not chosen
    added_by_hand: bool = False

    @property
    def in_doubt(self) -> bool:
        return bool(self.review or self.borderline)


@dataclass
class ParsedProject(_Record):
    """A named project of a task's 专栏 (plan-gold/SCHEMA.md PROJECT). A task's `projects`
    may also hold the 专栏 paragraphs as plain text."""

    ALWAYS = ("name",)

    name: str | None = None
    location: str | None = None
    capacity: float | int | None = None
    capacity_max: float | int | None = None
    unit: str | None = None
    start_year: int | None = None
    year: int | None = None
    investment: float | int | None = None
    agency: str | None = None  # a project table's 责任单位 as written
    text: str | None = None


@dataclass
class TaskSource(_Record):
    """Where a task was read: a page, a table row, a line (what the reader knows)."""

    page: int | None = None
    row: int | None = None
    line: int | None = None


@dataclass
class ParsedTask(_Record):
    ALWAYS = ("seq", "label", "title", "lead", "support", "lead_inferred", "indicators")
    NESTED = {"indicators": ParsedIndicator, "projects": ParsedProject, "source": TaskSource}

    seq: int | None = None
    label: str | None = None
    title: str | None = None
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    lead_inferred: bool = False
    indicators: list[ParsedIndicator] = field(default_factory=list)
    text: str | None = ""
    span: list | None = None
    projects: list[ParsedProject | str] = field(default_factory=list)
    duplicate_of: TaskRef | None = None  # the task it repeats verbatim
    deadline_text: str | None = ""
    note: str | None = ""
    added_by_hand: bool = False
    source: TaskSource | None = None

    @classmethod
    def _read(cls, key, value):
        if key == "duplicate_of":
            # Written [action, task] or {"action": …, "task": …}: one TaskRef, written back as a list.
            ref = TaskRef.read(value)
            return ref if ref is not None or not value else _UNREAD
        if key in ("lead", "support"):
            return [str(name) for name in value] if isinstance(value, list) else _UNREAD
        return super()._read(key, value)

    @property
    def agencies(self) -> list[str]:
        """Lead, then supporting agencies, as written."""
        return [*self.lead, *self.support]


@dataclass
class ParsedAction(_Record):
    ALWAYS = ("seq", "label", "title", "tasks")
    NESTED = {"tasks": ParsedTask}

    seq: int | None = None
    label: str | None = None
    title: str | None = None
    tasks: list[ParsedTask] = field(default_factory=list)
    span: list | None = None
    text: str | None = None
    added_by_hand: bool = False


@dataclass
class ParsedWarning(_Record):
    """Something the reader wants the office to look at: a code, the message, the task it
    is about and the source line (1-based) and its text when it has them."""

    ALWAYS = ("code", "message")

    code: str | None = None
    message: str | None = ""
    action: int | None = None
    task: int | None = None
    line: int | None = None
    text: str | None = None

    @property
    def ref(self) -> TaskRef | None:
        return TaskRef.read([self.action, self.task]) if self.action and self.task else None


class PlacedTask(NamedTuple):
    """A task with its action and 1-based place, as ParsedPlan.iter_tasks gives it."""

    action_index: int
    task_index: int
    action: ParsedAction
    task: ParsedTask

    @property
    def ref(self) -> TaskRef:
        return TaskRef(self.action_index, self.task_index)

    @property
    def title(self) -> str:
        """The task's title; a task written as its action's one paragraph has the action's."""
        return self.task.title or self.action.title or ""


@dataclass
class ParsedPlan(_Record):
    ALWAYS = ("source", "plan", "goals", "actions", "warnings")
    NESTED = {"plan": PlanInfo, "goals": ParsedIndicator, "actions": ParsedAction, "warnings": ParsedWarning}

    source: str | None = None  # the file name
    plan: PlanInfo = field(default_factory=PlanInfo)
    goals: list[ParsedIndicator] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)
    warnings: list[ParsedWarning] = field(default_factory=list)
    text_length: int | None = None
    partial: bool = False  # the reader left part of the document unplaced

    @classmethod
    def of(cls, parsed: ParsedPlan | dict | None) -> ParsedPlan:
        """The records of a parsed plan given as records or as its JSON."""
        return parsed if isinstance(parsed, ParsedPlan) else cls.from_dict(parsed)

    @classmethod
    def _read(cls, key, value):
        if key == "plan" and value is None:
            return _UNREAD  # read as empty facts, written back as it came
        return super()._read(key, value)

    def iter_tasks(self) -> Iterator[PlacedTask]:
        """Every task in document order, with its action and place: the one walk the
        review, the revision diff and the commit share."""
        for a_index, action in enumerate(self.actions, start=1):
            for t_index, task in enumerate(action.tasks, start=1):
                yield PlacedTask(a_index, t_index, action, task)

    def task_at(self, ref: TaskRef | None) -> PlacedTask | None:
        if ref is None or not (1 <= ref.action <= len(self.actions)):
            return None
        action = self.actions[ref.action - 1]
        if not 1 <= ref.task <= len(action.tasks):
            return None
        return PlacedTask(ref.action, ref.task, action, action.tasks[ref.task - 1])

    def indicators(self) -> list[ParsedIndicator]:
        """The goals, then every task's targets."""
        return [*self.goals, *(i for placed in self.iter_tasks() for i in placed.task.indicators)]

    def agency_names(self) -> list[str]:
        """Every agency the tasks name, once, in the order they first appear."""
        return list(dict.fromkeys(name for placed in self.iter_tasks() for name in placed.task.agencies))

    @property
    def has_tasks(self) -> bool:
        return any(action.tasks for action in self.actions)
