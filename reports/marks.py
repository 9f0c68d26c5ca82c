"""Stale figures, marked: which plan × quarters a committed change has left behind the
stored rollups, and how they are worked through.

The figure-source hook (tasks.figure_sources) calls mark_stale with the scopes of every
write to a model the rollups read. The marks are written in that write's transaction —
a transactional outbox: the change never commits without its mark — and, once it
commits, one job per transaction is queued (queue_refresh) to compute the marked plans.
If Redis is away at that moment the change still commits with its mark, and the
catch-up job (reports.jobs.recompute_stale_rollups, every minute) computes it later.

A computation claims the marks it covers before it reads (one UPDATE setting its token)
and deletes them when its figures are written: a mark written after the claim belongs
to a change the computation may not have read, and stays for the next one.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q

from tasks.models import ReportingPeriod

from .models import FigureMark

logger = logging.getLogger(__name__)

# Writes come in bursts (an office approves a page of reports in a minute, an agency's
# form saves as it types): one job a few seconds after the first covers all of them.
REFRESH_COALESCE_SECONDS = 5
# A pending flag that outlives a lost job only holds back the next one this long; the
# catch-up job computes the marks meanwhile.
REFRESH_PENDING_TTL = 120
REFRESH_JOB = "reports.jobs.recompute_stale_rollups"
_refresh_held = ContextVar("refresh_held", default=False)


def mark_stale(scopes) -> None:
    """The figure-source consumer: mark the scopes stale in the writing transaction, each
    once, and queue their refresh for when it commits. A write outside any transaction
    (a shell, a script writing row by row) leaves its marks to the catch-up job rather
    than queuing one job per row."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        scopes = _not_yet_marked(connection, scopes)
        if not scopes:
            return
    FigureMark.objects.bulk_create(
        [FigureMark(plan_id=s.plan_id, period_id=s.period_id, onward=s.onward) for s in scopes]
    )
    if not connection.in_atomic_block:
        return
    transaction.on_commit(_Marked(scopes))
    for _sids, func, *_rest in connection.run_on_commit:
        if isinstance(func, _RefreshOnCommit):
            func.plan_ids |= {s.plan_id for s in scopes}
            return
    # robust: the change is committed by then; a failing refresh is logged, and its
    # marks stay for the catch-up job, rather than turning the user's save into an error.
    transaction.on_commit(_RefreshOnCommit({s.plan_id for s in scopes}), robust=True)


class _Marked:
    """What the transaction has marked so far, as an on_commit entry that does nothing:
    Django drops it with a savepoint rolled back, so a scope marked there is marked
    again by the next write."""

    def __init__(self, scopes):
        self.scopes = set(scopes)

    def __call__(self):
        pass


def _not_yet_marked(connection, scopes) -> set:
    marked = set()
    for _sids, func, *_rest in connection.run_on_commit:
        if isinstance(func, _Marked):
            marked |= func.scopes
    whole = {s.plan_id for s in marked if s.period_id is None}
    return {s for s in scopes if s not in marked and s.plan_id not in whole}


def _forget_marked() -> None:
    """A computation in this transaction reads or takes marks: a write after it marks
    again rather than count on a mark the computation may delete."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, *_rest in connection.run_on_commit:
            if isinstance(func, _Marked):
                func.scopes = set()


class _RefreshOnCommit:
    def __init__(self, plan_ids):
        self.plan_ids = set(plan_ids)

    def __call__(self):
        if not _refresh_held.get():
            queue_refresh(self.plan_ids)


@contextmanager
def refresh_held():
    """Within: committed changes keep their marks but queue no refresh, for a bulk load
    that computes its plans once at the end (recompute_marked, or a full computation that
    takes the marks) rather than once per transaction. A mark left uncomputed is the
    catch-up job's, as when Redis is away."""
    token = _refresh_held.set(True)
    try:
        yield
    finally:
        _refresh_held.reset(token)


def pending_key(plan_id) -> str:
    return f"reports:figures-pending:{plan_id}"


def _broker_unreachable() -> tuple:
    """What queuing a job raises when Redis is away."""
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    return (RedisError, BrokerError, OSError)


def queue_refresh(plan_ids) -> None:
    """Queue the refresh of these plans' marked figures, unless a queued one will do it:
    a cache flag per plan holds later requests back while a job waits, and the job clears
    the flags before it reads. Without Redis (the embedded default) the job runs here."""
    from carbonplan.celery import job

    unreachable = _broker_unreachable()
    queued = []
    try:
        queued = [p for p in sorted(plan_ids) if cache.add(pending_key(p), 1, timeout=REFRESH_PENDING_TTL)]
        if queued:
            job(REFRESH_JOB).apply_async(kwargs={"plan_ids": queued}, countdown=REFRESH_COALESCE_SECONDS)
    except unreachable as exc:
        # The change and its marks are committed: nothing is lost.
        logger.warning(
            "figures of plans %s not queued (%s); the catch-up job will recompute it",
            sorted(plan_ids),
            exc,
        )
        try:
            # A flag left behind would hold back the next request for its TTL.
            cache.delete_many([pending_key(p) for p in queued])
        except unreachable:
            pass


def queue_catch_up() -> None:
    """Queue the catch-up job now (for marks no plan's job covers, reports.region_marks);
    without Redis it runs here. Unqueued, the marks wait for beat's next run."""
    from carbonplan.celery import job

    try:
        job(REFRESH_JOB).apply_async(countdown=REFRESH_COALESCE_SECONDS)
    except _broker_unreachable() as exc:
        logger.warning("catch-up job not queued (%s); beat's next run will do it", exc)


def clear_pending(plan_ids) -> None:
    """The job's first step: a change committed from now on queues a new job."""
    cache.delete_many([pending_key(p) for p in plan_ids])


# --- reading the marks ------------------------------------------------------------------


def figures_pending(plan):
    """Since when the plan's stored figures have been waiting for a change to be counted
    (the oldest mark), or None when they are current."""
    return FigureMark.objects.filter(plan=plan).aggregate(since=Min("marked_at"))["since"]


def _covered(marks, periods_by_plan) -> dict:
    """{plan id: {period id}} the marks cover among the given periods of each plan."""
    covered = defaultdict(set)
    for mark in marks:
        periods = periods_by_plan.get(mark["plan_id"], [])
        if mark["period_id"] is None:
            covered[mark["plan_id"]] |= {p.pk for p in periods}
        elif mark["onward"]:
            start = (mark["period__year"], mark["period__quarter"])
            covered[mark["plan_id"]] |= {p.pk for p in periods if (p.year, p.quarter) >= start}
        else:
            covered[mark["plan_id"]].add(mark["period_id"])
    return covered


_MARK_FIELDS = ("plan_id", "period_id", "onward", "period__year", "period__quarter")


def marked_work(plan_ids=None) -> tuple[dict, list]:
    """({plan id: [ReportingPeriod]} of every quarter the marks (of these plans) cover,
    [ids of the marks read]): one query when nothing is marked, two otherwise."""
    marks = FigureMark.objects.all()
    if plan_ids is not None:
        marks = marks.filter(plan_id__in=list(plan_ids))
    marks = list(marks.values("id", *_MARK_FIELDS))
    _forget_marked()
    if not marks:
        return {}, []
    periods_by_plan = defaultdict(list)
    for period in (
        ReportingPeriod.objects.filter(plan_id__in={m["plan_id"] for m in marks})
        .select_related("plan", "plan__region")
        .order_by("plan_id", "year", "quarter")
    ):
        periods_by_plan[period.plan_id].append(period)
    covered = _covered(marks, periods_by_plan)
    work = {
        plan_id: [p for p in periods_by_plan[plan_id] if p.pk in covered[plan_id]]
        for plan_id in sorted(covered)
        if covered[plan_id]
    }
    return work, [m["id"] for m in marks]


def marked_periods(periods) -> set:
    """Ids of those of `periods` (ReportingPeriod rows) some mark covers: one query."""
    periods_by_plan = defaultdict(list)
    for period in periods:
        periods_by_plan[period.plan_id].append(period)
    marks = FigureMark.objects.values(*_MARK_FIELDS)
    return {pk for ids in _covered(marks, periods_by_plan).values() for pk in ids}


# --- claiming and releasing -------------------------------------------------------------


def new_claim() -> str:
    return uuid.uuid4().hex


def claim_marks(token: str, plan, periods) -> None:
    """Take the plan's marks that a computation of `periods` covers, before it reads: a
    quarter's mark of one of them, a mark onward from one of them when the later quarters
    are all among them too, a mark of every quarter when they are all the plan's. One
    UPDATE, so the computation's reads stay what they were."""
    ids = [p.pk for p in periods]
    others = ReportingPeriod.objects.filter(plan_id=plan.pk).exclude(pk__in=ids)
    later = others.filter(
        Q(year__gt=OuterRef("period__year"))
        | Q(year=OuterRef("period__year"), quarter__gt=OuterRef("period__quarter"))
    )
    covered = (
        Q(period_id__in=ids, onward=False)
        | Q(period_id__in=ids, onward=True) & ~Exists(later)
        | Q(period__isnull=True) & ~Exists(others)
    )
    FigureMark.objects.filter(Q(plan_id=plan.pk) & covered).update(claim=token)
    _forget_marked()


def release_marks(taken) -> None:
    """Delete the marks a computation took — its claim token, or the ids it read before
    reading anything else — in the transaction that writes its figures; once it commits,
    the readers (when_current) hear which plans' figures have just caught up."""
    if isinstance(taken, str):
        released = FigureMark.objects.filter(claim=taken)
    else:
        released = FigureMark.objects.filter(pk__in=list(taken))
    if not _readers:
        released.delete()
        return
    plan_ids = _delete_returning_plans(released)
    if plan_ids:
        # robust: the figures are committed; a reader that fails is logged, and its own
        # catch-up finds what it missed.
        transaction.on_commit(_Caught(plan_ids), robust=True)


def _delete_returning_plans(marks) -> set:
    """Delete the marks and say whose they were in the one statement the deletion costs
    anyway (DELETE … RETURNING: PostgreSQL, and SQLite from 3.35)."""
    query = marks.values("pk").query
    try:
        where, params = query.where.as_sql(query.get_compiler(using=marks.db), connection)
    except EmptyResultSet:  # no ids were taken
        return set()
    table = connection.ops.quote_name(FigureMark._meta.db_table)
    plan = connection.ops.quote_name(FigureMark._meta.get_field("plan").column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where} RETURNING {plan}", params)
        return {row[0] for row in cursor.fetchall()}


# --- what is computed from the stored figures ---------------------------------------------------
# Figures computed in turn from the stored ones (the year-end scores) must wait for them:
# such a reader registers here (from ReportsConfig.ready()) and is called, once a release
# of marks commits, with the ids of the plans whose marked changes have just been counted.

_readers: list = []


def when_current(reader) -> None:
    if reader not in _readers:
        _readers.append(reader)


class _Caught:
    def __init__(self, plan_ids):
        self.plan_ids = frozenset(plan_ids)

    def __call__(self):
        for reader in list(_readers):
            reader(self.plan_ids)
