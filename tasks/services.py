"""Writes for progress reports (the quarters' own writes are in tasks.periods)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import INDICATOR_PREFIX, PROJECT_PREFIX, audit_log, diff_fields
from agencies.notifications import notify_report_reviewed, notify_report_submitted, notify_report_withdrawn

from .consolidation import (
    CONSOLIDATED_INPUTS,
    HANDED_IN,
    clean_consolidated_inputs,
    clean_input_fields,
    consolidated_input_ids,
    report_is_input,
)
from .models import ProgressReport, ProgressReportVersion, TaskAssignment
from .periods import period_check_writable, period_is_late, today_local
from .projects import project_updates_approve, project_updates_of, project_updates_save

# --- progress reports -----------------------------------------------------------------

REPORT_FIELDS = ("status", "percent", "progress_text", "problems", "next_steps")
EDITABLE_STATES = (ProgressReport.State.DRAFT, ProgressReport.State.RETURNED)
REVIEW_COMMENT_MAX_LENGTH = 2000


class ReportConflict(ValidationError):
    """A save based on an older version: someone else saved in between."""

    def __init__(self, report):
        self.report = report
        super().__init__(
            _(
                "此填报已被他人（或另一个窗口）于 %(at)s 保存为第 %(version)s 版，您的修改未保存。请对照当前内容合并后再保存。"
            )
            % {"at": timezone.localtime(report.updated_at).strftime("%H:%M"), "version": report.version},
            code="conflict",
        )


def report_snapshot(report: ProgressReport) -> dict:
    return {
        "status": report.status,
        "percent": None if report.percent is None else format(report.percent.normalize(), "f"),
        "progress_text": report.progress_text,
        "problems": report.problems,
        "next_steps": report.next_steps,
        CONSOLIDATED_INPUTS: consolidated_input_ids(report),
    }


def _assignment_of(task, agency):
    return TaskAssignment.objects.filter(task=task, agency=agency).order_by("role").first()


def _next_version_number(report) -> int:
    last = report.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _record(report, *, event, by, changed_fields=(), comment="", extra=None):
    snapshot = report_snapshot(report)
    if extra:
        snapshot.update(extra)
    ProgressReportVersion.objects.create(
        report=report,
        number=_next_version_number(report),
        event=event,
        state=report.state,
        snapshot=snapshot,
        changed_fields=list(changed_fields),
        comment=comment,
        by=by if getattr(by, "is_authenticated", False) else None,
    )


def _clean_percent(value):
    if value in (None, ""):
        return None
    try:
        percent = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": _("完成进度应为0–100的数字。")})
    if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError({"percent": _("完成进度应为0–100的数字。")})
    return percent.quantize(Decimal("0.01"))


class ReportExists(ValidationError):
    """A creation of a report the agency already has on the task in the quarter."""

    def __init__(self, report):
        self.report = report
        super().__init__(_("该单位本季度已有此任务的填报，请在原填报上修改。"), code="exists")


def _report_open(*, task, agency, period, by) -> tuple[ProgressReport, bool]:
    """(report, created): the agency's report on a task for a quarter, created as an
    empty draft if missing. The database decides which of two simultaneous first
    saves creates it; the other gets the report the first one made."""
    if period.plan_id != task.action.plan_id:
        raise ValidationError({"period": _("该季度不属于此任务所在的方案。")})
    if _assignment_of(task, agency) is None:
        raise ValidationError({"task": _("本单位不是此任务的牵头或配合单位。")})
    report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    if report is not None:
        return report, False
    period_check_writable(period=period, agency_id=agency.pk)
    report = ProgressReport(
        task=task,
        agency=agency,
        period=period,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    # Uniqueness is left to the unique constraint: a check here could pass in two
    # transactions at once.
    report.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        return ProgressReport.objects.get(task=task, agency=agency, period=period), False
    audit_log(actor=by, action="report.create", target=report, plan=period.plan)
    return report, True


@transaction.atomic
def report_get_or_create(*, task, agency, period, by=None) -> ProgressReport:
    """The agency's report on a task for a quarter, created as an empty draft if missing."""
    return _report_open(task=task, agency=agency, period=period, by=by)[0]


def report_for_update(report) -> ProgressReport:
    """The report as the database holds it now, locked until the transaction ends."""
    return (
        ProgressReport.objects.select_for_update().select_related("period", "task__action").get(pk=report.pk)
    )


def _check_base_version(current, base_version):
    """ReportConflict unless the writer's copy was built from the current version. 0
    stands for "no report yet", which an empty draft (version 1, never saved) still is."""
    if base_version is None:
        return
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError({"version": _("版本号应为整数。")})
    if max(base_version, 1) != current.version:
        raise ReportConflict(current)


@transaction.atomic
def report_save_draft(
    *,
    data: dict,
    by,
    report: ProgressReport | None = None,
    task=None,
    agency=None,
    period=None,
    base_version: int | None = None,
    indicator_values=None,
    project_updates=None,
    create_only: bool = False,
):
    """Save the fields in `data` (a subset of REPORT_FIELDS) on a draft or returned report:
    the one write of a report's fields, for the form, autosave, the API and the workbook.

    Name the report, or its task, agency and period: a missing report is created in the
    same transaction, so a refused first save leaves none behind. With create_only, an
    existing report raises ReportExists instead of being changed. base_version is the
    version the writer's copy was built from; a save based on another version raises
    ReportConflict carrying the current report. Returns (report, warnings) where
    warnings are non-blocking notes on indicator values.
    """
    from indicators.services import indicator_values_save

    if report is None:
        report, created = _report_open(task=task, agency=agency, period=period, by=by)
        if create_only and not created:
            raise ReportExists(report)
    current = report_for_update(report)
    if current.state not in EDITABLE_STATES:
        raise ValidationError(
            _("该填报%(state)s，不能再修改。") % {"state": current.get_state_display()}, code="locked"
        )
    _check_base_version(current, base_version)
    period_check_writable(period=current.period, agency_id=current.agency_id)
    before = report_snapshot(current)
    data = dict(data)
    inputs = data.pop(CONSOLIDATED_INPUTS, None)
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    clean_input_fields(current, data)
    if inputs is not None:
        inputs = clean_consolidated_inputs(current, inputs)
    for name, value in data.items():
        if name == "percent":
            value = _clean_percent(value)
        elif value is None:
            value = ""
        elif isinstance(value, str):
            value = value.replace("\r\n", "\n")
        setattr(current, name, value)
    current.full_clean()
    if inputs is not None and [r.pk for r in inputs] != before[CONSOLIDATED_INPUTS]:
        current.consolidated_inputs.set(inputs)
        # The prefetch cache (if any) no longer tells the truth.
        getattr(current, "_prefetched_objects_cache", {}).pop(CONSOLIDATED_INPUTS, None)
    after = report_snapshot(current)
    changed = [name for name in (*REPORT_FIELDS, CONSOLIDATED_INPUTS) if before[name] != after[name]]
    warnings, value_changes, project_changes = [], {}, {}
    if indicator_values is not None:
        value_changes, warnings = indicator_values_save(report=current, values=indicator_values, by=by)
    if project_updates is not None:
        project_changes = project_updates_save(report=current, updates=project_updates, by=by)
    if not changed and not value_changes and not project_changes:
        return current, warnings
    current.version += 1
    # Only what changed: a save of the wording alone moves no stored figure.
    current.save(update_fields=[*(n for n in changed if n in REPORT_FIELDS), "version", "updated_at"])
    changes = diff_fields({k: before[k] for k in changed}, {k: after[k] for k in changed})
    changes.update({f"{INDICATOR_PREFIX}{k}": v for k, v in value_changes.items()})
    changes.update({f"{PROJECT_PREFIX}{k}": v for k, v in project_changes.items()})
    extra = {"indicators": _indicator_snapshot(current)} if value_changes else {}
    if project_changes:
        extra["projects"] = project_updates_of(current)
    _record(
        current,
        event=ProgressReportVersion.Event.SAVED,
        by=by,
        changed_fields=changed
        + [f"{INDICATOR_PREFIX}{k}" for k in value_changes]
        + [f"{PROJECT_PREFIX}{k}" for k in project_changes],
        extra=extra or None,
    )
    audit_log(actor=by, action="report.save", target=current, changes=changes, plan=current.period.plan)
    report.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current, warnings


def _indicator_snapshot(report):
    return {str(v.indicator_id): format(v.value.normalize(), "f") for v in report.indicator_values.all()}


def report_missing_fields(report, *, is_input: bool = False) -> list[str]:
    """The fields a submission needs; an input to the lead needs only its progress."""
    missing = []
    if is_input:
        if not report.progress_text.strip():
            missing.append(str(ProgressReport._meta.get_field("progress_text").verbose_name))
        return missing
    if not report.status:
        missing.append(str(ProgressReport._meta.get_field("status").verbose_name))
    if report.percent is None:
        missing.append(str(ProgressReport._meta.get_field("percent").verbose_name))
    if not report.progress_text.strip():
        missing.append(str(ProgressReport._meta.get_field("progress_text").verbose_name))
    return missing


@transaction.atomic
def report_submit(*, report: ProgressReport, by) -> ProgressReport:
    """Submit for review. Submitting an already submitted (or approved) report is a no-op
    returning it unchanged, so a double click makes one submission."""
    current = report_for_update(report)
    if current.state in HANDED_IN:
        return current
    period_check_writable(period=current.period, agency_id=current.agency_id)
    if today_local() < current.period.opens_on:
        raise ValidationError(
            _("%(label)s 的填报从 %(day)s 开始，目前还不能提交。")
            % {"label": current.period.display_name, "day": current.period.opens_on.isoformat()}
        )
    is_input = report_is_input(current)
    missing = report_missing_fields(current, is_input=is_input)
    if missing:
        raise ValidationError(
            _("提交前请填写：%(fields)s。") % {"fields": "、".join(missing)}, code="required"
        )
    previous_state = current.state
    current.state = ProgressReport.State.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = by if getattr(by, "is_authenticated", False) else None
    current.is_late = period_is_late(period=current.period, agency_id=current.agency_id)
    current.version += 1
    current.full_clean()
    current.save()
    _record(current, event=ProgressReportVersion.Event.SUBMITTED, by=by, changed_fields=["state"])
    audit_log(
        actor=by,
        action="report.submit",
        target=current,
        changes={"state": [previous_state, current.state], "is_late": current.is_late},
        plan=current.period.plan,
    )
    if not is_input:
        _consolidate_inputs(current, by=by)
    notify_report_submitted(report=current, is_input=is_input)
    return current


def _consolidate_inputs(report, *, by):
    """The inputs a lead's submitted report gathers are done with: 已汇总 (approved by the
    lead's submitter), each with its version and audit entry."""
    inputs = list(
        report.consolidated_inputs.select_for_update()
        .filter(state=ProgressReport.State.SUBMITTED)
        .select_related("period", "task__action")
        .order_by("pk")
    )
    comment = _("已由牵头单位%(agency)s汇总。") % {"agency": report.agency.name}
    now = timezone.now()
    for item in inputs:
        item.state = ProgressReport.State.APPROVED
        item.reviewed_at = now
        item.reviewed_by = by if getattr(by, "is_authenticated", False) else None
        item.review_comment = ""
        item.version += 1
        item.save()
        _record(
            item, event=ProgressReportVersion.Event.APPROVED, by=by, changed_fields=["state"], comment=comment
        )
        # A project quarter of a supporting owner is accepted with the input that holds it.
        project_updates_approve(report=item)
        audit_log(
            actor=by,
            action="report.consolidate",
            target=item,
            changes={"state": ["submitted", item.state], "consolidated_in": report.pk},
            plan=report.period.plan,
        )
    return inputs


def _leave_lead_drafts(report):
    """An input taken back (withdrawn, or returned by the lead) is no longer gathered by
    a lead report still being written: the lead picks it again once it is resubmitted."""
    editable = report.consolidated_in.filter(state__in=EDITABLE_STATES)
    report.consolidated_in.remove(*editable)


def _review_comment(comment) -> str:
    comment = (comment or "").strip()
    if len(comment) > REVIEW_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("审核意见不能超过 %(n)d 字。") % {"n": REVIEW_COMMENT_MAX_LENGTH}}
        )
    return comment


def _review(report, *, by, state, event, comment, action, as_lead=False):
    """Approve or return a submitted report; reviewing it again to the same state is a
    no-op returning it unchanged. A supporter's input to its lead is refused to the
    office (the lead consolidates it), and it is the only report a lead may return."""
    current = report_for_update(report)
    is_input = report_is_input(current)
    if is_input and not as_lead:
        raise ValidationError(
            _("配合单位材料由牵头单位汇总，专班办公室不单独审核，请审核牵头单位的报告。"), code="input"
        )
    if as_lead and not is_input:
        raise ValidationError(_("牵头单位只能退回配合单位报送的材料。"), code="not_input")
    if current.state != ProgressReport.State.SUBMITTED:
        if current.state == state:
            return current
        raise ValidationError(
            _("只有已提交的填报可以审核，该填报目前为“%(state)s”。") % {"state": current.get_state_display()},
            code="state",
        )
    current.state = state
    current.reviewed_at = timezone.now()
    current.reviewed_by = by if getattr(by, "is_authenticated", False) else None
    current.review_comment = comment
    if state == ProgressReport.State.RETURNED:
        current.return_count += 1
    current.version += 1
    current.full_clean()
    current.save()
    _record(current, event=event, by=by, changed_fields=["state"], comment=comment)
    if as_lead:
        _leave_lead_drafts(current)
    audit_log(
        actor=by,
        action=action,
        target=current,
        changes={"state": ["submitted", state], "comment": comment},
        plan=current.period.plan,
    )
    notify_report_reviewed(report=current, by_lead=as_lead)
    return current


@transaction.atomic
def report_approve(*, report: ProgressReport, by, comment: str = "") -> ProgressReport:
    approved = _review(
        report,
        by=by,
        state=ProgressReport.State.APPROVED,
        event=ProgressReportVersion.Event.APPROVED,
        comment=_review_comment(comment),
        action="report.approve",
    )
    # The ledger's stage is the one the office accepted.
    project_updates_approve(report=approved)
    return approved


def _return(report, *, by, comment, action, as_lead=False):
    comment = _review_comment(comment)
    if not comment:
        raise ValidationError({"comment": _("退回时请填写退回意见。")})
    return _review(
        report,
        by=by,
        state=ProgressReport.State.RETURNED,
        event=ProgressReportVersion.Event.RETURNED,
        comment=comment,
        action=action,
        as_lead=as_lead,
    )


@transaction.atomic
def report_return(*, report: ProgressReport, by, comment: str) -> ProgressReport:
    return _return(report, by=by, comment=comment, action="report.return")


@transaction.atomic
def report_return_input(*, report: ProgressReport, by, comment: str) -> ProgressReport:
    """The lead agency sends a supporter's input back for more (退回补充) before it
    consolidates it; the comment rules are the office's. The caller checks that `by`
    works for the task's lead (carbonplan.access)."""
    return _return(report, by=by, comment=comment, action="report.return_input", as_lead=True)


@transaction.atomic
def report_withdraw(*, report: ProgressReport, by) -> ProgressReport:
    """The agency takes back a submitted report before the office acts on it: it is a
    draft again. Withdrawing a draft is a no-op returning it unchanged; a closed quarter
    refuses it, as it would refuse the submission that must follow."""
    current = report_for_update(report)
    if current.state == ProgressReport.State.DRAFT:
        return current
    if current.state != ProgressReport.State.SUBMITTED:
        raise ValidationError(
            _("只有等待审核的填报可以撤回，该填报目前为“%(state)s”。")
            % {"state": current.get_state_display()},
            code="state",
        )
    # In a closed quarter a withdrawn report could not be submitted again.
    period_check_writable(period=current.period, agency_id=current.agency_id)
    current.state = ProgressReport.State.DRAFT
    current.submitted_at = None
    current.submitted_by = None
    current.is_late = False
    current.version += 1
    current.full_clean()
    current.save()
    _record(current, event=ProgressReportVersion.Event.WITHDRAWN, by=by, changed_fields=["state"])
    _leave_lead_drafts(current)
    audit_log(
        actor=by,
        action="report.withdraw",
        target=current,
        changes={"state": ["submitted", current.state]},
        plan=current.period.plan,
    )
    notify_report_withdrawn(report=current, is_input=report_is_input(current))
    return current
