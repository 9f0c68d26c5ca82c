from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from carbonplan.downloads import PDF_MIME

from ..bulletin_sections import bulletin_document
from ..charts import bulletin_charts
from ..pdf import render_pdf
from .base import Exporter


class BulletinPdf(Exporter):
    """A4 PDF in the layout of an official notice: bold title, serif body, page
    numbers “— n —”, charts as inline SVG; a short body, the tables in annexes. WeasyPrint embeds the CJK fonts it uses."""

    extension = "pdf"
    mimetype = PDF_MIME

    def render(self, context: dict) -> bytes:
        # The SVG comes from our own chart code (labels escaped by pygal), never from users.
        svgs = {name: mark_safe(svg) for name, svg in bulletin_charts(context).items()}
        html = render_to_string(
            "reports/bulletin_pdf.html",
            {**bulletin_document(context), "charts": svgs, "font_family": settings.PDF_FONT_FAMILY},
        )
        return render_pdf(html)
