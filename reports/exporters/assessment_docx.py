"""考核结果通报 as Word, in the customary layout: title, 文号, the addressees, the opening
paragraph, the results by grade, the ranking table, the requirements, the issuer and
date, 抄送; page numbers in the footer. Text is written as text runs, so nothing users
typed becomes markup."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from carbonplan.downloads import DOCX_MIME

from .base import Exporter
from .docx_parts import BODY_FONT, HEADING_FONT, TITLE_FONT, font, official_page, table


def _points(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


class AssessmentNoticeDocx(Exporter):
    extension = "docx"
    mimetype = DOCX_MIME

    def filename(self, context):
        return f"{context['title']}.docx"

    def render(self, document: dict) -> bytes:
        doc = Document()
        official_page(doc)
        header = document["header"]
        self.centered(doc, header["doc_number"], size=16)
        title = doc.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(title.add_run(document["title"]), TITLE_FONT, 22, bold=True)
        addressee = doc.add_paragraph()
        font(addressee.add_run(header["send_to"]), BODY_FONT, 16)
        self.para(doc, document["summary"])
        for part in document["sections"]:
            heading = doc.add_paragraph()
            heading.paragraph_format.keep_with_next = True
            font(heading.add_run(part["heading"]), HEADING_FONT, 16, bold=True)
            for line in part.get("paragraphs", []):
                self.para(doc, line)
            if part.get("table"):
                self.ranking(doc, document)
        for text in (header["issuer"], header["date_text"]):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            font(p.add_run(text), BODY_FONT, 16)
        p = doc.add_paragraph()
        font(p.add_run(header["copy_to"]), BODY_FONT, 14)
        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()

    def ranking(self, doc, document):
        header = ["排名", "单位", "得分", "等次", *document["columns"]]
        rows = [
            [r["rank"] or "—", r["agency"], _points(r["score"]), r["grade_label"] or "不参加排名",
             *[_points(p) for p in r["parts"]]]
            for r in document["rows"]
        ]  # fmt: skip
        shares = [1.4, 5, 1.8, 1.8] + [1.8] * len(document["columns"])
        table(doc, header, rows, shares)

    def centered(self, doc, text, size=16):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(p.add_run(text), BODY_FONT, size)

    def para(self, doc, text):
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        font(p.add_run(text), BODY_FONT, 16)
