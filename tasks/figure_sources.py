"""Figure sources: the models stored figures are computed from, and the one hook that
tells whoever keeps such figures which plan × quarters a write touched.

The rollups (reports) read a plan's tasks, actions, assignments, agencies, reports,
reopenings, quarters, indicators, indicator values, review mode and warning rule. Each of
those models is a FigureSource: it declares its FigureRule — the plan a row counts in,
and its quarter (only that one, or that one and every later one) or every quarter of the
plan — and the fields the figures read. Every write to it reports the scopes it touched
to the consumers registered here: save() and delete() on the model, and update(),
delete(), bulk_create() and bulk_update() on its QuerySet, since bulk writes skip save()
and signals. A save naming only fields the figures do not read (update_fields) touches
nothing, so an autosave of a draft's wording costs no recompute.

A consumer is called inside the writing transaction, after each write, so what it
writes commits or rolls back with the change (and it may leave out a scope it already
holds for the transaction). The lower apps own
this module and never import a consumer: reports registers its staleness marks from
ReportsConfig.ready(), and a later kind of stored figure registers beside it.

Rows that cascade with a deleted row (a task's reports and assignments) are covered by
the scope of the row deleted, which is always the same plan. A row is reported where it
stands after the write: no service moves one to another plan or quarter (a queryset
update that rewrites such a key reports both places).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class FigureScope:
    """What a write touched: a plan's quarter (and every later one with `onward`), or,
    with no period, every quarter of the plan."""

    plan_id: int
    period_id: int | None = None
    onward: bool = False


@dataclass(frozen=True)
class FigureRule:
    """How a model's rows map to figure scopes: lookups (as in values_list) from a row
    to its plan's id and to its quarter's id (None: every quarter of the plan), whether a
    quarter's row also counts in the later quarters (an indicator value is used until a
    newer one comes), and the fields the figures read (None: every field)."""

    plan: str
    period: str | None = None
    onward: bool = False
    fields: tuple[str, ...] | None = None
    # Lookups to further plans whose figures read the row, every quarter of them: an
    # upper plan whose task's progress follows the lower tasks answering it.
    also: tuple[str, ...] = ()

    def reads(self, names: Iterable[str]) -> bool:
        """Whether writing these fields (names or attnames) can move a figure."""
        if self.fields is None:
            return True
        read = set(self.fields) | {f"{name}_id" for name in self.fields}
        return any(name in read for name in names)


Consumer = Callable[[frozenset], None]
_consumers: list[Consumer] = []


def register(consumer: Consumer) -> None:
    """Call `consumer(scopes)` with the scopes of every write to a figure source."""
    if consumer not in _consumers:
        _consumers.append(consumer)


def unregister(consumer: Consumer) -> None:
    if consumer in _consumers:
        _consumers.remove(consumer)


def figures_touched(scopes: Iterable[FigureScope]) -> None:
    """Report the scopes a write touched to the consumers."""
    scopes = frozenset(s for s in scopes if s.plan_id is not None)
    if scopes:
        for consumer in list(_consumers):
            consumer(scopes)


def _scopes(rule: FigureRule, rows) -> set[FigureScope]:
    scopes = set()
    own = 2 if rule.period else 1
    for row in rows:
        if rule.period is None:
            scopes.add(FigureScope(row[0]))
        else:
            scopes.add(FigureScope(row[0], row[1], rule.onward))
        scopes |= {FigureScope(plan_id) for plan_id in row[own:] if plan_id is not None}
    return scopes


def _lookups(rule: FigureRule) -> list[str]:
    return [rule.plan] + ([rule.period] if rule.period else []) + list(rule.also)


def _walk(instance, lookup: str):
    """The value of a lookup read from the instance and the relations it has loaded,
    or _MISSING when that would need a query."""
    obj = instance
    parts = lookup.split("__")
    for part in parts[:-1]:
        field = obj._meta.get_field(part)
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            return _MISSING
        if not field.is_cached(obj):
            # An empty link leads nowhere without asking (a task answering no upper task).
            return None if getattr(obj, field.attname) is None else _MISSING
        obj = getattr(obj, part)
        if obj is None:
            return None
    last = parts[-1]
    if last == "pk":
        return obj.pk
    field = obj._meta.get_field(last)
    if not field.concrete:
        return _MISSING
    return getattr(obj, field.attname)


_MISSING = object()


def _through_first_relation(instance, lookup: str):
    """A lookup followed from the id the instance holds (a row bulk-created without its
    id coming back); None for a relation a new row cannot have yet (a reverse one)."""
    head, _, rest = lookup.partition("__")
    field = instance._meta.get_field(head)
    if not rest:
        return getattr(instance, field.attname) if field.concrete else None
    if not (field.many_to_one or field.one_to_one) or not field.concrete:
        return None
    key = getattr(instance, field.attname)
    if key is None:
        return None
    return field.related_model._base_manager.filter(pk=key).values_list(rest, flat=True).first()


def scopes_of_instances(model, instances) -> set[FigureScope]:
    """The scopes of saved (or about to be deleted) rows: read from what the instances
    hold where they can be, else one query by their ids."""
    rule = model.figure_rule
    lookups = _lookups(rule)
    rows, unknown = set(), []
    for instance in instances:
        values = tuple(_walk(instance, lookup) for lookup in lookups)
        if _MISSING not in values:
            rows.add(values)
        elif instance.pk is not None:
            unknown.append(instance.pk)
        else:
            rows.add(tuple(_through_first_relation(instance, lookup) for lookup in lookups))
    if unknown:
        rows |= set(model._base_manager.filter(pk__in=unknown).values_list(*lookups).distinct())
    return _scopes(rule, rows)


def scopes_of_queryset(queryset) -> set[FigureScope]:
    """The scopes of the rows a queryset selects: one query."""
    rule = queryset.model.figure_rule
    rows = queryset.order_by().values_list(*_lookups(rule)).distinct()
    return _scopes(rule, rows)


def _moves_scope(rule: FigureRule, names) -> bool:
    """Whether writing these fields could move a row to another plan or quarter."""
    keys = {lookup.split("__")[0] for lookup in _lookups(rule)}
    keys |= {f"{key}_id" for key in keys}
    return any(name in keys for name in names)


class FigureSourceQuerySet(models.QuerySet):
    """The QuerySet of a figure source: its bulk writes report their scopes too."""

    def update(self, **kwargs):
        rule = self.model.figure_rule
        if not rule.reads(kwargs):
            return super().update(**kwargs)
        ids = list(self.values_list("pk", flat=True)) if _moves_scope(rule, kwargs) else None
        scopes = scopes_of_queryset(self)
        count = super().update(**kwargs)
        if ids:
            scopes |= scopes_of_queryset(self.model._base_manager.filter(pk__in=ids))
        figures_touched(scopes)
        return count

    update.alters_data = True
    update.queryset_only = False

    def delete(self):
        # Reported before the rows go (as a model's delete is): what a consumer writes about
        # a deleted plan or quarter goes with it, by cascade, instead of pointing at nothing.
        figures_touched(scopes_of_queryset(self))
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        figures_touched(scopes_of_instances(self.model, objs))
        return objs

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if self.model.figure_rule.reads(fields):
            figures_touched(scopes_of_instances(self.model, objs))
        return count

    bulk_update.alters_data = True


class FigureSource(models.Model):
    """A model the stored figures read. Subclasses set `figure_rule` and a manager built
    from FigureSourceQuerySet (or a subclass of it)."""

    figure_rule: FigureRule

    objects = FigureSourceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        super().save(*args, **kwargs)
        if update_fields is None or self.figure_rule_now().reads(update_fields):
            figures_touched(scopes_of_instances(type(self), [self]))

    save.alters_data = True

    def delete(self, *args, **kwargs):
        figures_touched(scopes_of_instances(type(self), [self]))
        return super().delete(*args, **kwargs)

    delete.alters_data = True

    def figure_rule_now(self) -> FigureRule:
        """The rule for this row as it stands (a model may read fewer fields of some rows)."""
        return type(self).figure_rule
