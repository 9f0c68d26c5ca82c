"""How close a parsed plan is to its hand-checked structure (tests/plans/expected/*.json,
described in tests/plans/expected/SCHEMA.md).

    from tests.plans.docs import expected_structure
    from tests.plans.scoring import THRESHOLDS, below_thresholds, compare, score

    figures = score(parse_document(data, "plan.docx"), expected_structure("yueyang-county-2024"))
    assert not below_thresholds(figures)  # THRESHOLDS: task_f1 ≥ 0.97, lead ≥ 0.95, …

    result = compare(parsed, expected)  # result.figures, result.misses (for the message)
    assert not below_thresholds(result.figures), result.misses

`score(parsed, expected)` gives each metric as a float between 0 and 1 (rounded to three
places); `compare()` gives the same figures with a list of every difference, in words,
for assertion messages. The metrics:

- plan: share of the plan facts (region, level, draft, doc_number, plan_year) that agree.
- actions: share of expected actions whose title the action at the same position has
  (titles compared without punctuation, similarity ≥ 0.8).
- task_p / task_r / task_f1: tasks matched within their action by title similarity
  (≥ 0.7, best first, each parsed task used once) over parsed / expected tasks.
- lead, support: share of matched tasks whose lead (support) agencies are the same set.
- indicator_p / indicator_r / indicator_f1: indicators matched within their task (and
  the plan's goals) by target and unit, the closest name first. An expected indicator
  marked borderline is neither required nor counted against: a parsed indicator that
  matches it is dropped from both sides.
- year, comparator: share of matched indicators whose year (comparator) agrees.
- project_p / project_r / project_f1: key projects matched within their task by name
  (similarity ≥ 0.8, best first) over parsed / expected projects (a task's 专栏 lines kept
  as plain text are not projects).
- project_fields: share of the fields of matched projects (location, capacity, unit,
  year, investment) that agree.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

THRESHOLDS = {
    "task_f1": 0.97,
    "lead": 0.95,
    "support": 0.90,
    "indicator_f1": 0.90,
    "year": 0.90,
    "comparator": 0.90,
    "plan": 0.8,
    "project_f1": 0.85,
    "project_fields": 0.9,
}
# What an import must reach on every form of a plan (text, Word, web page, PDF, task
# table in .docx / .xlsx / PDF): tests/plans/test_import_scores.py.
IMPORT_THRESHOLDS = {
    "task_f1": 0.97,
    "lead": 0.97,
    "support": 0.95,
    "indicator_f1": 0.90,
    "indicator_r": 0.90,
    "indicator_p": 0.95,
    "year": 0.95,
    "comparator": 0.95,
}
PLAN_FACTS = ("region", "level", "draft", "doc_number", "plan_year")
ACTION_TITLE_SIMILARITY = 0.8
TASK_TITLE_SIMILARITY = 0.7
PROJECT_NAME_SIMILARITY = 0.8
PROJECT_FIELDS = ("location", "capacity", "unit", "year", "investment")

_IGNORED = re.compile(r"[\s，,。．.、；;：:“”\"'（）()\[\]【】《》〈〉〔〕—\-]")


def bare(text) -> str:
    """Text without spaces and punctuation, so 全角/半角 and line breaks do not count."""
    return _IGNORED.sub("", text or "")


def similarity(a, b) -> float:
    a, b = bare(a), bare(b)
    if not a or not b:
        return 0.0
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b).ratio()


def _agencies(names) -> set[str]:
    return {bare(name) for name in names or ()}


def _number(value):
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return None


def _measure(indicator) -> tuple:
    return (_number(indicator.get("target")), bare(indicator.get("unit")))


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Comparison:
    figures: dict[str, float]
    misses: list[str] = field(default_factory=list)


class _Comparer:
    def __init__(self):
        self.counts = Counter()  # tasks_expected, tasks_parsed, tasks_matched, lead_agrees, …
        self.misses: list[str] = []

    def plan(self, parsed: dict, expected: dict):
        for fact in PLAN_FACTS:
            got, want = parsed.get(fact), expected.get(fact)
            if got == want:
                self.counts["plan_facts_agree"] += 1
            else:
                self.misses.append(f"plan {fact}: {got!r}, expected {want!r}")

    def indicators(self, parsed: list, expected: list, where: str):
        unused = list(parsed)
        for want in expected:
            same_measure = [p for p in unused if _measure(p) == _measure(want)]
            counted = not want.get("borderline")
            if not same_measure:
                if counted:
                    self.counts["indicators_expected"] += 1
                    self.misses.append(f"{where}: missing indicator {_describe(want)}")
                continue
            got = max(same_measure, key=lambda p: similarity(p.get("name"), want.get("name")))
            unused.remove(got)
            if not counted:
                continue
            self.counts["indicators_expected"] += 1
            self.counts["indicators_parsed"] += 1
            self.counts["indicators_matched"] += 1
            self.counts["year_agrees"] += got.get("year") == want.get("year")
            self.counts["comparator_agrees"] += got.get("comparator") == want.get("comparator")
            for key in ("year", "comparator"):
                if got.get(key) != want.get(key):
                    self.misses.append(
                        f"{where}: indicator {_describe(want)} {key} {got.get(key)!r}, expected {want.get(key)!r}"
                    )
        self.counts["indicators_parsed"] += len(unused)
        self.misses += [f"{where}: unexpected indicator {_describe(p)}" for p in unused]

    def action(self, number: int, parsed: dict, expected: dict):
        self.counts["actions"] += 1
        if similarity(parsed.get("title"), expected.get("title")) >= ACTION_TITLE_SIMILARITY:
            self.counts["actions_found"] += 1
        else:
            self.misses.append(
                f"action {number}: «{parsed.get('title')}», expected «{expected.get('title')}»"
            )
        unused = list(parsed.get("tasks", []))
        self.counts["tasks_parsed"] += len(unused)
        for want in expected.get("tasks", []):
            where = f"action {number} task {want.get('label') or want.get('seq')}"
            self.counts["tasks_expected"] += 1
            got = _closest_task(unused, want)
            if got is None:
                self.misses.append(f"{where}: missing task «{want.get('title')}»")
                self.indicators([], want.get("indicators", []), where)
                continue
            unused.remove(got)
            self.task(got, want, where)
        self.misses += [f"action {number}: unexpected task «{t.get('title')}»" for t in unused]

    def task(self, got: dict, want: dict, where: str):
        self.counts["tasks_matched"] += 1
        agrees = {role: _agencies(got.get(role)) == _agencies(want.get(role)) for role in ("lead", "support")}
        self.counts["lead_agrees"] += agrees["lead"]
        self.counts["support_agrees"] += agrees["support"]
        self.misses += [
            f"{where}: {role} {got.get(role)}, expected {want.get(role)}"
            for role, ok in agrees.items()
            if not ok
        ]
        self.indicators(got.get("indicators", []), want.get("indicators", []), where)
        self.projects(got.get("projects") or [], want.get("projects") or [], where)

    def projects(self, parsed: list, expected: list, where: str):
        unused = [p for p in parsed if isinstance(p, dict)]
        self.counts["projects_parsed"] += len(unused)
        for want in expected:
            self.counts["projects_expected"] += 1
            ranked = sorted(unused, key=lambda p: -similarity(p.get("name"), want.get("name")))
            if not ranked or similarity(ranked[0].get("name"), want.get("name")) < PROJECT_NAME_SIMILARITY:
                self.misses.append(f"{where}: missing project «{want.get('name')}»")
                continue
            got = ranked[0]
            unused.remove(got)
            self.counts["projects_matched"] += 1
            for key in PROJECT_FIELDS:
                self.counts["project_fields"] += 1
                same = (
                    _number(got.get(key)) == _number(want.get(key))
                    if key in ("capacity", "year", "investment")
                    else bare(got.get(key)) == bare(want.get(key))
                )
                self.counts["project_fields_agree"] += same
                if not same:
                    self.misses.append(
                        f"{where}: project «{want.get('name')}» {key} {got.get(key)!r}, expected {want.get(key)!r}"
                    )
        self.misses += [f"{where}: unexpected project «{p.get('name')}»" for p in unused]

    def figures(self) -> dict[str, float]:
        c = self.counts
        task_p, task_r = (
            _ratio(c["tasks_matched"], c["tasks_parsed"]),
            _ratio(c["tasks_matched"], c["tasks_expected"]),
        )
        ind_p = _ratio(c["indicators_matched"], c["indicators_parsed"])
        ind_r = _ratio(c["indicators_matched"], c["indicators_expected"])
        figures = {
            "plan": c["plan_facts_agree"] / len(PLAN_FACTS),
            "actions": _ratio(c["actions_found"], c["actions"]),
            "task_p": task_p,
            "task_r": task_r,
            "task_f1": _f1(task_p, task_r),
            "lead": _ratio(c["lead_agrees"], c["tasks_matched"]),
            "support": _ratio(c["support_agrees"], c["tasks_matched"]),
            "indicator_p": ind_p,
            "indicator_r": ind_r,
            "indicator_f1": _f1(ind_p, ind_r),
            "year": _ratio(c["year_agrees"], c["indicators_matched"]),
            "comparator": _ratio(c["comparator_agrees"], c["indicators_matched"]),
            "project_p": _ratio(c["projects_matched"], c["projects_parsed"]),
            "project_r": _ratio(c["projects_matched"], c["projects_expected"]),
            "project_fields": _ratio(c["project_fields_agree"], c["project_fields"]),
        }
        figures["project_f1"] = _f1(figures["project_p"], figures["project_r"])
        return {name: round(value, 3) for name, value in figures.items()}


def _closest_task(candidates: list, want: dict):
    best, best_similarity = None, 0.0
    for candidate in candidates:
        s = similarity(candidate.get("title"), want.get("title"))
        if s > best_similarity:
            best, best_similarity = candidate, s
    return best if best_similarity >= TASK_TITLE_SIMILARITY else None


def _describe(indicator) -> str:
    return f"{indicator.get('target')}{indicator.get('unit') or ''} «{indicator.get('text')}»"


def compare(parsed: dict, expected: dict) -> Comparison:
    """The figures of `score` and every difference behind them."""
    comparer = _Comparer()
    comparer.plan(parsed.get("plan") or {}, expected.get("plan") or {})
    comparer.indicators(parsed.get("goals", []), expected.get("goals", []), "goals")
    parsed_actions = parsed.get("actions", [])
    for number, want in enumerate(expected.get("actions", []), start=1):
        got = parsed_actions[number - 1] if number <= len(parsed_actions) else {"title": "", "tasks": []}
        comparer.action(number, got, want)
    for extra in parsed_actions[len(expected.get("actions", [])) :]:
        comparer.counts["tasks_parsed"] += len(extra.get("tasks", []))
        comparer.misses.append(f"unexpected action «{extra.get('title')}»")
    return Comparison(comparer.figures(), comparer.misses)


def score(parsed: dict, expected: dict) -> dict[str, float]:
    """Metric name → figure between 0 and 1 (1.0: the parse is what was expected)."""
    return compare(parsed, expected).figures


def below_thresholds(figures: dict[str, float], thresholds: dict[str, float] = THRESHOLDS) -> dict:
    """The figures under their threshold, {} when the parse is good enough."""
    return {name: figures[name] for name, floor in thresholds.items() if figures[name] < floor}
