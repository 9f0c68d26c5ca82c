"""The audit trail as an Excel workbook."""

from django.utils import timezone
from django.utils.translation import gettext as _

from carbonplan.downloads import XLSX_MIME, Export
from carbonplan.spreadsheets import table_workbook

from .audit import PROJECT_PREFIX, project_names
from .audit_display import change_text
from .filters import action_label

# One download is a record for an inspection, not a database dump: beyond this the
# office narrows the filter (the page says so).
EXPORT_MAX_ROWS = 20000


class AuditExporter:
    mimetype = XLSX_MIME

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
        # Project names are looked up as new ones come: a query per project, not per row.
        projects, seen = {}, set()
        for entry in self.entries[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
            unseen = [k for k in entry.changes or {} if k.startswith(PROJECT_PREFIX) and k not in seen]
            if unseen:
                seen.update(unseen)
                projects.update(project_names([unseen]))
            yield [
                timezone.localtime(entry.at).replace(tzinfo=None),
                entry.actor.username if entry.actor else "",
                str(action_label(entry.action)),
                entry.action,
                entry.target_type,
                entry.target_id,
                entry.target_repr,
                entry.plan.title if entry.plan else "",
                change_text(entry, projects),
            ]

    def filename(self) -> str:
        return f"audit-log-{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"

    def export(self) -> Export:
        book = table_workbook(
            title=_("操作记录"),
            headers=self.columns(),
            rows=self.rows(),
            widths=[20, 14, 16, 22, 22, 10, 40, 30, 60],
        )
        return book.export(self.filename())
