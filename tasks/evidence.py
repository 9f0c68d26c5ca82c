"""Evidence files (佐证材料) attached to a progress report: checked, stored, removed."""

import hashlib
import uuid
import zipfile
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from carbonplan.downloads import DOCX_MIME, XLSX_MIME

from .models import Evidence, ProgressReport
from .periods import period_check_writable
from .services import EDITABLE_STATES, report_for_update

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


def upload_check(upload) -> tuple[str, str, str]:
    """(file name, content type, SHA-256) of an evidence file whose type, size and content
    are acceptable; ValidationError saying what is wrong otherwise. The same checks for
    every evidence file the system keeps (a report's, an assessment item's)."""
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
    return name, EVIDENCE_TYPES[ext][0], digest.hexdigest()


def stored_name(original: str) -> str:
    """A random name on disk keeping the checked extension: never a path a user typed."""
    return f"{uuid.uuid4().hex}.{original.rsplit('.', 1)[-1].lower()}"


@transaction.atomic
def evidence_add(*, report: ProgressReport, upload, by) -> Evidence:
    current = report_for_update(report)
    if current.state not in EDITABLE_STATES:
        raise ValidationError(
            _("该填报%(state)s，不能再添加佐证材料。") % {"state": current.get_state_display()}
        )
    period_check_writable(period=current.period, agency_id=current.agency_id)
    name, content_type, sha256 = upload_check(upload)
    evidence = Evidence(
        report=current,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    evidence.file.save(stored_name(name), upload, save=False)
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
    current = report_for_update(evidence.report)
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
