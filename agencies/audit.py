"""The audit trail: every write calls audit_log inside its own transaction."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from .models import AuditEntry

# A changed indicator value is recorded under this prefix and the indicator's name.
INDICATOR_PREFIX = "indicator:"
PROJECT_PREFIX = "project:"  # a project's quarter written in a report, by project id


def audit_log(*, actor, action: str, target, changes: dict | None = None, plan=None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        changes=changes or {},
        plan=plan,
    )


def diff_fields(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed, JSON-friendly."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def project_names(field_lists) -> dict[str, str]:
    """{project id: name} of the projects named in these lists of changed fields (the
    changes of audit entries, a report's versions): one query, none when there are none."""
    ids = {
        name.removeprefix(PROJECT_PREFIX)
        for names in field_lists
        for name in names or ()
        if name.startswith(PROJECT_PREFIX)
    }
    ids = sorted(int(i) for i in ids if i.isdigit())
    if not ids:
        return {}
    # Looked up by name: the ledger's app sits beside this one and imports it.
    project = apps.get_model("tasks", "Project")
    return {str(pk): name for pk, name in project._base_manager.filter(pk__in=ids).values_list("pk", "name")}


def change_label(model, name: str, projects: dict | None = None) -> str:
    """What a reader calls a changed field, in the active language: the model field's
    verbose name, "指标：<name>" for an indicator value, "重点项目：<name>" for a project's
    quarter (its name from `projects`, project_names' answer, else looked up), else the
    recorded name."""
    if name.startswith(INDICATOR_PREFIX):
        return _("指标：%(name)s") % {"name": name.removeprefix(INDICATOR_PREFIX)}
    if name.startswith(PROJECT_PREFIX):
        key = name.removeprefix(PROJECT_PREFIX)
        if projects is None:
            projects = project_names([[name]])
        if key in projects:
            return _("重点项目：%(name)s") % {"name": projects[key]}
        # A project since removed from the ledger keeps its number.
        return _("重点项目（编号 %(id)s，已删除）") % {"id": key}
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return name


def entry_changes(entry: AuditEntry, projects: dict | None = None) -> list[tuple[str, object]]:
    """An audit entry's changes as (label, change) pairs, labelled for the reader
    (`projects`: project_names of a page of entries, looked up once for all of them)."""
    try:
        model = apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        model = None
    changes = entry.changes or {}
    if projects is None:
        projects = project_names([changes])
    return [(change_label(model, name, projects), change) for name, change in changes.items()]
