"""Reads for the import review: which agencies the region knows, what to warn the
office about, and what a revised document changes in its plan. They read the parsed
document as records (plans.parsing.schema) and answer what the page shows."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from agencies.names import canonical, clean_name, looks_like_short_form, suggest_matches
from agencies.services import agency_find

from .matching import indicator_key, match_by_key, match_revision, title_key
from .models import Plan
from .parsing.schema import ParsedIndicator, ParsedPlan

COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "~": "≈", "=": "="}


def agency_matching(parsed: ParsedPlan, region, agencies=None) -> dict[str, dict]:
    """For each agency named in the document: is it known in the region (by name,
    alias or canonical name), or unknown — with the region's agencies it probably
    means (县发改局 = 县发展和改革局) offered as alias suggestions."""
    if region is None:
        return {
            name: {"status": "no_region", "agency": None, "suggestions": []} for name in parsed.agency_names()
        }
    if agencies is None:
        agencies = list(Agency.objects.filter(region=region, is_active=True).order_by("name"))
    result = {}
    for name in parsed.agency_names():
        found = agency_find(region=region, name=name, agencies=agencies)
        if found is not None:
            exact = name in (found.name, found.short_name) or name in (found.aliases or [])
            result[name] = {"status": "known" if exact else "alias", "agency": found, "suggestions": []}
        else:
            result[name] = {
                "status": "unknown",
                "agency": None,
                "suggestions": suggest_matches(name, agencies)[:3],
            }
    return result


def review_warnings(parsed: ParsedPlan, matching: dict) -> list[dict]:
    """The parser's warnings plus the ones only the region knows (agencies unknown in
    it) and indicators flagged for a human look, each tied to its task (`ref`, a TaskRef)
    when it has one: the lines the page shows."""
    warnings = [
        {**w.to_dict(), "code": w.code, "message": w.message, "ref": w.ref, "line": w.line, "text": w.text}
        for w in parsed.warnings
    ]
    codes = {(w["code"], w["ref"]) for w in warnings}
    unknown: dict[str, list] = {}
    for placed in parsed.iter_tasks():
        ref, task = placed.ref, placed.task
        if task.lead_inferred and ("lead_inferred", ref) not in codes:
            warnings.append(
                {
                    "code": "lead_inferred",
                    "ref": ref,
                    "message": _("原文未写明牵头单位，已将第一个单位推定为牵头单位。"),
                }
            )
        if task.duplicate_of and ("duplicate_section", ref) not in codes and ("duplicate", ref) not in codes:
            warnings.append(
                {"code": "duplicate_section", "ref": ref, "message": _("该任务与前文重复（原文重复章节）。")}
            )
        if any(i.review for i in task.indicators) and ("indicator_review", ref) not in codes:
            warnings.append({"code": "indicator_review", "ref": ref, "message": _("有指标需人工核对。")})
        for name in task.agencies:
            if name in matching and matching[name]["status"] == "unknown":
                unknown.setdefault(name, []).append(ref)
    # One line per unknown agency, pointing at the first task that names it.
    for name, refs in unknown.items():
        hint = "、".join(a.name for a in matching[name]["suggestions"])
        message = _("单位“%(name)s”在本地区尚无记录（%(n)d 项任务）") % {"name": name, "n": len(refs)}
        if hint:
            message += _("，可能是：%(hint)s") % {"hint": hint}
        warnings.append({"code": "agency_unknown", "ref": refs[0], "message": message, "agency": name})
    # A document may write one agency two ways (县机关事务中心 / 县机关事务管理中心):
    # imported as is, that would become two agencies.
    names = parsed.agency_names()
    for index, name in enumerate(names):
        for other in names[index + 1 :]:
            if (
                canonical(name) == canonical(other)
                or looks_like_short_form(name, other)
                or looks_like_short_form(other, name)
            ):
                warnings.append(
                    {
                        "code": "agency_variant",
                        "ref": None,
                        "message": _("文件中“%(a)s”与“%(b)s”可能是同一单位，请统一写法。")
                        % {"a": name, "b": other},
                    }
                )
    return warnings


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of each line of `text`; line n is at n - 1."""
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def warning_groups(warnings: list[dict], source_text: str = "") -> list[dict]:
    """The warnings grouped by kind, in the order a kind first occurs. A warning that
    names a source line (the parser's `line`, 1-based) gets that line's span in the
    source text, so the page can point at it."""
    lines = _line_spans(source_text) if source_text else []
    groups: dict[str, dict] = {}
    for warning in warnings:
        code = warning.get("code") or "other"
        item = dict(warning)
        line = warning.get("line")
        if isinstance(line, int) and 1 <= line <= len(lines):
            item["span"] = lines[line - 1]
        if code == "unplaced_line":
            item["message"] = _("未能归入任何重点行动或任务，请核对，必要时手工添加。")
        group = groups.setdefault(code, {"code": code, "label": WARNING_LABELS.get(code, code), "items": []})
        group["items"].append(item)
    return list(groups.values())


def is_partial(parsed: ParsedPlan) -> bool:
    """Whether the parser left part of the document unplaced."""
    return parsed.partial or any(w.code == "unplaced_line" for w in parsed.warnings)


WARNING_LABELS = {
    "unplaced_line": gettext_lazy("未能归入的内容"),
    "lead_inferred": gettext_lazy("牵头单位推定"),
    "duplicate_section": gettext_lazy("重复章节"),
    "indicator_review": gettext_lazy("指标需核对"),
    "agency_unknown": gettext_lazy("本地区无记录的单位"),
    "standing_clause": gettext_lazy("统一配合条款"),
    "no_agency": gettext_lazy("缺少责任单位"),
    "agency_variant": gettext_lazy("单位写法不一"),
    "table_disagrees": gettext_lazy("正文与分工表不一致"),
    "sheet_unread": gettext_lazy("未读取的工作表"),
    "box_without_projects": gettext_lazy("专栏未识别出项目"),
    "project_table_unattached": gettext_lazy("项目表未对应任务"),
}


def plan_diff(plan: Plan, parsed: ParsedPlan | dict) -> dict:
    """What a revised document changes in `plan`, matched as plan_revise_from_parsed
    matches (plans.matching.match_revision on the same ParsedPlan.iter_tasks): tasks
    added, changed, to be archived (`tasks_removed`, with the reports and indicator
    values they keep) and archived ones it brings back (`tasks_restored`); targets added,
    removed and changed."""
    from indicators.models import Indicator, IndicatorValue
    from tasks.models import ProgressReport, Task, TaskAssignment

    parsed = ParsedPlan.of(parsed)
    old_tasks = list(
        Task.objects.filter(action__plan=plan).select_related("action").order_by("action__seq", "seq")
    )
    leads, supports = {}, {}
    for a in (
        TaskAssignment.objects.filter(task__action__plan=plan)
        .select_related("agency")
        .order_by("role", "seq")
    ):
        (leads if a.role == TaskAssignment.Role.LEAD else supports).setdefault(a.task_id, []).append(
            a.agency.name
        )
    indicators = {}
    for ind in Indicator.objects.filter(plan=plan).order_by("seq", "id"):
        indicators.setdefault(ind.task_id, []).append(ind)
    report_counts = _counts(ProgressReport.objects.filter(task__action__plan=plan), "task_id")
    value_counts = _counts(IndicatorValue.objects.filter(indicator__plan=plan), "indicator__task_id")

    agencies = list(Agency.objects.filter(region=plan.region))

    def agency_key(name):
        # The same agency under another of its names is no change.
        found = agency_find(region=plan.region, name=name, agencies=agencies)
        return found.pk if found is not None else canonical(clean_name(name))

    pairs, removed, restored, added = match_revision(old_tasks, list(parsed.iter_tasks()))
    diff = {
        "tasks_added": [
            {"action": placed.action.title, "label": placed.task.label, "title": placed.title}
            for placed in added
        ],
        "tasks_removed": [
            {
                "action": t.action.title,
                "label": t.label,
                "title": t.title,
                "reports": report_counts.get(t.pk, 0),
                "values": value_counts.get(t.pk, 0),
            }
            for t in removed
        ],
        "tasks_restored": [
            {"title": t.title, "reports": report_counts.get(t.pk, 0), "values": value_counts.get(t.pk, 0)}
            for t, _placed in restored
        ],
        "tasks_changed": [],
        "tasks_unchanged": 0,
        "targets_added": [],
        "targets_removed": [],
        "targets_changed": [],
        "reports_kept": 0,
        "reports_archived": sum(report_counts.get(t.pk, 0) for t in removed),
    }
    for task, placed in pairs + restored:
        changes = []
        new = placed.task
        if title_key(task.title) != title_key(placed.title):
            changes.append(_("标题：%(old)s → %(new)s") % {"old": task.title, "new": placed.title})
        if title_key(task.action.title) != title_key(placed.action.title):
            changes.append(
                _("所属行动：%(old)s → %(new)s") % {"old": task.action.title, "new": placed.action.title}
            )
        for label, old, names in (
            (_("牵头单位"), leads.get(task.pk, []), new.lead),
            (_("配合单位"), supports.get(task.pk, []), new.support),
        ):
            if [agency_key(n) for n in old] != [agency_key(n) for n in names]:
                changes.append(f"{label}：{'、'.join(old) or '—'} → {'、'.join(names) or '—'}")
        if _targets_diff(indicators.get(task.pk, []), new.indicators, task.title, diff):
            changes.append(_("量化目标有变化"))
        diff["reports_kept"] += report_counts.get(task.pk, 0)
        if changes:
            diff["tasks_changed"].append({"title": task.title, "label": task.label, "changes": changes})
        else:
            diff["tasks_unchanged"] += 1
    for placed in added:
        for data in placed.task.indicators:
            diff["targets_added"].append({"task": placed.task.title, "text": describe_indicator(data)})
    _targets_diff(indicators.get(None, []), parsed.goals, _("主要目标"), diff)
    diff["has_changes"] = any(
        diff[k]
        for k in (
            "tasks_added",
            "tasks_removed",
            "tasks_restored",
            "tasks_changed",
            "targets_added",
            "targets_removed",
            "targets_changed",
        )
    )
    return diff


def _counts(queryset, field: str) -> dict:
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def stored_target(ind) -> ParsedIndicator:
    """A stored Indicator as a parsed target, to compare and describe both alike."""
    return ParsedIndicator(
        name=ind.name,
        unit=ind.unit,
        comparator=ind.comparator,
        target=number_of(ind.target),
        target_max=number_of(ind.target_max),
        year=ind.target_year,
        baseline_year=ind.baseline_year,
        change=None if ind.change == "level" else ind.change,
    )


def number_of(value):
    if value is None:
        return None
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _same_target(ind, data: ParsedIndicator) -> bool:
    mine = stored_target(ind)
    return (
        (mine.comparator or None) == (data.comparator or None)
        and mine.target == number_of(data.target)
        and mine.target_max == number_of(data.target_max)
        and (mine.year or None) == (data.year or None)
        and (mine.baseline_year or None) == (data.baseline_year or None)
        and (mine.change or None) == (data.change or None)
    )


def _targets_diff(old, new: list[ParsedIndicator], where, diff) -> bool:
    pairs, removed, added = match_by_key(
        old,
        new,
        lambda ind: indicator_key(ind.name, ind.unit),
        lambda data: indicator_key(data.name, data.unit),
    )
    for ind in removed:
        diff["targets_removed"].append({"task": where, "text": describe_indicator(stored_target(ind))})
    for data in added:
        diff["targets_added"].append({"task": where, "text": describe_indicator(data)})
    changed = False
    for ind, data in pairs:
        if not _same_target(ind, data):
            changed = True
            diff["targets_changed"].append(
                {
                    "task": where,
                    "old": describe_indicator(stored_target(ind)),
                    "new": describe_indicator(data),
                }
            )
    return bool(removed or added or changed)


def describe_indicator(data: ParsedIndicator) -> str:
    """新能源装机容量 ≥ 135.5万千瓦（2025年）, as the review and the diff show it."""
    target = number_of(data.target)
    text = f"{data.name or ''} "
    if data.change in ("decrease", "increase"):
        verb = "下降" if data.change == "decrease" else "提高"
        text += f"比{data.baseline_year}年{verb}" if data.baseline_year else verb
    text += f"{COMPARATOR_SIGNS.get(data.comparator or '>=', '')}{'' if target is None else target}"
    if data.target_max is not None:
        text += f"–{number_of(data.target_max)}"
    text += data.unit or ""
    if data.year:
        text += f"（{data.year}年）"
    return text.strip()
