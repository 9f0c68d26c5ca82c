"""The audit trail as an Excel workbook."""

import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from .filters import action_label

# One download is a record for an inspection, not a database dump: beyond this the
# office narrows the filter (the page says so).
EXPORT_MAX_ROWS = 20000


class AuditExporter:
    filename = "audit-log.xlsx"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, entries):
        self.entries = entries

    def columns(self):
        return [
            _("时间"),
            _("操作人"),
            _("操作"),
            _("操作代码"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("方案"),
            _("变更"),
        ]

    def rows(self):
        # iterator() streams rows without caching the whole trail in memory; the joins
        # come from the queryset, so this is one query however many rows.
        for entry in self.entries[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
            yield [
                timezone.localtime(entry.at).replace(tzinfo=None),
                entry.actor.username if entry.actor else "",
                str(action_label(entry.action)),
                entry.action,
                entry.target_type,
                entry.target_id,
                entry.target_repr,
                entry.plan.title if entry.plan else "",
                json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
            ]

    def export(self) -> bytes:
        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = _("操作记录")
        ws.append(self.columns())
        for row in self.rows():
            ws.append(row)
            # Text typed by users must never become a formula when the file is opened
            # ("=HYPERLINK(...)" in a task title): store every string as a string.
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
        for letter, width in zip("ABCDEFGHI", (20, 14, 16, 22, 22, 10, 40, 30, 60), strict=True):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
