"""The rules a score is computed by, as the office reads them on the scheme page, and
the wording of each line of a breakdown: a line is stored as a rule code with its
parameters and worded here in the reader's language, as the lights' reasons are.

How each component is scored (reports.assessment.scoring computes it):

* Quarters counted: the plan's quarters of the year whose deadline has passed on the
  day of computation. An agency's deadline in a quarter is the later of the quarter's and
  the day the office reopened it until for that agency (补报).
* 按时报送: each report the agency owes (one per task it leads or supports and counted
  quarter) costs the late deduction if it came in late, the missing deduction if it has
  not come in and the agency's deadline has passed; each times the weight of the
  agency's role. A report flagged late whose submission falls within a reopening for
  the agency is not late. The component never goes below 0.
* 任务完成: each task the agency leads or supports, weighted by role, scores the lead's
  latest report of the counted quarters against 序时进度 (the share of the task's time,
  from the plan's first year to the task's deadline or the plan's last year, passed by
  the end of the last counted quarter): completed (已完成 or 100 %) or at or above
  序时进度 scores in full, below it in proportion, no report scores nothing.
* 报送质量: each return of one of the agency's reports costs the return deduction times
  the weight of its role.
* 指标进度: the indicators of the tasks the agency leads, as the stored rollup assessed
  them at the last counted quarter: on track (or achieved, done) scores, behind, missed
  or without data does not; those that cannot be assessed (no baseline, no target year)
  are left out.
* 牵头汇总 (plans where lead agencies consolidate): each task the agency leads that has
  supporting agencies, in each counted quarter, costs the consolidation deduction unless
  the lead's report came in on time and gathered every input handed in before it.
* A component with nothing to score (no indicator, no task with supporters …) does not
  apply: the other components are scaled up to the scheme's 100 points (按比例折算). An
  agency with no component that applies — no task, or no quarter due yet — gets no
  score, not full marks.
* 加减分: items entered by hand, bonuses and deductions each capped in total as the
  scheme says; 复核调整 corrects one component within its 0 … maximum.
* Ranks: by score, equal scores share a rank (1, 2, 2, 4). Grades by the scheme's bands.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.assessment import STATUS_LABELS

from .models import Component, Grade

# Line codes of a breakdown.
LATE = "late"
MISSING = "missing"
RETURNED = "returned"
TASK_PROGRESS = "task_progress"
TASK_NO_REPORT = "task_no_report"
INDICATOR_ON_TRACK = "indicator_on_track"
INDICATOR_BEHIND = "indicator_behind"
INDICATOR_LEFT_OUT = "indicator_left_out"
CONSOLIDATION_MISSED = "consolidation_missed"
FLOOR = "floor"
BONUS = "bonus"
DEDUCTION = "deduction"
CAPPED = "capped"
CORRECTION = "correction"
CLAMPED = "clamped"

ROLE_LABELS = {"lead": gettext_lazy("牵头"), "support": gettext_lazy("配合")}
# Why a task's quarter missed its consolidation.
CONSOLIDATION_WHY = {
    "missing": gettext_lazy("牵头单位未报送"),
    "late": gettext_lazy("牵头单位逾期报送"),
    "not_gathered": gettext_lazy("未汇总已报送的配合单位材料"),
}


def _role(params) -> str:
    return str(ROLE_LABELS.get(params.get("role"), ""))


def _task(params) -> str:
    return _("任务%(number)s“%(title)s”") % {
        "number": params.get("task", ""),
        "title": params.get("title", ""),
    }


def item_text(rule: str, params: dict) -> str:
    """A breakdown line in the active language."""
    p = params or {}
    if rule == LATE:
        return _("%(period)s %(task)s（%(role)s）逾期报送：截止 %(deadline)s，%(submitted)s 报送") % {
            "period": p.get("period"), "task": _task(p), "role": _role(p),
            "deadline": p.get("deadline"), "submitted": p.get("submitted"),
        }  # fmt: skip
    if rule == MISSING:
        return _("%(period)s %(task)s（%(role)s）未报送，截止 %(deadline)s") % {
            "period": p.get("period"), "task": _task(p), "role": _role(p), "deadline": p.get("deadline"),
        }  # fmt: skip
    if rule == RETURNED:
        return _("%(period)s %(task)s（%(role)s）被退回 %(count)s 次") % {
            "period": p.get("period"), "task": _task(p), "role": _role(p), "count": p.get("count"),
        }  # fmt: skip
    if rule == TASK_PROGRESS:
        return _("%(task)s（%(role)s，权重%(weight)s）：%(period)s 完成进度 %(percent)s%%，序时进度 %(expected)s%%%(done)s") % {
            "task": _task(p), "role": _role(p), "weight": p.get("weight"), "period": p.get("period"),
            "percent": p.get("percent"), "expected": p.get("expected"),
            "done": _("，已完成") if p.get("done") else "",
        }  # fmt: skip
    if rule == TASK_NO_REPORT:
        return _("%(task)s（%(role)s，权重%(weight)s）：牵头单位本年度无已报送的进展，序时进度 %(expected)s%%") % {
            "task": _task(p), "role": _role(p), "weight": p.get("weight"), "expected": p.get("expected"),
        }  # fmt: skip
    if rule in (INDICATOR_ON_TRACK, INDICATOR_BEHIND, INDICATOR_LEFT_OUT):
        text = _("指标“%(name)s”（任务%(task)s）%(period)s：%(status)s") % {
            "name": p.get("name"), "task": p.get("task"), "period": p.get("period"), "status": str(STATUS_LABELS.get(p.get("status"), p.get("status", ""))),
        }  # fmt: skip
        return text + (_("，不计入") if rule == INDICATOR_LEFT_OUT else "")
    if rule == CONSOLIDATION_MISSED:
        return _("%(period)s %(task)s 未按时汇总：%(why)s") % {
            "period": p.get("period"), "task": _task(p), "why": str(CONSOLIDATION_WHY.get(p.get("why"), "")),
        }  # fmt: skip
    if rule == FLOOR:
        return _("扣分超过本项满分，本项计 0 分")
    if rule == BONUS:
        return _("加分：%(reason)s") % {"reason": p.get("reason", "")}
    if rule == DEDUCTION:
        return _("减分：%(reason)s") % {"reason": p.get("reason", "")}
    if rule == CAPPED:
        kind = _("加分") if p.get("kind") == "bonus" else _("减分")
        return _("%(kind)s合计超过上限 %(cap)s 分，按 %(cap)s 分计") % {"kind": kind, "cap": p.get("cap")}
    if rule == CORRECTION:
        return _("复核调整：%(reason)s") % {"reason": p.get("reason", "")}
    if rule == CLAMPED:
        return _("复核调整后超出本项 0–%(max)s 分的范围，按范围计") % {"max": p.get("max")}
    return rule


COMPONENT_HELP = {
    Component.REPORTING: gettext_lazy("每份逾期报送、未报按方案扣分（按牵头、配合权重），扣完为止"),
    Component.COMPLETION: gettext_lazy("各项任务完成进度对照序时进度，按牵头、配合权重平均"),
    Component.QUALITY: gettext_lazy("进展每被退回一次扣分（按牵头、配合权重），扣完为止"),
    Component.INDICATORS: gettext_lazy("牵头任务的量化指标达到序时进度的比例"),
    Component.CONSOLIDATION: gettext_lazy("牵头任务每季度按时汇总配合单位材料，未按时的扣分"),
    Component.ADJUSTMENTS: gettext_lazy("人工录入的加分、减分，各有上限"),
}


def component_help(code) -> str:
    return str(COMPONENT_HELP.get(code, ""))


GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]


def grade_of(score, scheme) -> str:
    """The grade of a score by the scheme's bands ("" without a score)."""
    if score is None:
        return ""
    if score >= scheme.excellent_min:
        return Grade.EXCELLENT
    if score >= scheme.good_min:
        return Grade.GOOD
    if score >= scheme.fair_min:
        return Grade.FAIR
    return Grade.POOR
