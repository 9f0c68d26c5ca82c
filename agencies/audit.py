"""The audit trail: every write calls audit_log inside its own transaction."""

from .models import AuditEntry


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
