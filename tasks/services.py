"""Writes for tasks, reporting periods and progress reports."""

import datetime as dt
import hashlib
import uuid
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields
from carbonplan.downloads import DOCX_MIME, XLSX_MIME

from .models import (
    Evidence,
    PeriodReopening,
    ProgressReport,
    ProgressReportVersion,
    ReportingPeriod,
    TaskAssignment,
)

# The office collects a quarter's progress in the days after it ends.
DEADLINE_DAYS_AFTER_QUARTER = 10
ENTRY_WINDOW_DAYS_BEFORE_END = 15


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    next_start = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def parse_period_label(label: str) -> tuple[int, int]:
    """'2026Q1' → (2026, 1); ValueError for anything else."""
    label = (label or "").strip().upper()
    if len(label) != 6 or label[4] != "Q" or not label[:4].isdigit() or label[5] not in "1234":
        raise ValueError(f"季度应写作 YYYYQn，如 2026Q1：{label!r}")
    return int(label[:4]), int(label[5])


def period_build(*, plan, year: int, quarter: int) -> ReportingPeriod:
    """An unsaved quarter with the default entry window and deadline."""
    starts_on, ends_on = quarter_bounds(year, quarter)
    return ReportingPeriod(
        plan=plan,
        year=year,
        quarter=quarter,
        label=f"{year}Q{quarter}",
        starts_on=starts_on,
        ends_on=ends_on,
        opens_on=ends_on - dt.timedelta(days=ENTRY_WINDOW_DAYS_BEFORE_END),
        deadline=ends_on + dt.timedelta(days=DEADLINE_DAYS_AFTER_QUARTER),
    )


@transaction.atomic
def period_get_or_create(*, plan, year: int, quarter: int, by=None) -> ReportingPeriod:
    period = ReportingPeriod.objects.filter(plan=plan, year=year, quarter=quarter).first()
    if period is not None:
        return period
    period = period_build(plan=plan, year=year, quarter=quarter)
    period.full_clean()
    period.save()
    audit_log(actor=by, action="period.create", target=period, plan=plan)
    return period


def periods_ensure(*, plan, first: str, last: str, by=None) -> list[ReportingPeriod]:
    """Every quarter from `first` to `last` (labels), created where missing."""
    year, quarter = parse_period_label(first)
    end = parse_period_label(last)
    periods = []
    while (year, quarter) <= end:
        periods.append(period_get_or_create(plan=plan, year=year, quarter=quarter, by=by))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return periods


# --- periods: deadline, entry window, closing, reopening -------------------------------


def today_local() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def period_set_dates(*, period: ReportingPeriod, deadline: dt.date, opens_on: dt.date | None = None, by=None):
    before = {"deadline": period.deadline, "opens_on": period.opens_on}
    period.deadline = deadline
    if opens_on is not None:
        period.opens_on = opens_on
    period.full_clean()
    period.save(update_fields=["deadline", "opens_on"])
    after = {"deadline": period.deadline, "opens_on": period.opens_on}
    audit_log(
        actor=by, action="period.dates", target=period, changes=diff_fields(before, after), plan=period.plan
    )
    return period


@transaction.atomic
def period_close(*, period: ReportingPeriod, by=None):
    if not period.is_closed:
        period.is_closed = True
        period.save(update_fields=["is_closed"])
        audit_log(actor=by, action="period.close", target=period, plan=period.plan)
    return period


@transaction.atomic
def period_open(*, period: ReportingPeriod, by=None):
    if period.is_closed:
        period.is_closed = False
        period.save(update_fields=["is_closed"])
        audit_log(actor=by, action="period.open", target=period, plan=period.plan)
    return period


@transaction.atomic
def period_reopen_for_agency(*, period: ReportingPeriod, agency, until: dt.date, reason: str = "", by=None):
    """Lets one agency write (and submit on time) until `until`, even in a closed quarter."""
    if until < today_local():
        raise ValidationError({"until": _("补报截止日期不能早于今天。")})
    reopening = PeriodReopening.objects.filter(period=period, agency=agency).first() or PeriodReopening(
        period=period, agency=agency, created_by=by if getattr(by, "is_authenticated", False) else None
    )
    reopening.until = until
    reopening.reason = reason
    reopening.full_clean()
    reopening.save()
    audit_log(
        actor=by,
        action="period.reopen_agency",
        target=period,
        changes={"agency": agency.name, "until": str(until), "reason": reason},
        plan=period.plan,
    )
    return reopening


def _active_reopening(period, agency_id, day):
    for reopening in period.reopenings.all():
        if reopening.agency_id == agency_id and reopening.until >= day:
            return reopening
    return None


def period_check_writable(*, period: ReportingPeriod, agency_id, day: dt.date | None = None):
    """ValidationError unless the agency may still write in this quarter today."""
    day = day or today_local()
    if period.is_closed and _active_reopening(period, agency_id, day) is None:
        raise ValidationError(
            _("%(label)s 填报已关闭，不能再修改。如需补报，请联系专班办公室开放补报。")
            % {"label": period.label}
        )


def period_is_late(*, period: ReportingPeriod, agency_id, day: dt.date | None = None) -> bool:
    day = day or today_local()
    if day <= period.deadline:
        return False
    return _active_reopening(period, agency_id, day) is None


# --- progress reports -----------------------------------------------------------------

REPORT_FIELDS = ("status", "percent", "progress_text", "problems", "next_steps")
EDITABLE_STATES = (ProgressReport.State.DRAFT, ProgressReport.State.RETURNED)


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
    }


def _assignment_of(task, agency):
    return TaskAssignment.objects.filter(task=task, agency=agency).first()


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


@transaction.atomic
def report_get_or_create(*, task, agency, period, by=None) -> ProgressReport:
    """The agency's report on a task for a quarter, created as an empty draft if missing."""
    if period.plan_id != task.action.plan_id:
        raise ValidationError({"period": _("该季度不属于此任务所在的方案。")})
    if _assignment_of(task, agency) is None:
        raise ValidationError({"task": _("本单位不是此任务的牵头或配合单位。")})
    report = ProgressReport.objects.filter(task=task, agency=agency, period=period).first()
    if report is not None:
        return report
    period_check_writable(period=period, agency_id=agency.pk)
    report = ProgressReport(
        task=task,
        agency=agency,
        period=period,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Two first saves raced (two tabs): the other one created it.
        return ProgressReport.objects.get(task=task, agency=agency, period=period)
    audit_log(actor=by, action="report.create", target=report, plan=period.plan)
    return report


def _locked(report) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update().select_related("period", "task__action").get(pk=report.pk)
    )


@transaction.atomic
def report_save_draft(
    *, report: ProgressReport, data: dict, by, base_version: int | None, indicator_values=None
):
    """Save the fields in `data` (a subset of REPORT_FIELDS) on a draft or returned report.

    base_version is the version the user's form was built from; a save based on an
    older version raises ReportConflict carrying the current report. Returns
    (report, warnings) where warnings are non-blocking notes on indicator values.
    """
    from indicators.services import indicator_values_save

    current = _locked(report)
    if current.state not in EDITABLE_STATES:
        raise ValidationError(
            _("该填报%(state)s，不能再修改。") % {"state": current.get_state_display()}, code="locked"
        )
    if base_version is not None:
        try:
            base_version = int(base_version)
        except (TypeError, ValueError):
            raise ValidationError({"version": _("版本号应为整数。")})
        if base_version != current.version:
            raise ReportConflict(current)
    period_check_writable(period=current.period, agency_id=current.agency_id)
    before = report_snapshot(current)
    unknown = set(data) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    for name, value in data.items():
        if name == "percent":
            value = _clean_percent(value)
        elif value is None:
            value = ""
        elif isinstance(value, str):
            value = value.replace("\r\n", "\n")
        setattr(current, name, value)
    current.full_clean()
    after = report_snapshot(current)
    changed = [name for name in REPORT_FIELDS if before[name] != after[name]]
    warnings, value_changes = [], {}
    if indicator_values is not None:
        value_changes, warnings = indicator_values_save(report=current, values=indicator_values, by=by)
    if not changed and not value_changes:
        return current, warnings
    current.version += 1
    current.save()
    changes = diff_fields({k: before[k] for k in changed}, {k: after[k] for k in changed})
    changes.update({f"indicator:{k}": v for k, v in value_changes.items()})
    _record(
        current,
        event=ProgressReportVersion.Event.SAVED,
        by=by,
        changed_fields=changed + [f"indicator:{k}" for k in value_changes],
        extra={"indicators": _indicator_snapshot(current)} if value_changes else None,
    )
    audit_log(actor=by, action="report.save", target=current, changes=changes, plan=current.period.plan)
    report.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current, warnings


def _indicator_snapshot(report):
    return {str(v.indicator_id): format(v.value.normalize(), "f") for v in report.indicator_values.all()}


def report_missing_fields(report) -> list[str]:
    missing = []
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
    current = _locked(report)
    if current.state in (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED):
        return current
    period_check_writable(period=current.period, agency_id=current.agency_id)
    if today_local() < current.period.opens_on:
        raise ValidationError(
            _("%(label)s 的填报从 %(day)s 开始，目前还不能提交。")
            % {"label": current.period.label, "day": current.period.opens_on.isoformat()}
        )
    missing = report_missing_fields(current)
    if missing:
        raise ValidationError(
            _("提交前请填写：%(fields)s。") % {"fields": "、".join(missing)}, code="required"
        )
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
        changes={"state": ["draft", "submitted"], "is_late": current.is_late},
        plan=current.period.plan,
    )
    from agencies.notifications import notify_report_submitted
    from reports.services import rollup_request

    notify_report_submitted(report=current)
    # Timeliness and the lights change on submission, not only on review.
    rollup_request(plan_id=current.period.plan_id, period_id=current.period_id)
    return current


def _review(report, *, by, state, event, comment, action):
    current = _locked(report)
    if current.state != ProgressReport.State.SUBMITTED:
        if current.state == state:
            return current, False
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
    audit_log(
        actor=by,
        action=action,
        target=current,
        changes={"state": ["submitted", state], "comment": comment},
        plan=current.period.plan,
    )
    from reports.services import rollup_request

    rollup_request(plan_id=current.period.plan_id, period_id=current.period_id)
    return current, True


@transaction.atomic
def report_approve(*, report: ProgressReport, by, comment: str = "") -> ProgressReport:
    current, changed = _review(
        report,
        by=by,
        state=ProgressReport.State.APPROVED,
        event=ProgressReportVersion.Event.APPROVED,
        comment=(comment or "").strip(),
        action="report.approve",
    )
    if changed:
        from agencies.notifications import notify_report_reviewed

        notify_report_reviewed(report=current)
    return current


@transaction.atomic
def report_return(*, report: ProgressReport, by, comment: str) -> ProgressReport:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("退回时请填写退回意见。")})
    current, changed = _review(
        report,
        by=by,
        state=ProgressReport.State.RETURNED,
        event=ProgressReportVersion.Event.RETURNED,
        comment=comment,
        action="report.return",
    )
    if changed:
        from agencies.notifications import notify_report_reviewed

        notify_report_reviewed(report=current)
    return current


# --- evidence -------------------------------------------------------------------------

EVIDENCE_TYPES = {
    "pdf": ("application/pdf", {"pdf"}),
    "jpg": ("image/jpeg", {"jpg"}),
    "jpeg": ("image/jpeg", {"jpg"}),
    "png": ("image/png", {"png"}),
    "docx": (DOCX_MIME, {"docx", "zip"}),
    "xlsx": (XLSX_MIME, {"xlsx", "zip"}),
}
_OOXML_MARKER = {"docx": "word/", "xlsx": "xl/"}


def _sniff(upload, ext) -> bool:
    """True when the bytes really are the kind the extension claims."""
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    upload.seek(0)
    if kind is None or kind.extension not in EVIDENCE_TYPES[ext][1]:
        return False
    if ext in _OOXML_MARKER:
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
        return any(name.startswith(_OOXML_MARKER[ext]) for name in names)
    return True


@transaction.atomic
def evidence_add(*, report: ProgressReport, upload, by) -> Evidence:
    current = _locked(report)
    if current.state not in EDITABLE_STATES:
        raise ValidationError(
            _("该填报%(state)s，不能再添加佐证材料。") % {"state": current.get_state_display()}
        )
    period_check_writable(period=current.period, agency_id=current.agency_id)
    name = Path(upload.name or "").name[:200]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            _("“%(name)s”的类型不允许。佐证材料只接受 PDF、JPG、PNG、DOCX、XLSX 文件。") % {"name": name}
        )
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s”有 %(size)s，超过了 %(limit)s 的上限。")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if upload.size == 0 or not _sniff(upload, ext):
        raise ValidationError(
            _("“%(name)s”的内容与扩展名不符（不是真正的 %(ext)s 文件），已拒收。")
            % {"name": name, "ext": ext.upper()}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        report=current,
        original_name=name,
        content_type=EVIDENCE_TYPES[ext][0],
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evidence.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    # The file is on disk now: if the row cannot be written it must not stay orphaned.
    stored = evidence.file.name
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    audit_log(
        actor=by,
        action="report.evidence_add",
        target=current,
        changes={"evidence": [None, name], "size": upload.size},
        plan=current.period.plan,
    )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by):
    current = _locked(evidence.report)
    if current.state not in EDITABLE_STATES:
        raise ValidationError(
            _("该填报%(state)s，不能再删除佐证材料。") % {"state": current.get_state_display()}
        )
    period_check_writable(period=current.period, agency_id=current.agency_id)
    name, stored = evidence.original_name, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: evidence.file.storage.delete(stored))
    audit_log(
        actor=by,
        action="report.evidence_remove",
        target=current,
        changes={"evidence": [name, None]},
        plan=current.period.plan,
    )
