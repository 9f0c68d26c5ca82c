"""Task light reasons as codes and parameters instead of Chinese sentences, so each
reader sees them in their own language. Stored sentences are read back into codes;
one that matches no known wording is kept as it was (code "text")."""

import re

from django.db import migrations

PATTERNS = [
    ("missing", re.compile(r"^(?P<role>牵头单位|配合单位)(?P<agency>.+)逾期未报（截止(?P<deadline>\d{4}-\d{2}-\d{2})）$")),
    ("lagging", re.compile(r"^(?P<agency>.+)报告进展滞后$")),
    ("late", re.compile(r"^(?P<agency>.+)逾期报送$")),
    ("returned", re.compile(r"^(?P<agency>.+)填报被退回(?P<count>\d+)次$")),
    ("overdue", re.compile(r"^任务完成时限(?P<deadline>\d{4}-\d{2}-\d{2})已过，尚未完成(?:，完成进度(?P<percent>[-\d.]+)%)?$")),
    (
        "indicator_behind",
        re.compile(
            r"^指标“(?P<name>.+)”落后序时进度(?P<behind>[-\d.]+)%"
            r"（应达(?P<expected>[-\d.—]+)(?P<unit>.*)，实际(?P<value>[-\d.—]+)(?P=unit)）$"
        ),
    ),
]


def to_code(sentence):
    if isinstance(sentence, dict):
        return sentence
    for code, pattern in PATTERNS:
        match = pattern.match(str(sentence))
        if match:
            params = {k: v or "" for k, v in match.groupdict().items()}
            if code == "missing":
                params["role"] = "lead" if params["role"] == "牵头单位" else "support"
            if code == "returned":
                params["count"] = int(params["count"])
            return {"code": code, "params": params}
    return {"code": "text", "params": {"text": str(sentence)}}


def forwards(apps, schema_editor):
    TaskLight = apps.get_model("reports", "TaskLight")
    for light in TaskLight.objects.iterator():
        light.reason_codes = [to_code(item) for item in light.reason_codes]
        light.save(update_fields=["reason_codes"])


def backwards(apps, schema_editor):
    from reports.light_reasons import reason_text

    TaskLight = apps.get_model("reports", "TaskLight")
    for light in TaskLight.objects.iterator():
        light.reason_codes = [reason_text(item) for item in light.reason_codes]
        light.save(update_fields=["reason_codes"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_bulletin_order_without_join")]

    operations = [
        migrations.RenameField("tasklight", "reasons", "reason_codes"),
        migrations.RunPython(forwards, backwards),
    ]
