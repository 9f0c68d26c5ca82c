"""Region figures a plan leaves behind: a plan deleted, or moved to another region,
still counts in the stored figures of the regions it was in (region rollups, key-project
rollups, indicator tallies) until they are summed again, and a quarter deleted still
counts in the regions' figures of that quarter. The plan's own marks (reports.marks)
cannot carry that: they go with the deleted plan or quarter, and a moved plan's
computation sums the regions it is in now. So the regions left are marked here, in the
transaction that deletes or moves (RegionMark), and the catch-up job's region pass sums
them again and deletes the marks with its write."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_delete, pre_save

from plans.models import Plan
from tasks.models import ReportingPeriod

from .models import RegionMark, Rollup


def mark_regions_left(plan_id: int, period_id: int | None = None) -> None:
    """Mark the plan's region (as stored: called before the row is written or deleted)
    and those above it for every quarter the plan has stored figures of, or only that
    quarter's, once per transaction; the catch-up job is queued for when it commits.
    Outside a transaction the marks wait for beat's catch-up run, as a plan's own do.
    One query, and one insert when something is new."""
    stored = Rollup.objects.filter(scope=Rollup.Scope.PLAN, plan_id=plan_id)
    if period_id is not None:
        stored = stored.filter(period_id=period_id)
    # Regions are at most three levels deep (Region.subtree_q).
    chain = ("plan__region_id", "plan__region__parent_id", "plan__region__parent__parent_id")
    pairs = {
        (region_id, row[0])
        for row in stored.values_list("period_label", *chain).distinct()
        for region_id in row[1:]
        if region_id is not None
    }
    connection = transaction.get_connection()
    marked, entry = _marked_in_transaction(connection)
    pairs -= marked
    if not pairs:
        return
    RegionMark.objects.bulk_create(
        [RegionMark(region_id=r, period_label=label) for r, label in sorted(pairs)]
    )
    if not connection.in_atomic_block:
        return
    if entry is not None:
        entry.pairs |= pairs
    else:
        transaction.on_commit(_RegionsMarked(pairs))
    if not any(isinstance(func, _QueueCatchUp) for _sids, func, *_rest in connection.run_on_commit):
        transaction.on_commit(_QueueCatchUp(), robust=True)


def marked_regions() -> tuple[set, list]:
    """({(region id, period label)} the marks ask to sum again, [their ids]): one query."""
    rows = list(RegionMark.objects.values_list("id", "region_id", "period_label"))
    return {(region_id, label) for _id, region_id, label in rows}, [row[0] for row in rows]


def _marked_in_transaction(connection):
    """(pairs the transaction has marked, the entry holding those of the current
    savepoint, or None): one entry per savepoint, so a transaction deleting thousands of
    quarters scans a short list."""
    marked, entry = set(), None
    if not connection.in_atomic_block:
        return marked, entry
    current = set(connection.savepoint_ids)
    for sids, func, *_rest in connection.run_on_commit:
        if isinstance(func, _RegionsMarked):
            marked |= func.pairs
            if sids == current:
                entry = func
    return marked, entry


class _RegionsMarked:
    """What the transaction has marked (an on_commit entry that does nothing: rolled
    back with a savepoint, so a pair marked there is marked again by the next change)."""

    def __init__(self, pairs):
        self.pairs = set(pairs)

    def __call__(self):
        pass


class _QueueCatchUp:
    def __call__(self):
        from .marks import queue_catch_up

        queue_catch_up()


def _plan_deleted(sender, instance, **kwargs):
    # Before the rows go: the plan's stored quarters say where it counted.
    mark_regions_left(instance.pk)


def _period_deleted(sender, instance, origin=None, **kwargs):
    # A quarter no plan has any more is summed to nothing in the regions. One going
    # with its plan is left to the plan's own mark, which covers all its quarters.
    deleting = origin.model if isinstance(origin, QuerySet) else type(origin)
    if deleting is not Plan:
        mark_regions_left(instance.plan_id, period_id=instance.pk)


def _plan_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "region" not in update_fields):
        return
    was = Plan.objects.filter(pk=instance.pk).values_list("region_id", flat=True).first()
    if was is not None and was != instance.region_id:
        mark_regions_left(instance.pk)


def connect() -> None:
    pre_delete.connect(_plan_deleted, sender=Plan, dispatch_uid="reports.region_marks.deleted")
    pre_save.connect(_plan_saved, sender=Plan, dispatch_uid="reports.region_marks.saved")
    pre_delete.connect(_period_deleted, sender=ReportingPeriod, dispatch_uid="reports.region_marks.period")
