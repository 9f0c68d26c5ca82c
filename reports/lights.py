"""红黄绿灯: the light of one task in one quarter, by the plan's WarningRule, with its
reasons as codes and parameters (reports.light_reasons words them in the reader's language).

Red, by default: a lead or supporting agency has not reported after the deadline; the
task is past its own completion date and not done; an indicator of the task is more
than 20 % behind its trajectory; an agency reported the task as 滞后. Yellow: a report
came in late; an indicator is 5–20 % behind; a report was returned twice or more.
Green otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import trajectory
from tasks.periods import agency_deadline

from . import light_reasons as why
from .models import TaskLight, WarningRule

RED, YELLOW, GREEN = TaskLight.Level.RED, TaskLight.Level.YELLOW, TaskLight.Level.GREEN


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
    """(level, [reason code, …]) — red reasons first, then yellow ones."""
    reopened = reopened or {}
    red, yellow = [], []
    lead_reports = []
    for agency_id, agency_name, role in facts.assignments:
        report = facts.reports.get(agency_id)
        submitted = report is not None and report["state"] != "draft"
        deadline = agency_deadline(period, reopened, agency_id)
        if not submitted:
            if rule.red_when_missing_after_deadline and today > deadline:
                red.append(
                    why.reason(why.MISSING, agency=agency_name, role=role, deadline=f"{deadline:%Y-%m-%d}")
                )
            continue
        if role == "lead":
            lead_reports.append(report)
        if rule.red_when_lagging and report["status"] == "lagging":
            red.append(why.reason(why.LAGGING, agency=agency_name))
        if rule.yellow_when_late and report["is_late"]:
            yellow.append(why.reason(why.LATE, agency=agency_name))
        if rule.yellow_returns and report["return_count"] >= rule.yellow_returns:
            yellow.append(why.reason(why.RETURNED, agency=agency_name, count=report["return_count"]))

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

    red_pct, yellow_pct = Decimal(rule.red_behind_pct), Decimal(rule.yellow_behind_pct)
    for name, unit, result in facts.indicators:
        if result.status != trajectory.BEHIND or result.behind_pct is None:
            continue
        text = why.reason(
            why.INDICATOR_BEHIND,
            name=name,
            behind=_fmt(result.behind_pct),
            expected=_fmt(result.expected),
            value=_fmt(result.value),
            unit=unit,
        )
        if result.behind_pct > red_pct:
            red.append(text)
        elif result.behind_pct > yellow_pct:
            yellow.append(text)

    if red:
        return RED, red + yellow
    if yellow:
        return YELLOW, yellow
    return GREEN, []
