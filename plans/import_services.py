"""The steps of a plan import: upload and parse, save the office's corrections, commit
into a plan (new, or the revision of one), discard."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from agencies.services import agency_add_alias, role_grant
from carbonplan.access import Viewer, import_regions_for

from .importing import (
    UPLOAD_SUFFIXES,
    WORKBOOK_SUFFIXES,
    document_parse,
    source_text_of,
    suffix_of,
)
from .models import Plan, PlanImport, Region
from .parsing.schema import ParsedPlan
from .services import plan_create_from_parsed, plan_revise_from_parsed


def _region_for(parsed: ParsedPlan, region, allowed) -> Region | None:
    if region is not None:
        return region
    name = (parsed.plan.region or "").strip()
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
        raise ValidationError(
            _("请上传方案文件（.txt、.docx、.pdf、网页 .html、.doc 或 .wps），或 .xlsx 格式的任务分解表。")
        )
    allowed = import_regions_for(by)
    if replaces is not None:
        if not Viewer.of(by).is_office_of(replaces):
            raise PermissionDenied
        region = replaces.region
    elif region is not None and not allowed.filter(pk=region.pk).exists():
        raise PermissionDenied
    plan_import = PlanImport(original_name=filename, uploaded_by=by, replaces=replaces, region=region)
    try:
        raw, _text = document_parse(data=data, filename=filename)
    except (PlanParseError, ValidationError) as exc:
        plan_import.state = PlanImport.State.FAILED
        plan_import.error = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    else:
        parsed = ParsedPlan.from_dict(raw)
        if replaces is not None and suffix_of(filename) in WORKBOOK_SUFFIXES:
            from .breakdown_excel import with_plan_facts

            if parsed.text_length is not None:
                # An office's own sheet, read by the parser: what it does not state (a
                # 文号, a date) is not there, not cleared.
                from .parsing.schema import PlanInfo

                stated = {key: value for key, value in parsed.plan.to_dict().items() if value is not None}
                parsed.plan = PlanInfo.from_dict(stated)
            with_plan_facts(parsed, replaces)
        plan_import.region = _region_for(parsed, region, allowed)
        plan_import.parsed = parsed.to_dict()
        plan_import.warnings = [w.to_dict() for w in parsed.warnings]
    plan_import.file.save(filename, ContentFile(data), save=False)
    plan_import.full_clean()
    plan_import.save()
    changes = {"state": [None, plan_import.state], "file": [None, filename]}
    audit_log(actor=by, action="plan_import.upload", target=plan_import, plan=replaces, changes=changes)
    return plan_import


@transaction.atomic
def plan_import_update(*, plan_import: PlanImport, parsed: ParsedPlan, by) -> PlanImport:
    """Save the office's corrected breakdown (checked by import_forms.ReviewEdits)."""
    _require_open(plan_import)
    if not parsed.has_tasks:
        raise ValidationError(_("方案没有任何任务，无法导入。"))
    before, after = _by_hand(plan_import.parsed_plan), _by_hand(parsed)
    plan_import.parsed = parsed.to_dict()
    plan_import.full_clean()
    plan_import.save(update_fields=["parsed"])
    audit_log(
        actor=by,
        action="plan_import.edit",
        target=plan_import,
        plan=plan_import.replaces,
        changes={
            f"added_by_hand_{key}": [before[key], after[key]] for key in after if after[key] != before[key]
        },
    )
    return plan_import


def _by_hand(parsed: ParsedPlan) -> dict:
    """How many actions, tasks and targets of a breakdown the office added by hand."""
    return {
        "actions": sum(1 for action in parsed.actions if action.added_by_hand),
        "tasks": sum(1 for placed in parsed.iter_tasks() if placed.task.added_by_hand),
        "indicators": sum(1 for target in parsed.indicators() if target.added_by_hand),
    }


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
    parsed = plan_import.parsed_plan
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
        counts = {"tasks_added": sum(1 for _ in parsed.iter_tasks())}
        if not Viewer.of(by).is_office_of_region(region):
            role_grant(user=by, kind="office", plan=plan, by=by)
    plan_source_record(plan=plan, sha256=import_sha256(plan_import))
    from .import_upper import plan_import_link_uppers

    # The confirmed answers to upper tasks; what could not be linked is told, not dropped.
    plan.import_notes = plan_import_link_uppers(plan_import=plan_import, plan=plan, by=by)
    if plan.import_notes:
        counts = {**counts, "upper_links_refused": plan.import_notes}
    plan_import.region = region
    plan_import.plan = plan
    plan_import.state = PlanImport.State.COMMITTED
    plan_import.committed_at = timezone.now()
    plan_import.save(update_fields=["region", "plan", "state", "committed_at"])
    audit_log(actor=by, action="plan_import.commit", target=plan_import, plan=plan, changes=counts)
    return plan


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
