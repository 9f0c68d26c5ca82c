"""The score table of a round in Excel: one row per agency, the components as columns,
then the breakdown of every point on a second sheet. Through the one spreadsheet writer,
so an agency's name or a reason typed by the office is text, never a formula."""

from __future__ import annotations

from carbonplan.downloads import XLSX_MIME
from carbonplan.spreadsheets import Spreadsheet

from .base import Exporter


class AssessmentXlsx(Exporter):
    extension = "xlsx"
    mimetype = XLSX_MIME

    def filename(self, context):
        return f"{context['title']}.xlsx"

    def render(self, context: dict) -> bytes:
        book = Spreadsheet()
        book.remove(book.active)
        columns = context["columns"]
        header = ["排名", "单位", "得分", "等次", *[f"{name}（满分{top:g}）" for name, top in columns],
                  "基础得分（折算后）", "加减分"]  # fmt: skip
        rows = [
            [r["rank"], r["agency"], r["score"], r["grade"], *r["parts"], r["base"], r["adjustment"]]
            for r in context["rows"]
        ]
        book.add_table("得分表", header, rows, widths=[6, 24, 8, 8, *[14] * len(columns), 14, 8])
        book.add_table(
            "扣分明细",
            ["单位", "分项", "说明", "季度", "任务编号", "分值"],
            context["items"],
            widths=[22, 10, 80, 8, 8, 8],
        )
        return book.to_bytes()
