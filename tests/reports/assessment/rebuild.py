"""The year-end scores rebuilt the slow, plain way, for the correctness tests: straight
from the progress reports, reopenings, gathered inputs and indicator values, one row
and one query at a time, following the rules as reports/assessment/rules.py words them.
It shares no code with reports.assessment: lateness is read from the submission day
against the agency's deadline (not from the stored late flag), and indicators are
assessed from their values (not read from the stored rollups)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from indicators import trajectory
from indicators.assessment import assess_plan
from reports.lights import rule_for_plan
from reports.models import AssessmentAdjustment
from tasks.consolidation import ReviewPolicy
from tasks.models import PeriodReopening, ProgressReport, ReportingPeriod, Task, TaskAssignment

ZERO = Decimal(0)
GOOD = {trajectory.ON_TRACK, trajectory.ACHIEVED, trajectory.DONE, trajectory.NOT_DONE}
BAD = {trajectory.BEHIND, trajectory.MISSED, trajectory.NO_DATA}


def _cents(value):
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _deadline(period, agency):
    reopening = PeriodReopening.objects.filter(period=period, agency=agency).first()
    if reopening is not None and reopening.until > period.deadline:
        return reopening.until
    return period.deadline


def _report(task, agency, period):
    report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    if report is None or report.state == "draft":
        return None
    return report


def _late(report, deadline):
    return timezone.localdate(report.submitted_at) > deadline


def rebuild(assessment) -> dict:
    """{agency id: {"score", "base", "rank", "grade", "parts": {code: points or None}}}."""
    plan, scheme, as_of = assessment.plan, assessment.scheme, assessment.as_of
    quarters = [
        p for p in ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter")
        if p.year == assessment.year and p.deadline < as_of
    ]  # fmt: skip
    tasks = [t for t in Task.objects.filter(action__plan=plan) if t.archived_at is None]
    roles = {}
    for task in tasks:
        for a in TaskAssignment.objects.filter(task=task):
            roles.setdefault(a.agency_id, []).append((task, a.agency, a.role))
    weight = {"lead": Decimal(scheme.lead_weight), "support": Decimal(scheme.support_weight)}
    first_year = plan.start_year or plan.plan_year or assessment.year
    last_year = plan.end_year or plan.plan_year or max(first_year, assessment.year)
    statuses = {}
    if quarters:
        leads = {}
        for task in tasks:
            leads[task.pk] = {a.agency_id for a in task.assignments.all() if a.role == "lead"}
        tolerance = rule_for_plan(plan.pk).yellow_behind_pct
        for item in assess_plan(plan, quarters[-1], tolerance=tolerance, leads_by_task=leads):
            statuses[item.indicator.pk] = (item.indicator.task_id, item.status)
    adjustments = list(AssessmentAdjustment.objects.filter(assessment=assessment))
    agency_ids = set(roles) | {a.agency_id for a in adjustments}
    out = {}
    for agency_id in agency_ids:
        mine = roles.get(agency_id, [])
        parts = {}

        # 按时报送 and 报送质量
        owed = [(t, ag, r) for t, ag, r in mine if weight[r] > 0]
        if owed and quarters:
            lost_reporting = lost_quality = ZERO
            for task, agency, role in owed:
                for q in quarters:
                    report = _report(task, agency, q)
                    deadline = _deadline(q, agency)
                    if report is None:
                        if deadline < as_of:
                            lost_reporting += Decimal(scheme.missing_deduction) * weight[role]
                        continue
                    if _late(report, deadline):
                        lost_reporting += Decimal(scheme.late_deduction) * weight[role]
                    lost_quality += Decimal(scheme.return_deduction) * weight[role] * report.return_count
            parts["reporting"] = max(ZERO, Decimal(scheme.reporting_points) - lost_reporting)
            parts["quality"] = max(ZERO, Decimal(scheme.quality_points) - lost_quality)
        else:
            parts["reporting"] = parts["quality"] = None

        # 任务完成
        if owed and quarters:
            total, earned = ZERO, ZERO
            end_of_year = quarters[-1].ends_on
            for task, _agency, role in owed:
                total += weight[role]
                first = end_of_year.replace(year=first_year, month=1, day=1)
                last = task.deadline or end_of_year.replace(year=last_year, month=12, day=31)
                days = (last - first).days + 1
                share = (
                    Decimal(1)
                    if days <= 0
                    else min(Decimal(1), max(ZERO, Decimal((end_of_year - first).days + 1) / days))
                )
                latest = None
                for q in reversed(quarters):
                    handed = [
                        r for a in TaskAssignment.objects.filter(task=task, role="lead")
                        if (r := _report(task, a.agency, q)) is not None
                    ]  # fmt: skip
                    if handed:
                        latest = handed
                        break
                if latest is None:
                    continue
                percent = max(r.percent if r.percent is not None else ZERO for r in latest)
                if any(r.status == "done" for r in latest) or percent >= 100 or share <= 0:
                    fraction = Decimal(1)
                else:
                    fraction = min(Decimal(1), percent / 100 / share)
                earned += weight[role] * fraction
            parts["completion"] = Decimal(scheme.completion_points) * earned / total if total else None
        else:
            parts["completion"] = None

        # 指标进度
        led = {t.pk for t, _a, r in mine if r == "lead"}
        counted = [s for task_id, s in statuses.values() if task_id in led and (s in GOOD or s in BAD)]
        parts["indicators"] = (
            Decimal(scheme.indicator_points) * sum(1 for s in counted if s in GOOD) / len(counted)
            if counted
            else None
        )

        # 牵头汇总
        if ReviewPolicy.of(plan).lead_consolidates and quarters:
            led_with_support = [
                (t, a) for t, a, r in mine
                if r == "lead" and TaskAssignment.objects.filter(task=t, role="support").exists()
            ]  # fmt: skip
            if led_with_support:
                lost = ZERO
                for task, agency in led_with_support:
                    for q in quarters:
                        report = _report(task, agency, q)
                        deadline = _deadline(q, agency)
                        if report is None:
                            if deadline < as_of:
                                lost += Decimal(scheme.consolidation_deduction)
                            continue
                        if _late(report, deadline):
                            lost += Decimal(scheme.consolidation_deduction)
                            continue
                        gathered = set(report.consolidated_inputs.values_list("pk", flat=True))
                        lead_day = timezone.localdate(report.submitted_at)
                        for s in TaskAssignment.objects.filter(task=task, role="support"):
                            item = _report(task, s.agency, q)
                            if item is not None and timezone.localdate(item.submitted_at) < lead_day:
                                if item.pk not in gathered:
                                    lost += Decimal(scheme.consolidation_deduction)
                                    break
                parts["consolidation"] = max(ZERO, Decimal(scheme.consolidation_points) - lost)
            else:
                parts["consolidation"] = None
        else:
            parts["consolidation"] = None

        # 复核调整 on a component, within 0 … its maximum
        maxima = {
            "reporting": scheme.reporting_points, "completion": scheme.completion_points,
            "quality": scheme.quality_points, "indicators": scheme.indicator_points,
            "consolidation": scheme.consolidation_points,
        }  # fmt: skip
        for a in adjustments:
            if a.agency_id == agency_id and a.kind == "correction" and parts.get(a.component) is not None:
                parts[a.component] = min(
                    Decimal(maxima[a.component]), max(ZERO, parts[a.component] + a.points)
                )

        # 加减分, each kind capped
        bonus = sum((a.points for a in adjustments if a.agency_id == agency_id and a.kind == "bonus"), ZERO)
        minus = sum(
            (a.points for a in adjustments if a.agency_id == agency_id and a.kind == "deduction"), ZERO
        )
        extra = min(bonus, Decimal(scheme.bonus_cap)) - min(minus, Decimal(scheme.deduction_cap))

        applicable = {code: points for code, points in parts.items() if points is not None}
        if applicable:
            possible = sum(Decimal(maxima[code]) for code in applicable)
            exact = sum(applicable.values()) * 100 / possible
            score, base = _cents(max(ZERO, exact + extra)), _cents(exact)
        else:
            score = base = None
        out[agency_id] = {
            "score": score,
            "base": base,
            "parts": {c: _cents(p) if p is not None else None for c, p in parts.items()},
        }

    # Ranks by counting the better scores; grades by the bands.
    for row in out.values():
        if row["score"] is None:
            row["rank"], row["grade"] = None, ""
            continue
        row["rank"] = 1 + sum(
            1 for other in out.values() if other["score"] is not None and other["score"] > row["score"]
        )
        s = row["score"]
        row["grade"] = (
            "excellent" if s >= scheme.excellent_min else "good" if s >= scheme.good_min
            else "fair" if s >= scheme.fair_min else "poor"
        )  # fmt: skip
    return out


def stored(assessment) -> dict:
    out = {}
    for score in assessment.scores.all():
        out[score.agency_id] = {
            "score": score.score,
            "base": score.base,
            "rank": score.rank,
            "grade": score.grade,
            "parts": {
                c["code"]: (_cents(Decimal(str(c["points"]))) if c["points"] is not None else None)
                for c in score.components
                if c["code"] != "adjustments"
            },
        }
    return out
