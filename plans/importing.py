"""From an uploaded plan document to a checked task breakdown.

upload → parse (PlanImport, state 待核对) → the office corrects titles, agencies and
indicators → commit (a new Plan, or the revised version of an existing one, in place).
Every step is a service here; the views only call them.
"""

from __future__ import annotations

import copy
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from agencies.access import Viewer
from agencies.audit import audit_log
from agencies.models import Agency
from agencies.names import canonical, clean_name, looks_like_short_form, suggest_matches
from agencies.services import agency_add_alias, agency_find, role_grant

from .models import Plan, PlanImport, Region
from .services import (
    COMPARATORS,
    indicator_key,
    match_by_key,
    match_tasks,
    plan_create_from_parsed,
    plan_revise_from_parsed,
    title_key,
)

DOCUMENT_SUFFIXES = (".txt", ".docx")
WORKBOOK_SUFFIXES = (".xlsx",)
UPLOAD_SUFFIXES = DOCUMENT_SUFFIXES + WORKBOOK_SUFFIXES
COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "~": "≈", "=": "="}


# --- access ------------------------------------------------------------------------------
def import_regions_for(user):
    """Regions the user may import plans into: those of the office's plans and the
    regions (with everything below them) it is the office of."""
    viewer = Viewer.of(user)
    if viewer.is_admin:
        return Region.objects.all()
    q = Q(plans__in=list(viewer.office_plan_ids)) if viewer.office_plan_ids else Q(pk__in=[])
    if viewer.office_region_ids:
        ids = list(viewer.office_region_ids)
        q |= Q(pk__in=ids) | Q(parent__in=ids) | Q(parent__parent__in=ids)
    return Region.objects.filter(q).distinct()


def _subtree_region_q(viewer):
    ids = list(viewer.office_region_ids)
    return Q(region__in=ids) | Q(region__parent__in=ids) | Q(region__parent__parent__in=ids)


def imports_visible_to(user):
    """PlanImports the user may see: those in a region it is the office of, those it
    uploaded, and those revising one of its plans."""
    viewer = Viewer.of(user)
    qs = PlanImport.objects.select_related("region", "uploaded_by", "plan", "replaces")
    if viewer.is_admin:
        return qs
    if not viewer.is_office:
        return qs.none()
    q = Q(uploaded_by=user) | Q(replaces__in=list(viewer.office_plan_ids))
    if viewer.office_region_ids:
        q |= _subtree_region_q(viewer)
    return qs.filter(q)


def require_office(user):
    if not Viewer.of(user).is_office:
        raise PermissionDenied


def get_import_for_user(user, pk) -> PlanImport:
    """The import, for an office that may see it: 403 for users who are no office at
    all, 404 for other offices."""
    require_office(user)
    return get_object_or_404(imports_visible_to(user), pk=pk)


# --- parsing -----------------------------------------------------------------------------
def suffix_of(filename: str) -> str:
    return Path(filename or "").suffix.lower()


def document_parse(*, data: bytes, filename: str) -> tuple[dict, str]:
    """(parsed, source text) of an uploaded file: a plan document (.txt / .docx) goes
    through the parser, a 任务分解表 workbook (.xlsx) through its reader. Raises
    PlanParseError or ValidationError with a message for the user."""
    from .parsing import PlanParseError, decode_document, parse_plan_text

    suffix = suffix_of(filename)
    if suffix in WORKBOOK_SUFFIXES:
        from .breakdown_excel import breakdown_read

        return breakdown_read(data, filename=filename), ""
    if suffix and suffix not in DOCUMENT_SUFFIXES:
        raise PlanParseError(
            _("不支持的文件类型“%(suffix)s”：请上传 .txt、.docx 或任务分解表 .xlsx。") % {"suffix": suffix}
        )
    text = decode_document(data, filename)
    parsed = parse_plan_text(text, source_name=filename)
    parsed.setdefault("source", filename)
    return parsed, text


def source_text_of(plan_import: PlanImport) -> str:
    """The decoded text the spans of the import point into."""
    if suffix_of(plan_import.original_name) in WORKBOOK_SUFFIXES or not plan_import.file:
        return ""
    from .parsing import PlanParseError, decode_document

    try:
        with plan_import.file.open("rb") as fh:
            return decode_document(fh.read(), plan_import.original_name)
    except (OSError, PlanParseError):
        return ""


def _region_for(parsed: dict, region, allowed) -> Region | None:
    if region is not None:
        return region
    name = ((parsed.get("plan") or {}).get("region") or "").strip()
    if not name:
        return None
    return allowed.filter(name=name).first()


@transaction.atomic
def plan_import_create(*, data: bytes, filename: str, by, region=None, replaces=None) -> PlanImport:
    """Store an uploaded document and parse it. A document the parser rejects is kept
    as a failed import with the reason, so the office sees what happened."""
    from .parsing import PlanParseError

    filename = Path(filename or "").name[:255] or "document.txt"
    if len(data) > settings.PLAN_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("文件过大（%(size)d KB），上限为 %(limit)d KB。")
            % {"size": len(data) // 1024, "limit": settings.PLAN_UPLOAD_MAX_BYTES // 1024}
        )
    if suffix_of(filename) not in UPLOAD_SUFFIXES:
        raise ValidationError(_("请上传 .txt 或 .docx 格式的方案文件，或 .xlsx 格式的任务分解表。"))
    allowed = import_regions_for(by)
    if replaces is not None:
        if not Viewer.of(by).is_office_of(replaces):
            raise PermissionDenied
        region = replaces.region
    elif region is not None and not allowed.filter(pk=region.pk).exists():
        raise PermissionDenied
    plan_import = PlanImport(original_name=filename, uploaded_by=by, replaces=replaces, region=region)
    try:
        parsed, _text = document_parse(data=data, filename=filename)
    except (PlanParseError, ValidationError) as exc:
        plan_import.state = PlanImport.State.FAILED
        plan_import.error = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        parsed = {}
    else:
        if replaces is not None and suffix_of(filename) in WORKBOOK_SUFFIXES:
            from .breakdown_excel import plan_facts

            parsed["plan"] = {**plan_facts(replaces), **(parsed.get("plan") or {})}
        plan_import.region = _region_for(parsed, region, allowed)
        plan_import.parsed = parsed
        plan_import.warnings = parsed.get("warnings") or []
    plan_import.file.save(filename, ContentFile(data), save=False)
    plan_import.full_clean()
    plan_import.save()
    audit_log(
        actor=by,
        action="plan_import.upload",
        target=plan_import,
        plan=replaces,
        changes={"state": [None, plan_import.state], "file": [None, filename]},
    )
    return plan_import


# --- the review --------------------------------------------------------------------------
def iter_tasks(parsed: dict):
    """(action index, task index, action, task), 1-based, in document order."""
    for a_index, action in enumerate(parsed.get("actions") or [], start=1):
        for t_index, task in enumerate(action.get("tasks") or [], start=1):
            yield a_index, t_index, action, task


def agency_names(parsed: dict) -> list[str]:
    names = []
    for _a, _t, _action, task in iter_tasks(parsed):
        for name in (task.get("lead") or []) + (task.get("support") or []):
            if name not in names:
                names.append(name)
    return names


def agency_matching(parsed: dict, region, agencies=None) -> dict[str, dict]:
    """For each agency named in the document: is it known in the region (by name,
    alias or canonical name), or unknown — with the region's agencies it probably
    means (县发改局 = 县发展和改革局) offered as alias suggestions."""
    if region is None:
        return {
            name: {"status": "no_region", "agency": None, "suggestions": []} for name in agency_names(parsed)
        }
    if agencies is None:
        agencies = list(Agency.objects.filter(region=region, is_active=True).order_by("name"))
    result = {}
    for name in agency_names(parsed):
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


def _task_ref(warning: dict):
    action, task = warning.get("action"), warning.get("task")
    try:
        return (int(action), int(task)) if action and task else None
    except (TypeError, ValueError):
        return None


def review_warnings(parsed: dict, matching: dict) -> list[dict]:
    """The parser's warnings plus the ones only the region knows (agencies unknown in
    it) and indicators flagged for a human look, each tied to its task when it has one."""
    warnings = [dict(w, ref=_task_ref(w)) for w in parsed.get("warnings") or []]
    codes = {(w.get("code"), w["ref"]) for w in warnings}
    unknown: dict[str, list] = {}
    for a_index, t_index, _action, task in iter_tasks(parsed):
        ref = (a_index, t_index)
        if task.get("lead_inferred") and ("lead_inferred", ref) not in codes:
            warnings.append(
                {
                    "code": "lead_inferred",
                    "ref": ref,
                    "message": _("原文未写明牵头单位，已将第一个单位推定为牵头单位。"),
                }
            )
        if (
            task.get("duplicate_of")
            and ("duplicate_section", ref) not in codes
            and ("duplicate", ref) not in codes
        ):
            warnings.append(
                {"code": "duplicate_section", "ref": ref, "message": _("该任务与前文重复（原文重复章节）。")}
            )
        if (
            any(i.get("review") for i in task.get("indicators") or [])
            and ("indicator_review", ref) not in codes
        ):
            warnings.append({"code": "indicator_review", "ref": ref, "message": _("有指标需人工核对。")})
        for name in (task.get("lead") or []) + (task.get("support") or []):
            if (matching.get(name) or {}).get("status") == "unknown":
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
    names = agency_names(parsed)
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


WARNING_LABELS = {
    "lead_inferred": _lazy("牵头单位推定"),
    "duplicate_section": _lazy("重复章节"),
    "indicator_review": _lazy("指标需核对"),
    "agency_unknown": _lazy("本地区无记录的单位"),
    "standing_clause": _lazy("统一配合条款"),
    "no_agency": _lazy("缺少责任单位"),
    "agency_variant": _lazy("单位写法不一"),
}


def plan_diff(plan: Plan, parsed: dict) -> dict:
    """What a revised document changes in `plan`: tasks and targets added, removed and
    changed, matched the way plan_revise_from_parsed matches them (by folded title)."""
    from indicators.models import Indicator
    from tasks.models import ProgressReport, Task, TaskAssignment

    old_tasks = list(
        Task.objects.filter(action__plan=plan).select_related("action").order_by("action__seq", "seq")
    )
    leads, supports = {}, {}
    for a in (
        TaskAssignment.objects.filter(task__action__plan=plan)
        .select_related("agency")
        .order_by("role", "seq")
    ):
        (leads if a.role == "lead" else supports).setdefault(a.task_id, []).append(a.agency.name)
    indicators = {}
    for ind in Indicator.objects.filter(plan=plan).order_by("seq", "id"):
        indicators.setdefault(ind.task_id, []).append(ind)
    report_counts = {}
    for task_id in ProgressReport.objects.filter(task__action__plan=plan).values_list("task_id", flat=True):
        report_counts[task_id] = report_counts.get(task_id, 0) + 1

    agencies = list(Agency.objects.filter(region=plan.region))

    def agency_key(name):
        # The same agency under another of its names is no change.
        found = agency_find(region=plan.region, name=name, agencies=agencies)
        return found.pk if found is not None else canonical(clean_name(name))

    new_tasks = list(iter_tasks(parsed))
    pairs, removed, added = match_tasks(
        old_tasks,
        new_tasks,
        lambda t: title_key(t.title),
        lambda item: title_key(item[3].get("title") or item[2].get("title")),
    )
    diff = {
        "tasks_added": [
            {"action": a.get("title"), "label": t.get("label"), "title": t.get("title") or a.get("title")}
            for _ai, _ti, a, t in added
        ],
        "tasks_removed": [
            {
                "action": t.action.title,
                "label": t.label,
                "title": t.title,
                "reports": report_counts.get(t.pk, 0),
            }
            for t in removed
        ],
        "tasks_changed": [],
        "tasks_unchanged": 0,
        "targets_added": [],
        "targets_removed": [],
        "targets_changed": [],
        "reports_kept": 0,
        "reports_removed": sum(report_counts.get(t.pk, 0) for t in removed),
    }
    for task, (_ai, _ti, a_data, t_data) in pairs:
        changes = []
        new_title = t_data.get("title") or a_data.get("title")
        if title_key(task.title) != title_key(new_title):
            changes.append(_("标题：%(old)s → %(new)s") % {"old": task.title, "new": new_title})
        if title_key(task.action.title) != title_key(a_data.get("title")):
            changes.append(
                _("所属行动：%(old)s → %(new)s") % {"old": task.action.title, "new": a_data.get("title")}
            )
        for label, old, new in (
            (_("牵头单位"), leads.get(task.pk, []), t_data.get("lead") or []),
            (_("配合单位"), supports.get(task.pk, []), t_data.get("support") or []),
        ):
            if [agency_key(n) for n in old] != [agency_key(n) for n in new]:
                changes.append(f"{label}：{'、'.join(old) or '—'} → {'、'.join(new) or '—'}")
        target_changes = _targets_diff(
            indicators.get(task.pk, []), t_data.get("indicators") or [], task.title, diff
        )
        if target_changes:
            changes.append(_("量化目标有变化"))
        diff["reports_kept"] += report_counts.get(task.pk, 0)
        if changes:
            diff["tasks_changed"].append({"title": task.title, "label": task.label, "changes": changes})
        else:
            diff["tasks_unchanged"] += 1
    for _ai, _ti, _a, t_data in added:
        for data in t_data.get("indicators") or []:
            diff["targets_added"].append({"task": t_data.get("title"), "text": describe_indicator(data)})
    for task in removed:
        for ind in indicators.get(task.pk, []):
            diff["targets_removed"].append(
                {"task": task.title, "text": describe_indicator(_indicator_dict(ind))}
            )
    _targets_diff(indicators.get(None, []), parsed.get("goals") or [], _("主要目标"), diff)
    diff["has_changes"] = any(
        diff[k]
        for k in (
            "tasks_added",
            "tasks_removed",
            "tasks_changed",
            "targets_added",
            "targets_removed",
            "targets_changed",
        )
    )
    return diff


def _indicator_dict(ind) -> dict:
    return {
        "name": ind.name,
        "unit": ind.unit,
        "comparator": ind.comparator,
        "target": _num(ind.target),
        "target_max": _num(ind.target_max),
        "year": ind.target_year,
        "baseline_year": ind.baseline_year,
        "change": None if ind.change == "level" else ind.change,
    }


def _num(value):
    if value is None:
        return None
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _same_target(ind, data) -> bool:
    mine = _indicator_dict(ind)
    return all(
        (mine[k] if mine[k] is not None else None)
        == (_num(data.get(k)) if k in ("target", "target_max") else data.get(k) or None)
        for k in ("comparator", "target", "target_max", "year", "baseline_year")
    ) and (mine["change"] or None) == (data.get("change") or None)


def _targets_diff(old, new, where, diff) -> bool:
    pairs, removed, added = match_by_key(
        old,
        new,
        lambda ind: indicator_key(ind.name, ind.unit),
        lambda d: indicator_key(d.get("name"), d.get("unit")),
    )
    for ind in removed:
        diff["targets_removed"].append({"task": where, "text": describe_indicator(_indicator_dict(ind))})
    for data in added:
        diff["targets_added"].append({"task": where, "text": describe_indicator(data)})
    changed = False
    for ind, data in pairs:
        if not _same_target(ind, data):
            changed = True
            diff["targets_changed"].append(
                {
                    "task": where,
                    "old": describe_indicator(_indicator_dict(ind)),
                    "new": describe_indicator(data),
                }
            )
    return bool(removed or added or changed)


def describe_indicator(data: dict) -> str:
    """新能源装机容量 ≥ 135.5万千瓦（2025年）, as the review and the diff show it."""
    target = _num(data.get("target"))
    text = f"{data.get('name') or ''} "
    if data.get("change") in ("decrease", "increase"):
        verb = "下降" if data["change"] == "decrease" else "提高"
        text += f"比{data['baseline_year']}年{verb}" if data.get("baseline_year") else verb
    text += f"{COMPARATOR_SIGNS.get(data.get('comparator') or '>=', '')}{'' if target is None else target}"
    if data.get("target_max") is not None:
        text += f"–{_num(data['target_max'])}"
    text += data.get("unit") or ""
    if data.get("year"):
        text += f"（{data['year']}年）"
    return text.strip()


# --- corrections posted from the review page ---------------------------------------------
def _split_names(value: str) -> list[str]:
    parts = [
        clean_name(p) for p in value.replace("，", "、").replace(",", "、").replace("；", "、").split("、")
    ]
    return [p for p in parts if p]


def _parse_number(raw: str, label: str, errors: list, where: str):
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(f"{where} {label}：" + _("“%(value)s”不是数字") % {"value": raw})
        return None
    if not value.is_finite():
        errors.append(f"{where} {label}：" + _("“%(value)s”不是数字") % {"value": raw})
        return None
    return _num(value)


def _parse_year(raw: str, label: str, errors: list, where: str):
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
        errors.append(f"{where} {label}：" + _("应为 1990–2100 之间的年份"))
        return None
    return int(raw)


def parsed_apply_edits(parsed: dict, post) -> tuple[dict, list[str]]:
    """The parsed breakdown with the office's corrections from the review form applied
    (fields named a{i}-title, a{i}-t{j}-title / -lead / -support / -delete,
    a{i}-t{j}-i{k}-name / -target / … / -delete, g{k}-… for the plan's goals), and the
    errors found, each naming the row and the field."""
    edited = copy.deepcopy(parsed)
    errors: list[str] = []
    info = edited.setdefault("plan", {})
    if "plan-title" in post:
        info["title"] = post.get("plan-title", "").strip()
        if not info["title"]:
            errors.append(_("方案标题：不能为空"))
    if "plan-plan_year" in post:
        info["plan_year"] = _parse_year(post.get("plan-plan_year"), _("年度"), errors, _("方案"))

    def edit_indicators(items, prefix, where):
        kept = []
        for k, data in enumerate(items):
            p = f"{prefix}i{k}-"
            if post.get(p + "delete"):
                continue
            if p + "name" in post:
                before = {
                    key: data.get(key)
                    for key in ("name", "unit", "target", "target_max", "comparator", "year")
                }
                here = f"{where} " + _("指标%(n)d") % {"n": k + 1}
                data["name"] = post.get(p + "name", "").strip()
                if not data["name"]:
                    errors.append(f"{here} " + _("指标名称：不能为空"))
                data["unit"] = post.get(p + "unit", "").strip()[:32]
                target = _parse_number(post.get(p + "target"), _("目标值"), errors, here)
                if target is None and not any(e.startswith(f"{here} {_('目标值')}") for e in errors):
                    errors.append(f"{here} {_('目标值')}：" + _("不能为空"))
                data["target"] = target
                data["target_max"] = _parse_number(post.get(p + "target_max"), _("上限"), errors, here)
                if (
                    data["target"] is not None
                    and data["target_max"] is not None
                    and data["target_max"] < data["target"]
                ):
                    errors.append(f"{here} {_('上限')}：" + _("不能小于目标值"))
                comparator = post.get(p + "comparator", ">=")
                if comparator not in COMPARATORS:
                    errors.append(f"{here} {_('比较')}：" + _("只能是 ≥、≤、≈ 或 ="))
                data["comparator"] = comparator
                data["year"] = _parse_year(post.get(p + "year"), _("目标年份"), errors, here)
                after = {key: data.get(key) for key in before}
                if post.get(p + "checked") or after != before:
                    # Corrected or confirmed by the office: no longer in doubt.
                    data["review"] = False
                    data["borderline"] = False
            kept.append(data)
        return kept

    edited["goals"] = edit_indicators(edited.get("goals") or [], "g", _("主要目标"))
    for a_index, action in enumerate(edited.get("actions") or []):
        ap = f"a{a_index}-"
        if ap + "title" in post:
            action["title"] = post.get(ap + "title", "").strip()
            if not action["title"]:
                errors.append(_("第%(n)d个重点行动 标题：不能为空") % {"n": a_index + 1})
        tasks = []
        for t_index, task in enumerate(action.get("tasks") or []):
            tp = f"{ap}t{t_index}-"
            where = _("任务%(a)d.%(t)d") % {"a": a_index + 1, "t": t_index + 1}
            if post.get(tp + "delete"):
                continue
            if tp + "title" in post:
                task["title"] = post.get(tp + "title", "").strip()
                if not task["title"]:
                    errors.append(f"{where} {_('重点任务')}：" + _("不能为空"))
            if tp + "lead" in post:
                lead = _split_names(post.get(tp + "lead", ""))
                if lead != task.get("lead"):
                    task["lead_inferred"] = False
                task["lead"] = lead
                if not lead:
                    errors.append(f"{where} {_('牵头单位')}：" + _("不能为空"))
            if tp + "support" in post:
                task["support"] = [
                    n for n in _split_names(post.get(tp + "support", "")) if n not in task.get("lead", [])
                ]
            task["indicators"] = edit_indicators(task.get("indicators") or [], tp, where)
            tasks.append(task)
        action["tasks"] = tasks
    edited["actions"] = [a for a in edited.get("actions") or [] if a.get("tasks")]
    if not edited["actions"]:
        errors.append(_("方案没有任何任务，无法导入。"))
    for index, action in enumerate(edited["actions"], start=1):
        action["seq"] = index
        for t_seq, task in enumerate(action["tasks"], start=1):
            task["seq"] = t_seq
    return edited, errors


@transaction.atomic
def plan_import_update(*, plan_import: PlanImport, post, by) -> list[str]:
    """Save the office's corrections, or nothing at all if any is invalid."""
    _require_open(plan_import)
    edited, errors = parsed_apply_edits(plan_import.parsed, post)
    if errors:
        return errors
    plan_import.parsed = edited
    plan_import.full_clean()
    plan_import.save(update_fields=["parsed"])
    audit_log(actor=by, action="plan_import.edit", target=plan_import, plan=plan_import.replaces)
    return []


def _require_open(plan_import):
    if plan_import.state != PlanImport.State.PARSED:
        raise ValidationError(
            _("该导入已是“%(state)s”状态，不能再修改。") % {"state": plan_import.get_state_display()}
        )


@transaction.atomic
def plan_import_commit(*, plan_import: PlanImport, by, region=None, aliases: dict | None = None) -> Plan:
    """Turn the checked breakdown into a plan (or revise the plan it replaces) in one
    transaction. `aliases` maps a name the document uses to an agency of the region
    the office confirmed it means; the name is recorded as that agency's alias."""
    plan_import = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    _require_open(plan_import)
    region = plan_import.region or region
    if region is None:
        raise ValidationError(_("请先选择方案所属地区。"))
    if plan_import.replaces is None and not import_regions_for(by).filter(pk=region.pk).exists():
        raise PermissionDenied
    for name, agency in (aliases or {}).items():
        if agency.region_id != region.pk:
            raise ValidationError(_("单位“%(name)s”不属于该地区。") % {"name": agency.name})
        agency_add_alias(agency=agency, alias=name, by=by)
    from .duplicates import duplicate_message, import_duplicates, import_sha256, plan_source_record

    duplicates = import_duplicates(plan_import)
    if duplicates:
        raise ValidationError(duplicate_message(duplicates) + _("请作为其修订版导入，或放弃本次导入。"))
    source_text = source_text_of(plan_import)
    parsed = plan_import.parsed
    if plan_import.replaces is not None:
        plan = plan_import.replaces
        counts = plan_revise_from_parsed(
            plan=plan,
            parsed=parsed,
            by=by,
            source_text=source_text or None,
            source_name=plan_import.original_name,
        )
    else:
        plan = plan_create_from_parsed(
            parsed=parsed,
            region=region,
            by=by,
            source_text=source_text,
            source_name=plan_import.original_name,
        )
        counts = {"tasks_added": sum(1 for _ in iter_tasks(parsed))}
        if not Viewer.of(by).is_admin and not _sees_region(by, region):
            role_grant(user=by, kind="office", plan=plan, by=by)
    plan_source_record(plan=plan, sha256=import_sha256(plan_import))
    plan_import.region = region
    plan_import.plan = plan
    plan_import.state = PlanImport.State.COMMITTED
    plan_import.committed_at = timezone.now()
    plan_import.save(update_fields=["region", "plan", "state", "committed_at"])
    audit_log(actor=by, action="plan_import.commit", target=plan_import, plan=plan, changes=counts)
    return plan


def _sees_region(user, region) -> bool:
    viewer = Viewer.of(user)
    chain, node = [], region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return any(r in viewer.office_region_ids for r in chain)


@transaction.atomic
def plan_import_discard(*, plan_import: PlanImport, by) -> PlanImport:
    if plan_import.state == PlanImport.State.COMMITTED:
        raise ValidationError(_("已导入的方案不能放弃。"))
    plan_import.state = PlanImport.State.DISCARDED
    plan_import.save(update_fields=["state"])
    audit_log(actor=by, action="plan_import.discard", target=plan_import, plan=plan_import.replaces)
    return plan_import


@transaction.atomic
def plan_import_set_region(*, plan_import: PlanImport, region, by) -> PlanImport:
    _require_open(plan_import)
    if not import_regions_for(by).filter(pk=region.pk).exists():
        raise PermissionDenied
    plan_import.region = region
    plan_import.save(update_fields=["region"])
    audit_log(
        actor=by, action="plan_import.region", target=plan_import, changes={"region": [None, region.name]}
    )
    return plan_import


# --- the command line and the benchmark --------------------------------------------------
def parse_file(path) -> tuple[dict, str]:
    """(parsed, text) of a file on disk, as the web import would parse it."""
    path = Path(path)
    return document_parse(data=path.read_bytes(), filename=path.name)


CN_NUMERALS = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    return ("" if n < 20 else CN_NUMERALS[n // 10 - 1]) + "十" + (CN_NUMERALS[n % 10 - 1] if n % 10 else "")


def synthetic_plan(kb: int = 70) -> str:
    """A plan document of about `kb` KB (UTF-8) for benchmarks: real action and task
    paragraphs of fixtures/docs, renumbered into one long plan."""
    import re

    from .parsing import parse_document

    docs = sorted((Path(settings.BASE_DIR) / "fixtures" / "docs").glob("*.txt"))
    tasks = []
    for doc in docs:
        parsed = parse_document(doc.read_bytes(), doc.name)
        for action in parsed["actions"]:
            for task in action["tasks"]:
                if task.get("text") and task.get("label"):
                    body = re.sub(r"^\s*[（(]?\d+[)）.．、]\s*", "", task["text"].strip())
                    tasks.append((action["title"], body))
    head = (
        "某县碳达峰实施方案\n\n一、主要目标\n到2025年，全县非化石能源消费比重达到22%以上。\n\n二、重点任务\n"
    )
    parts, size, a_no, index = [head], len(head.encode()), 0, 0
    while size < kb * 1024:
        a_no += 1
        block = [f"（{_cn(a_no)}）{tasks[index % len(tasks)][0]}"]
        for t_no in range(1, 7):
            block.append(f"{t_no}．{tasks[index % len(tasks)][1]}")
            index += 1
        text = "\n".join(block) + "\n"
        parts.append(text)
        size += len(text.encode())
    parts.append("三、保障措施\n加强组织领导。\n")
    return "".join(parts)


def benchmark_import(path, repeat: int = 5, stdout=None) -> float:
    """Median milliseconds to decode and parse `path` (no database), printed."""
    from .parsing import parse_document

    data = Path(path).read_bytes()
    parse_document(data, Path(path).name)  # warm the regex caches
    times = []
    for _i in range(max(1, repeat)):
        started = time.perf_counter()
        parse_document(data, Path(path).name)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    median = times[len(times) // 2]
    line = f"{Path(path).name}: {len(data) / 1024:.1f} KB, median {median:.1f} ms over {len(times)} runs"
    if stdout is not None:
        stdout.write(line)
    else:
        print(line)
    return median
