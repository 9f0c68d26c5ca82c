"""Celery jobs of the reports app: thin, taking ids, idempotent.

Only transient failures are retried (the database or the broker briefly away); a
mistake in the data fails once and says so.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# The database or Redis briefly away (a restart, a failover, "database is locked").
TRANSIENT = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="reports.jobs.recompute_plan_period", **RETRY)
def recompute_plan_period(*, plan_id: int, period_id: int):
    from tasks.models import ReportingPeriod

    from .rollups import rollup_plan_period
    from .services import rollup_pending_key

    # Cleared before reading: an approval committed from now on queues a new job.
    cache.delete(rollup_pending_key(plan_id, period_id))
    period = ReportingPeriod.objects.select_related("plan").filter(pk=period_id, plan_id=plan_id).first()
    if period is None:
        logger.info("rollup skipped: plan %s period %s no longer exists", plan_id, period_id)
        return None
    row = rollup_plan_period(plan=period.plan, period=period)
    return {"plan_id": plan_id, "period_id": period_id, "expected": row.expected, "approved": row.approved}


@shared_task(name="reports.jobs.recompute_all_rollups", **RETRY)
def recompute_all_rollups(*, changed_only: bool = True, today: str | None = None):
    """The nightly job: the quarters that can still change (all opened ones without
    changed_only), spread over the workers one plan per job, then each region and
    quarter above them once (a chord; in-process on the embedded default)."""
    import datetime as dt

    from django.utils import timezone

    from .rollups import changed_periods, opened_periods

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    periods = changed_periods(day) if changed_only else opened_periods(day)
    work = rollup_chord(periods, day)
    if work is None:
        return {"computed": 0}
    work.apply_async()
    return {"computed": len(periods), "plans": len(work.tasks)}


def rollup_chord(periods, day, *, queue: str | None = None):
    """The bulk rollup of `periods` as one Celery chord: a job per plan (its quarters from
    one read), then the region pass over the pairs they return; None when empty. With
    `queue` every part goes there (the worker sends the region pass itself, by its own
    routing otherwise). The stale marks the plans' jobs take are deleted by the region
    pass, so a chord that dies halfway leaves them for the next run."""
    from celery import chord

    from .marks import new_claim

    claim = new_claim()
    by_plan = {}
    for period in periods:
        by_plan.setdefault(period.plan_id, []).append(period.pk)
    if not by_plan:
        return None
    header = [
        recompute_plan_quarters.s(plan_id=plan_id, period_ids=ids, today=day.isoformat(), claim=claim)
        for plan_id, ids in by_plan.items()
    ]
    body = rollup_region_quarters.s(claim=claim)
    if queue:
        header = [sig.set(queue=queue) for sig in header]
        body = body.set(queue=queue)
    return chord(header, body)


@shared_task(name="reports.jobs.recompute_plan_quarters", **RETRY)
def recompute_plan_quarters(
    *, plan_id: int, period_ids: list, today: str | None = None, claim: str | None = None
):
    """One plan's quarters from one read of the plan; returns the [region id, label]
    pairs above it for the region pass (which deletes the marks taken under `claim`)."""
    import datetime as dt

    from plans.models import Plan
    from tasks.models import ReportingPeriod

    from .rollups import region_pairs, store_plan_periods

    plan = Plan.objects.filter(pk=plan_id).first()
    periods = list(ReportingPeriod.objects.filter(plan_id=plan_id, pk__in=period_ids))
    if plan is None or not periods:
        return []
    day = dt.date.fromisoformat(today) if today else None
    store_plan_periods(plan=plan, periods=periods, today=day, claim=claim)
    return sorted(region_pairs(plan, {p.label for p in periods}))


@shared_task(name="reports.jobs.rollup_region_quarters", **RETRY)
def rollup_region_quarters(pair_lists, claim: str | None = None):
    """The region pass after the plans: each region and quarter once; then the stale
    marks the plans' jobs took are done with."""
    from .rollups import rollup_regions

    pairs = {tuple(pair) for pairs in pair_lists for pair in pairs}
    rollup_regions(pairs, release=claim)
    return {"regions": len(pairs)}


@shared_task(name="reports.jobs.send_due_reminders", **RETRY)
def send_due_reminders():
    from .reminders import reminders_send_due

    return reminders_send_due()


@shared_task(name="reports.jobs.generate_due_bulletins", **RETRY)
def generate_due_bulletins():
    from .bulletin import bulletins_request_due

    return {"requested": [b.pk for b in bulletins_request_due()]}


@shared_task(name="reports.jobs.generate_bulletin", bind=True, acks_late=True, max_retries=3)
def generate_bulletin(self, *, bulletin_id: int):
    from .bulletin import bulletin_fail, bulletin_generate
    from .models import Bulletin

    bulletin = (
        Bulletin.objects.select_related("plan", "plan__region", "period").filter(pk=bulletin_id).first()
    )
    if bulletin is None:
        return None
    if bulletin.state == Bulletin.State.DONE:
        return {"bulletin_id": bulletin_id, "state": bulletin.state}
    try:
        bulletin_generate(bulletin=bulletin)
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1))
        bulletin_fail(bulletin_id=bulletin_id, error=exc)
    except Exception as exc:
        # Recorded on the bulletin for the page and logged with its traceback; not
        # re-raised, so an in-process run does not turn the office's click into a 500.
        logger.exception("bulletin %s failed", bulletin_id)
        bulletin_fail(bulletin_id=bulletin_id, error=exc)
    bulletin.refresh_from_db(fields=["state"])
    return {"bulletin_id": bulletin_id, "state": bulletin.state}


@shared_task(name="reports.jobs.recompute_stale_rollups", **RETRY)
def recompute_stale_rollups(*, plan_ids: list | None = None):
    """Work through the stale marks (reports.marks): every plan × quarter a committed
    change has left behind, then the regions above them. Queued when a change commits
    (with the plans it touched), and run by beat every minute for all of them, so marks
    whose job never reached the broker (Redis down at commit) catch up; one indexed
    query when nothing is marked."""
    from .marks import clear_pending
    from .rollups import recompute_marked

    if plan_ids:
        # Cleared before reading: a change committed from now on queues a new job.
        clear_pending(plan_ids)
    done = recompute_marked(plan_ids=plan_ids)
    if done:
        logger.info("brought %s marked plan quarters up to date", len(done))
    return {"recomputed": done}
