"""Who may import plans, and how an uploaded file becomes a parsed breakdown.

The review of the parsed breakdown is in import_review, its edits in import_forms, the
steps from upload to commit in import_services.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from agencies.access import Viewer

from .models import PlanImport, Region

DOCUMENT_SUFFIXES = (".txt", ".docx")
WORKBOOK_SUFFIXES = (".xlsx",)
UPLOAD_SUFFIXES = DOCUMENT_SUFFIXES + WORKBOOK_SUFFIXES


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


# --- the command line and the benchmark --------------------------------------------------
def parse_file(path) -> tuple[dict, str]:
    """(parsed, text) of a file on disk, as the web import would parse it."""
    path = Path(path)
    return document_parse(data=path.read_bytes(), filename=path.name)
