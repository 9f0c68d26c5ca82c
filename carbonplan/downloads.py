"""Every file the system hands out: one exporter contract and one response.

An exporter is a class whose ``export(...)`` returns an :class:`Export`. The content
is either the file's bytes or an open binary file (a stored bulletin), which is then
streamed. Views return ``file_response(export)`` and build no header themselves.

This module imports no app, so every app can use it.
"""

from __future__ import annotations

from typing import BinaryIO, NamedTuple

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


class Export(NamedTuple):
    """One file: its download name, its MIME type and its content."""

    filename: str
    content_type: str
    content: bytes | BinaryIO


def file_response(export: Export, *, inline: bool = False) -> HttpResponse:
    """The download of ``export``: shown in the browser when ``inline``, saved otherwise.
    The name goes through Django's ``content_disposition_header`` (RFC 6266: a plain
    ASCII name quoted, any other name percent-encoded as ``filename*=utf-8''…``)."""
    if isinstance(export.content, bytes | bytearray):
        response = HttpResponse(export.content, content_type=export.content_type)
    else:
        response = FileResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, export.filename)
    return response
