"""The score of every agency of a plan for a year, from the facts read once
(reports.assessment.facts) and the scheme: plain Python over plain values, so the rules
are tested with worked numbers. The rules themselves are written out in
reports.assessment.rules; this module follows them line by line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from indicators.assessment import BEHIND_STATUSES, ON_TRACK_STATUSES
from indicators.trajectory import NO_DATA

from . import rules
from .models import SCHEME_TOTAL, SCORED_POINTS, AdjustmentKind, Component

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
LEAD, SUPPORT = "lead", "support"
# Deduction components start full and lose points; the others add up what was earned.
DEDUCTED = (Component.REPORTING, Component.QUALITY, Component.CONSOLIDATION)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _figure(value: Decimal) -> str:
    """A figure as offices write it: one decimal at most, no trailing zero."""
    value = value.quantize(TENTH, rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class QuarterFact:
    id: int
    label: str
    year: int
    quarter: int
    ends_on: dt.date
    deadline: dt.date


@dataclass(frozen=True)
class TaskFact:
    id: int
    number: str
    title: str
    deadline: dt.date | None


@dataclass(frozen=True)
class ReportFact:
    id: int
    state: str
    status: str
    percent: Decimal | None
    is_late: bool
    return_count: int
    submitted_on: dt.date | None  # the local day of the (last) submission

    @property
    def handed_in(self) -> bool:
        return self.state != "draft"


@dataclass(frozen=True)
class IndicatorFact:
    id: int
    task_id: int
    name: str
    status: str  # as the stored rollup assessed it at the last counted quarter


@dataclass(frozen=True)
class AdjustmentFact:
    id: int
    agency_id: int
    kind: str
    component: str
    points: Decimal  # as entered: positive for bonus and deduction, signed for a correction
    reason: str


@dataclass
class Facts:
    """Everything a plan's scores for a year are computed from."""

    as_of: dt.date
    lead_consolidates: bool
    first_day: dt.date  # where a task's time starts: the plan's first year
    last_day: dt.date  # where a task without a deadline ends: the plan's last year
    quarters: list  # [QuarterFact] counted, in order
    tasks: dict  # {task id: TaskFact}
    assignments: list  # [(task id, agency id, role)]
    agencies: dict  # {agency id: name}
    reports: dict  # {(task id, agency id, quarter id): ReportFact}
    reopened: dict  # {(quarter id, agency id): until}
    gathered: dict  # {lead report id: {input report ids}}
    indicators: list  # [IndicatorFact]
    adjustments: list = field(default_factory=list)  # [AdjustmentFact]


@dataclass
class Line:
    component: str
    rule: str
    points: Decimal
    params: dict
    task_id: int | None = None
    report_id: int | None = None
    period_id: int | None = None
    indicator_id: int | None = None


@dataclass
class Part:
    code: str
    maximum: Decimal
    applicable: bool = False
    points: Decimal = ZERO
    lines: list = field(default_factory=list)


@dataclass
class AgencyScore:
    agency_id: int
    name: str
    parts: dict  # {component code: Part}
    base: Decimal | None
    adjustment: Decimal
    score: Decimal | None
    counts: dict
    rank: int | None = None
    grade: str = ""

    @property
    def lines(self) -> list:
        return [line for part in self.parts.values() for line in part.lines]


def expected_share(first_day: dt.date, last_day: dt.date, as_of: dt.date) -> Decimal:
    """序时进度 of a task as a share (0…1): the part of its time, from its first to its
    last day (both counted), passed by the end of `as_of`."""
    if last_day < first_day:
        return ONE
    passed = Decimal((as_of - first_day).days + 1)
    span = Decimal((last_day - first_day).days + 1)
    return min(ONE, max(ZERO, passed / span))


def is_late(report: ReportFact, reopened_until: dt.date | None) -> bool:
    """Late as flagged when it was submitted, unless the office reopened the quarter for
    the agency until a day on or after the submission (补报 counts as on time)."""
    if not report.is_late:
        return False
    return not (reopened_until is not None and report.submitted_on and report.submitted_on <= reopened_until)


class _Scorer:
    def __init__(self, facts: Facts, scheme):
        self.f = facts
        self.s = scheme
        self.weights = {LEAD: Decimal(scheme.lead_weight), SUPPORT: Decimal(scheme.support_weight)}
        self.by_agency = defaultdict(list)  # {agency id: [(task id, role)]}
        self.leads = defaultdict(list)  # {task id: [agency ids]}
        self.supporters = defaultdict(list)
        for task_id, agency_id, role in facts.assignments:
            self.by_agency[agency_id].append((task_id, role))
            (self.leads if role == LEAD else self.supporters)[task_id].append(agency_id)
        self.last = facts.quarters[-1] if facts.quarters else None
        self._latest = {}

    # --- facts about a task --------------------------------------------------------------
    def deadline(self, quarter: QuarterFact, agency_id) -> dt.date:
        return max(quarter.deadline, self.f.reopened.get((quarter.id, agency_id), quarter.deadline))

    def overdue(self, quarter, agency_id) -> bool:
        return self.deadline(quarter, agency_id) < self.f.as_of

    def task_params(self, task_id, **extra) -> dict:
        task = self.f.tasks[task_id]
        return {"task": task.number, "title": task.title, **extra}

    def latest_lead_report(self, task_id):
        """(quarter, percent, done) of the lead's latest handed-in report, or None."""
        if task_id not in self._latest:
            self._latest[task_id] = self._find_latest(task_id)
        return self._latest[task_id]

    def _find_latest(self, task_id):
        for quarter in reversed(self.f.quarters):
            handed = [
                r
                for agency_id in self.leads[task_id]
                if (r := self.f.reports.get((task_id, agency_id, quarter.id))) is not None and r.handed_in
            ]
            if handed:
                percent = max((r.percent if r.percent is not None else ZERO) for r in handed)
                done = any(r.status == "done" for r in handed) or percent >= HUNDRED
                return quarter, percent, done
        return None

    # --- the components ------------------------------------------------------------------
    def reporting_and_quality(self, agency_id, reporting: Part, quality: Part, counts):
        s = self.s
        for task_id, role in self.by_agency[agency_id]:
            weight = self.weights[role]
            if weight <= 0:
                continue
            for quarter in self.f.quarters:
                reporting.applicable = quality.applicable = True
                counts["expected"] += 1
                report = self.f.reports.get((task_id, agency_id, quarter.id))
                where = {
                    "task_id": task_id,
                    "period_id": quarter.id,
                    "report_id": report.id if report else None,
                }
                base = self.task_params(task_id, period=quarter.label, role=role)
                deadline = self.deadline(quarter, agency_id)
                if report is None or not report.handed_in:
                    if deadline < self.f.as_of:
                        counts["missing"] += 1
                        reporting.lines.append(
                            Line(Component.REPORTING, rules.MISSING, -s.missing_deduction * weight,
                                 {**base, "deadline": deadline.isoformat()}, **where)
                        )  # fmt: skip
                    else:
                        counts["pending"] += 1
                    continue
                counts["handed_in"] += 1
                if is_late(report, self.f.reopened.get((quarter.id, agency_id))):
                    counts["late"] += 1
                    reporting.lines.append(
                        Line(Component.REPORTING, rules.LATE, -s.late_deduction * weight,
                             {**base, "deadline": deadline.isoformat(),
                              "submitted": report.submitted_on.isoformat() if report.submitted_on else ""},
                             **where)
                    )  # fmt: skip
                if report.return_count:
                    counts["returns"] += report.return_count
                    quality.lines.append(
                        Line(Component.QUALITY, rules.RETURNED, -s.return_deduction * weight * report.return_count,
                             {**base, "count": report.return_count}, **where)
                    )  # fmt: skip

    def completion(self, agency_id, part: Part, counts):
        if self.last is None:
            return
        tasks = [
            (t, role, self.weights[role]) for t, role in self.by_agency[agency_id] if self.weights[role] > 0
        ]
        total = sum(weight for _t, _r, weight in tasks)
        if not tasks or total <= 0:
            return
        part.applicable = True
        for task_id, role, weight in tasks:
            counts["tasks_" + role] += 1
            task = self.f.tasks[task_id]
            share = expected_share(self.f.first_day, task.deadline or self.f.last_day, self.last.ends_on)
            params = self.task_params(
                task_id, role=role, weight=_figure(weight), expected=_figure(share * 100)
            )
            latest = self.latest_lead_report(task_id)
            if latest is None:
                part.lines.append(
                    Line(Component.COMPLETION, rules.TASK_NO_REPORT, ZERO, params, task_id=task_id)
                )
                continue
            quarter, percent, done = latest
            if done or share <= 0:
                fraction = ONE
            else:
                fraction = min(ONE, percent / HUNDRED / share)
            points = Decimal(self.s.completion_points) * weight * fraction / total
            params.update(period=quarter.label, percent=_figure(percent), done=done)
            part.lines.append(
                Line(Component.COMPLETION, rules.TASK_PROGRESS, points, params, task_id=task_id, period_id=quarter.id)
            )  # fmt: skip

    def indicators(self, agency_id, part: Part, counts):
        if self.last is None:
            return
        led = {t for t, role in self.by_agency[agency_id] if role == LEAD}
        mine = [i for i in self.f.indicators if i.task_id in led]
        scored = {
            i.id
            for i in mine
            if i.status in ON_TRACK_STATUSES or i.status in BEHIND_STATUSES or i.status == NO_DATA
        }
        each = Decimal(self.s.indicator_points) / len(scored) if scored else ZERO
        for item in mine:
            params = {"name": item.name, "task": self.f.tasks[item.task_id].number, "status": item.status,
                      "period": self.last.label}  # fmt: skip
            where = {"task_id": item.task_id, "indicator_id": item.id, "period_id": self.last.id}
            if item.status in ON_TRACK_STATUSES:
                counts["indicators_on_track"] += 1
                part.lines.append(Line(Component.INDICATORS, rules.INDICATOR_ON_TRACK, each, params, **where))
            elif item.id in scored:
                part.lines.append(Line(Component.INDICATORS, rules.INDICATOR_BEHIND, ZERO, params, **where))
            else:
                part.lines.append(Line(Component.INDICATORS, rules.INDICATOR_LEFT_OUT, ZERO, params, **where))
        counts["indicators"] = len(scored)
        part.applicable = bool(scored)

    def consolidation(self, agency_id, part: Part, counts):
        if not self.f.lead_consolidates:
            return
        for task_id, role in self.by_agency[agency_id]:
            if role != LEAD or not self.supporters[task_id]:
                continue
            for quarter in self.f.quarters:
                part.applicable = True
                report = self.f.reports.get((task_id, agency_id, quarter.id))
                if report is None or not report.handed_in:
                    why = "missing" if self.overdue(quarter, agency_id) else None
                elif is_late(report, self.f.reopened.get((quarter.id, agency_id))):
                    why = "late"
                else:
                    why = None if self.gathered_all(task_id, quarter, report) else "not_gathered"
                if why is None:
                    continue
                counts["consolidation_missed"] += 1
                part.lines.append(
                    Line(Component.CONSOLIDATION, rules.CONSOLIDATION_MISSED, -self.s.consolidation_deduction,
                         self.task_params(task_id, period=quarter.label, why=why), task_id=task_id,
                         period_id=quarter.id, report_id=report.id if report else None)
                )  # fmt: skip

    def gathered_all(self, task_id, quarter, report: ReportFact) -> bool:
        """Every supporter's input handed in before the lead's report is gathered in it."""
        gathered = self.f.gathered.get(report.id, set())
        for agency_id in self.supporters[task_id]:
            item = self.f.reports.get((task_id, agency_id, quarter.id))
            if item is None or not item.handed_in or item.submitted_on is None or report.submitted_on is None:
                continue
            if item.submitted_on < report.submitted_on and item.id not in gathered:
                return False
        return True

    # --- hand-entered items ----------------------------------------------------------------
    def corrections(self, agency_id, parts):
        for item in self.f.adjustments:
            if item.agency_id == agency_id and item.kind == AdjustmentKind.CORRECTION:
                part = parts.get(item.component)
                if part is not None and part.applicable:
                    part.lines.append(
                        Line(
                            item.component,
                            rules.CORRECTION,
                            item.points,
                            {"reason": item.reason, "adjustment": item.id},
                        )
                    )

    def adjustments(self, agency_id) -> Part:
        s = self.s
        part = Part(Component.ADJUSTMENTS, Decimal(s.bonus_cap))
        for kind, rule, cap, sign in (
            (AdjustmentKind.BONUS, rules.BONUS, Decimal(s.bonus_cap), 1),
            (AdjustmentKind.DEDUCTION, rules.DEDUCTION, Decimal(s.deduction_cap), -1),
        ):
            items = [a for a in self.f.adjustments if a.agency_id == agency_id and a.kind == kind]
            for item in items:
                part.applicable = True
                part.lines.append(Line(Component.ADJUSTMENTS, rule, sign * item.points,
                                       {"reason": item.reason, "adjustment": item.id}))  # fmt: skip
            total = sum((item.points for item in items), ZERO)
            if total > cap:
                part.lines.append(Line(Component.ADJUSTMENTS, rules.CAPPED, -sign * (total - cap),
                                       {"kind": kind, "cap": _figure(cap)}))  # fmt: skip
        part.points = sum((line.points for line in part.lines), ZERO)
        return part

    # --- one agency ------------------------------------------------------------------------
    def agency(self, agency_id) -> AgencyScore:
        parts = {code: Part(code, Decimal(getattr(self.s, name))) for code, name in SCORED_POINTS.items()}
        counts = defaultdict(int)
        self.reporting_and_quality(agency_id, parts[Component.REPORTING], parts[Component.QUALITY], counts)
        self.completion(agency_id, parts[Component.COMPLETION], counts)
        self.indicators(agency_id, parts[Component.INDICATORS], counts)
        self.consolidation(agency_id, parts[Component.CONSOLIDATION], counts)
        self.corrections(agency_id, parts)
        for part in parts.values():
            _settle(part)
        adjustments = self.adjustments(agency_id)
        applicable = [p for p in parts.values() if p.applicable]
        base = score = None
        if applicable:
            earned = sum((p.points for p in applicable), ZERO)
            possible = sum((p.maximum for p in applicable), ZERO)
            exact = earned * SCHEME_TOTAL / possible if possible else ZERO
            base = cents(exact)
            score = cents(max(ZERO, exact + adjustments.points))
        parts[Component.ADJUSTMENTS] = adjustments
        return AgencyScore(
            agency_id=agency_id,
            name=self.f.agencies.get(agency_id, ""),
            parts=parts,
            base=base,
            adjustment=cents(adjustments.points),
            score=score,
            counts=dict(counts),
        )


def _settle(part: Part):
    """The part's points from its lines, within 0 … its maximum (a line says so when the
    deductions run past it or a correction would take it outside)."""
    start = part.maximum if part.code in DEDUCTED else ZERO
    computed = [line for line in part.lines if line.rule != rules.CORRECTION]
    corrections = [line for line in part.lines if line.rule == rules.CORRECTION]
    points = start + sum((line.points for line in computed), ZERO)
    if points < 0:
        part.lines.insert(len(computed), Line(part.code, rules.FLOOR, -points, {}))
        points = ZERO
    if corrections:
        corrected = points + sum((line.points for line in corrections), ZERO)
        bounded = min(part.maximum, max(ZERO, corrected))
        if bounded != corrected:
            part.lines.append(
                Line(part.code, rules.CLAMPED, bounded - corrected, {"max": _figure(part.maximum)})
            )
        points = bounded
    part.points = points if part.applicable else ZERO


def rank_scores(scores: list, scheme) -> list:
    """Ranks (equal scores share one: 1, 2, 2, 4) and grades; unscored agencies last."""
    ranked = sorted((s for s in scores if s.score is not None), key=lambda s: (-s.score, s.name, s.agency_id))
    for index, item in enumerate(ranked):
        if index and item.score == ranked[index - 1].score:
            item.rank = ranked[index - 1].rank
        else:
            item.rank = index + 1
        item.grade = rules.grade_of(item.score, scheme)
    unscored = sorted((s for s in scores if s.score is None), key=lambda s: (s.name, s.agency_id))
    return ranked + unscored


def score_plan(facts: Facts, scheme) -> list[AgencyScore]:
    """Every agency of the plan (those assigned a task and those with an item entered by
    hand), scored, ranked and graded."""
    scorer = _Scorer(facts, scheme)
    agency_ids = {agency_id for _t, agency_id, _r in facts.assignments}
    agency_ids |= {item.agency_id for item in facts.adjustments}
    return rank_scores([scorer.agency(agency_id) for agency_id in agency_ids], scheme)
