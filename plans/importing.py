"""How an uploaded file becomes a parsed breakdown (who may import is in carbonplan.access).

The review of the parsed breakdown is in import_review, its edits in import_forms, the
steps from upload to commit in import_services.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from .models import PlanImport

DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm", ".doc", ".wps")
WORKBOOK_SUFFIXES = (".xlsx",)
UPLOAD_SUFFIXES = DOCUMENT_SUFFIXES + WORKBOOK_SUFFIXES


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
