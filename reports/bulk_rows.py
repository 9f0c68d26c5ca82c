"""Writing many rows of one model at once: the stored figures of a plan's quarters, and
the benchmark's generated reports."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone


def insert_rows(model, rows: list[dict]):
    """Insert rows of one model given as {field attname: value} (absent fields take
    their defaults): PostgreSQL's COPY there, since building model instances and the
    ORM's per-value preparation would be most of a bulk rollup's time; bulk_create
    elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            # What an instance would hold: the default, else "" for a text field that
            # cannot be NULL, else None.
            defaults[f.attname] = f.get_default()
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = {**defaults, **row}
            for name in json_fields:
                values[name] = json.dumps(values[name])
            copy.write_row([values[name] for name in names])
