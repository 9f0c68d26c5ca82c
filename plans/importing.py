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
        from .breakdown_excel import breakdown_read, is_breakdown_workbook

        if is_breakdown_workbook(data):
            return breakdown_read(data, filename=filename), ""
        return _sheet_parse(data, filename)
    if suffix and suffix not in DOCUMENT_SUFFIXES:
        raise PlanParseError(
            _(
                "不支持的文件类型“%(suffix)s”：请上传方案文件（.txt、.docx、.pdf、网页 .html、.doc 或 .wps）或任务分解表 .xlsx。"
            )
            % {"suffix": suffix}
        )
    text = decode_document(data, filename)
    parsed = parse_plan_text(text, source_name=filename)
    parsed.setdefault("source", filename)
    return parsed, text


def _sheet_parse(data: bytes, filename: str) -> tuple[dict, str]:
    """An office's own sheet (not this system's 任务分解表): its task table through the
    parser, columns known by their header words. A sheet without one is refused with
    one message saying what the header should hold."""
    from .parsing import PlanParseError, parse_plan_text
    from .parsing.sheet import xlsx_text

    text, others = xlsx_text(data)
    try:
        parsed = parse_plan_text(text, source_name=filename)
    except PlanParseError:
        raise PlanParseError(
            _(
                "未能在该 Excel 文件中找到任务分工表：表头一行应写明各列的内容，如“序号、重点任务（或工作任务）、"
                "主要内容（或具体措施）、牵头单位、配合单位（或责任单位）、完成时限”，每项重点行动占一行。"
            )
        )
    parsed.setdefault("source", filename)
    for action in parsed.get("actions") or []:
        for task in action.get("tasks") or []:
            if task.get("source", {}).get("line"):
                # One text line per sheet row: the row Excel shows is the line.
                task["source"]["row"] = task["source"]["line"]
    for name in others:
        parsed.setdefault("warnings", []).append(
            {
                "code": "sheet_unread",
                "message": _("工作表“%(name)s”不是任务分工表，未导入其内容，请核对。") % {"name": name},
                "action": None,
                "task": None,
                "line": None,
                "text": None,
            }
        )
    return parsed, text


def source_text_of(plan_import: PlanImport) -> str:
    """The decoded text the spans of the import point into."""
    if not plan_import.file:
        return ""
    from .parsing import PlanParseError, decode_document

    try:
        with plan_import.file.open("rb") as fh:
            data = fh.read()
        if suffix_of(plan_import.original_name) in WORKBOOK_SUFFIXES:
            from .breakdown_excel import is_breakdown_workbook
            from .parsing.sheet import xlsx_text

            return "" if is_breakdown_workbook(data) else xlsx_text(data)[0]
        return decode_document(data, plan_import.original_name)
    except (OSError, PlanParseError):
        return ""


# --- the command line and the benchmark --------------------------------------------------
def parse_file(path) -> tuple[dict, str]:
    """(parsed, text) of a file on disk, as the web import would parse it."""
    path = Path(path)
    return document_parse(data=path.read_bytes(), filename=path.name)
