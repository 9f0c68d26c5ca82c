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


def change_label(model, name: str) -> str:
    """What a reader calls a changed field, in the active language: the model field's
    verbose name, "指标：<name>" for an indicator value, else the recorded name."""
    if name.startswith(INDICATOR_PREFIX):
        return _("指标：%(name)s") % {"name": name.removeprefix(INDICATOR_PREFIX)}
    if name.startswith(PROJECT_PREFIX):
        return _("重点项目：%(name)s") % {"name": name.removeprefix(PROJECT_PREFIX)}
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return name


def entry_changes(entry: AuditEntry) -> list[tuple[str, object]]:
    """An audit entry's changes as (label, change) pairs, labelled for the reader."""
    try:
        model = apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        model = None
    return [(change_label(model, name), change) for name, change in (entry.changes or {}).items()]
