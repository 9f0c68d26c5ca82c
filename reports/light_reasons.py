"""Why a task's light is red or yellow: stored as a code and its parameters
({"code": "late", "params": {"agency": "县交通运输局"}}), worded only when shown, in the
reader's language. The stored parameters are plain strings and numbers (JSON)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MISSING = "missing"  # agency, role, deadline
LAGGING = "lagging"  # agency
LATE = "late"  # agency
RETURNED = "returned"  # agency, count
OVERDUE = "overdue"  # deadline, percent (or "")
INDICATOR_BEHIND = "indicator_behind"  # name, behind, expected, value, unit
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
}


def reason(code: str, **params) -> dict:
    return {"code": code, "params": params}


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


def reason_texts(items) -> list[str]:
    return [text for text in (reason_text(item) for item in items or []) if text]
