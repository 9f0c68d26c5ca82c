"""Why a task's light is red or yellow: stored as a code and its parameters
({"code": "late", "params": {"agency": "县交通运输局"}}), worded only when shown, in the
reader's language. The stored parameters are plain strings and numbers (JSON).

A note ({"code", "params", "note": true}) is worded the same way but does not explain the
light: it records a supporting agency's missing, late, returned or 滞后 input, which the
rule (RULE) keeps out of the task's colour."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MISSING = "missing"  # agency, role, deadline
LAGGING = "lagging"  # agency
LATE = "late"  # agency
RETURNED = "returned"  # agency, count
OVERDUE = "overdue"  # deadline, percent (or "")
INDICATOR_BEHIND = "indicator_behind"  # name, behind, expected, value, unit (rows before INDICATOR_LAG)
INDICATOR_LAG = "indicator_lag"  # name, expected (序时 %), completion (%), behind (percentage points)
INDICATOR_MISSED = "indicator_missed"  # name, completion (%)
TEXT = "text"  # text: a reason kept as it was worded (rows from before the codes)

SENTENCES = {
    (MISSING, "lead"): _("牵头单位%(agency)s逾期未报（截止%(deadline)s）"),
    (MISSING, "support"): _("配合单位%(agency)s逾期未报（截止%(deadline)s）"),
    (LAGGING, ""): _("%(agency)s报告进展滞后"),
    (LATE, ""): _("%(agency)s逾期报送"),
    (RETURNED, ""): _("%(agency)s填报被退回%(count)s次"),
    (OVERDUE, ""): _("任务完成时限%(deadline)s已过，尚未完成"),
    (OVERDUE, "percent"): _("任务完成时限%(deadline)s已过，尚未完成，完成进度%(percent)s%%"),
    (INDICATOR_BEHIND, ""): _(
        "指标“%(name)s”落后序时进度%(behind)s%%（应达%(expected)s%(unit)s，实际%(value)s%(unit)s）"
    ),
    (INDICATOR_LAG, ""): _(
        "指标“%(name)s”落后序时进度：应达%(expected)s%%，实际%(completion)s%%，落后%(behind)s个百分点"
    ),
    (INDICATOR_MISSED, ""): _("指标“%(name)s”到期未完成（完成率%(completion)s%%）"),
}


RULE = _(
    "任务灯色以牵头单位本季度报告为准：牵头单位逾期未报、报告“滞后”、任务超过完成时限未完成或指标"
    "落后序时进度超过红灯阈值亮红灯；牵头单位逾期报送、被退回达到次数或指标落后超过黄灯阈值亮黄灯；"
    "其余为绿灯。配合单位未报、逾期或滞后不改变任务灯色，作为备注列出，并计入该单位的报送及时率。"
)


def reason(code: str, **params) -> dict:
    return {"code": code, "params": params}


def note(code: str, **params) -> dict:
    """A supporting agency's fact shown beside the light, not a reason for it."""
    return {"code": code, "params": params, "note": True}


def is_note(item) -> bool:
    return isinstance(item, dict) and bool(item.get("note"))


def _variant(code: str, params: dict) -> str:
    if code == MISSING:
        return "lead" if params.get("role") == "lead" else "support"
    if code == OVERDUE and params.get("percent") not in (None, ""):
        return "percent"
    return ""


def reason_text(item) -> str:
    """One stored reason in the active language."""
    if isinstance(item, str):
        return item
    code, params = item.get("code", TEXT), item.get("params") or {}
    sentence = SENTENCES.get((code, _variant(code, params)))
    if sentence is None:
        return str(params.get("text", ""))
    return str(sentence) % params


def reason_texts(items, *, notes: bool = False) -> list[str]:
    """The reasons (or, with notes=True, the notes) among the stored items, worded."""
    chosen = (item for item in items or [] if is_note(item) == notes)
    return [text for text in (reason_text(item) for item in chosen) if text]
