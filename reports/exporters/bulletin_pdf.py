from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from carbonplan.downloads import PDF_MIME

from .. import charts
from .base import Exporter

# WeasyPrint logs every layout step at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def bulletin_charts(context: dict) -> dict:
    o = context["overview"]
    return {
        "actions": charts.completion_bars(
            [(f"{a['label']}{a['title']}", a["completion"]) for a in context["actions"]], width=640
        ),
        "lights": charts.lights_donut(o["red"], o["yellow"], o["green"], size=260),
    }


class BulletinPdf(Exporter):
    """A4 PDF in the layout of an official notice: bold title, serif body, page
    numbers “— n —”, charts as inline SVG. WeasyPrint embeds the CJK fonts it uses."""

    extension = "pdf"
    mimetype = PDF_MIME

    def render(self, context: dict) -> bytes:
        from weasyprint import HTML

        # The SVG comes from our own chart code (labels escaped by pygal), never from users.
        svgs = {name: mark_safe(svg) for name, svg in bulletin_charts(context).items()}
        html = render_to_string(
            "reports/bulletin_pdf.html",
            {**context, "charts": svgs, "font_family": settings.PDF_FONT_FAMILY},
        )
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
