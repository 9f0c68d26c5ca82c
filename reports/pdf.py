"""HTML → PDF with WeasyPrint, for the briefing and the bulletin, and the warm-up a new
process runs so its first real document does not pay for loading Pango, fontconfig
and the CJK font (several seconds on a cold process)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils.html import escape

logger = logging.getLogger(__name__)

# WeasyPrint logs every layout step at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

WARM_UP_TEXT = "碳达峰预热 0123"
# How long this process's warm-up took (ms), once it has run.
warmed_in_ms: float | None = None


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def warm_up_html() -> str:
    family = escape(settings.PDF_FONT_FAMILY)
    return (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>'
        f'body {{ font-family: "{family}", sans-serif; }}</style></head>'
        f"<body><p>{WARM_UP_TEXT}</p><p><b>{WARM_UP_TEXT}</b></p></body></html>"
    )


def warm_up() -> bytes | None:
    """Render a line of Chinese, regular and bold, in the PDF font; returns the PDF (or
    None if rendering failed: a process must start even when the font is missing)."""
    global warmed_in_ms
    started = time.monotonic()
    try:
        pdf = render_pdf(warm_up_html())
    except Exception:  # noqa: BLE001 - a warm-up never stops a process from starting
        logger.exception("PDF warm-up failed")
        return None
    warmed_in_ms = (time.monotonic() - started) * 1000
    logger.info("PDF warm-up took %.0f ms", warmed_in_ms)
    return pdf
