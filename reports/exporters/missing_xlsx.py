from __future__ import annotations

from carbonplan.downloads import XLSX_MIME
from carbonplan.spreadsheets import Spreadsheet

from .base import Exporter
from .bulletin_xlsx import write_sheet


class MissingXlsx(Exporter):
    """未报清单: one row per agency and task still without a submitted report."""

    extension = "xlsx"
    mimetype = XLSX_MIME

    def filename(self, context):
        return f"未报清单-{context['plan'].title}-{context['period'].label}.xlsx"

    def render(self, context: dict) -> bytes:
        wb = Spreadsheet()
        wb.remove(wb.active)
        rows = [
            [
                row["agency"],
                row["role"],
                str(row["kind_label"]),
                row["number"],
                row["task"],
                str(row["item"]),
                row["action"],
                row["state"],
                row["reminded"],
            ]
            for row in context["rows"]
        ]
        write_sheet(
            wb,
            "未报清单",
            ["单位", "职责", "类别", "任务编号", "任务", "未报事项", "重点行动", "状态", "已发催办"],
            rows,
            [22, 8, 18, 10, 40, 14, 30, 14, 24],
        )
        return wb.to_bytes()
