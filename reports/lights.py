"""红黄绿灯: the light of one task in one quarter, by the plan's WarningRule, with its
reasons as codes and parameters (reports.light_reasons words them in the reader's language).

The rule (light_reasons.RULE, shown on the task page): a task's light follows its
lead agency's report for the quarter. Red, by default: the lead has not reported after
the deadline; the task is past its own completion date and not done; an indicator of
the task is more than 20 percentage points behind 序时进度 or missed at its target year; the lead reported the task as 滞后.
Yellow: the lead's report came in late; an indicator is 5–20 % behind; the lead's
report was returned twice or more. Green otherwise.

A supporting agency's missing, late, returned or 滞后 input does not colour the task:
it is kept as a note beside the light (light_reasons.note) and counted in that
agency's own timeliness (the agency rollups), where it belongs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import trajectory
from indicators.assessment import ON_TRACK_STATUSES
from tasks.periods import agency_deadline

from . import light_reasons as why
from .models import TaskLight, WarningRule

RED, YELLOW, GREEN = TaskLight.Level.RED, TaskLight.Level.YELLOW, TaskLight.Level.GREEN


def indicator_level(status: str, behind_pct, rule: WarningRule) -> str:
    """The colour of an indicator, the one rule the lights, the cards and the boards use:
    red when it missed its target at the target year or is more than the rule's red
    threshold behind 序时进度, yellow when more than its yellow one, green when on track;
    "" when it cannot be assessed (no value, no baseline, no target year)."""
    if status == trajectory.MISSED:
        return RED
    if status == trajectory.BEHIND and behind_pct is not None:
        behind = Decimal(behind_pct)
        if behind > Decimal(rule.red_behind_pct):
            return RED
        return YELLOW if behind > Decimal(rule.yellow_behind_pct) else GREEN
    return GREEN if status in ON_TRACK_STATUSES else ""


def rule_for_plan(plan_id) -> WarningRule:
    """The plan's rule, or the defaults (unsaved) when the office never changed them."""
    return WarningRule.objects.filter(plan_id=plan_id).first() or WarningRule(plan_id=plan_id)


@dataclass
class TaskFacts:
    """What the light of a task depends on, gathered in bulk by reports.rollups."""

    title: str
    deadline: dt.date | None
    # [(agency_id, agency_name, role)], leads first.
    assignments: list = field(default_factory=list)
    # {agency_id: {"state", "status", "percent", "is_late", "return_count"}}
    reports: dict = field(default_factory=dict)
    # [(indicator name, unit, trajectory.Assessment)]
    indicators: list = field(default_factory=list)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def task_light(facts: TaskFacts, *, rule: WarningRule, period, today: dt.date, reopened: dict | None = None):
    """(level, [reason code, …]) — red reasons first, then yellow ones, then the notes
    on supporting agencies (which never change the level)."""
    reopened = reopened or {}
    red, yellow, notes = [], [], []
    lead_reports = []
    for agency_id, agency_name, role in facts.assignments:
        report = facts.reports.get(agency_id)
        submitted = report is not None and report["state"] != "draft"
        deadline = agency_deadline(period, reopened, agency_id)
        is_lead = role == "lead"
        to_red, to_yellow = (red, yellow) if is_lead else (notes, notes)
        mark = why.reason if is_lead else why.note
        if not submitted:
            if rule.red_when_missing_after_deadline and today > deadline:
                to_red.append(
                    mark(why.MISSING, agency=agency_name, role=role, deadline=f"{deadline:%Y-%m-%d}")
                )
            continue
        if is_lead:
            lead_reports.append(report)
        if rule.red_when_lagging and report["status"] == "lagging":
            to_red.append(mark(why.LAGGING, agency=agency_name))
        if rule.yellow_when_late and report["is_late"]:
            to_yellow.append(mark(why.LATE, agency=agency_name))
        if rule.yellow_returns and report["return_count"] >= rule.yellow_returns:
            to_yellow.append(mark(why.RETURNED, agency=agency_name, count=report["return_count"]))

    as_of = min(today, period.ends_on)
    if facts.deadline and facts.deadline < as_of:
        done = any(
            r["status"] == "done" or (r["percent"] is not None and r["percent"] >= 100) for r in lead_reports
        )
        if not done:
            percents = [r["percent"] for r in lead_reports if r["percent"] is not None]
            red.append(
                why.reason(
                    why.OVERDUE,
                    deadline=f"{facts.deadline:%Y-%m-%d}",
                    percent=_fmt(max(percents)) if percents else "",
                )
            )

    for name, _unit, result in facts.indicators:
        level = indicator_level(result.status, result.behind_pct, rule)
        if result.status == trajectory.MISSED:
            red.append(why.reason(why.INDICATOR_MISSED, name=name, completion=_fmt(result.attainment)))
        elif level in (RED, YELLOW):
            text = why.reason(
                why.INDICATOR_LAG,
                name=name,
                expected=_fmt(result.expected_pct),
                completion=_fmt(result.attainment),
                behind=_fmt(result.behind_pct),
            )
            (red if level == RED else yellow).append(text)

    if red:
        return RED, red + yellow + notes
    if yellow:
        return YELLOW, yellow + notes
    return GREEN, notes
