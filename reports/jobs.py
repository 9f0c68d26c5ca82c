"""Celery jobs of the reports app: thin, taking ids, idempotent.

Only transient failures are retried (the database or the broker briefly away); a
mistake in the data fails once and says so.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
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
    # A retry waits in the worker that took it: within the broker's visibility timeout.
    "retry_backoff_max": settings.JOB_MAX_COUNTDOWN,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="reports.jobs.recompute_plan_period", ignore_result=True, **RETRY)
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


# ignore_result: what a bulletin's run comes to is on its row. Queuing such a job does not
# touch the result store, so a request that queues it while Redis is away is told by the
# broker's error alone, which it handles, instead of by the result store's RuntimeError.
@shared_task(
    name="reports.jobs.generate_bulletin", bind=True, acks_late=True, max_retries=3, ignore_result=True
)
def generate_bulletin(self, *, bulletin_id: int):
    """One run of a bulletin's generation under its lease (reports/bulletin_runs.py): a
    duplicate message, or one for a bulletin done or being made by a live run, does
    nothing."""
    from .bulletin import bulletin_fail, bulletin_generate
    from .bulletin_runs import STALLED_AFTER, bulletin_claim, bulletin_release
    from .models import Bulletin

    attempt = bulletin_claim(bulletin_id=bulletin_id)
    bulletin = (
        Bulletin.objects.select_related("plan", "plan__region", "period").filter(pk=bulletin_id).first()
    )
    if bulletin is None or attempt is None:
        if bulletin is not None and bulletin.state == Bulletin.State.RUNNING and self.request.retries < 3:
            # A run holds the lease and beat moments ago: alive, or killed just now (a
            # pool process lost hands its job back at once). Look again once a dead
            # run's lease has run out; by then a live one has usually finished.
            raise self.retry(countdown=STALLED_AFTER.total_seconds() + 1)
        return {"bulletin_id": bulletin_id, "state": bulletin.state if bulletin else None, "ran": False}
    try:
        bulletin_generate(bulletin=bulletin, attempt=attempt, beat=not self.request.is_eager)
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            bulletin_release(bulletin_id=bulletin_id, attempt=attempt)
            raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1))
        bulletin_fail(bulletin_id=bulletin_id, error=exc)
    except Exception as exc:
        # Recorded on the bulletin for the page and logged with its traceback; not
        # re-raised, so an in-process run does not turn the office's click into a 500.
        logger.exception("bulletin %s failed", bulletin_id)
        bulletin_fail(bulletin_id=bulletin_id, error=exc)
    bulletin.refresh_from_db(fields=["state"])
    return {"bulletin_id": bulletin_id, "state": bulletin.state, "ran": True}


@shared_task(name="reports.jobs.resume_stalled_bulletins", ignore_result=True, **RETRY)
def resume_stalled_bulletins():
    """The minute's sweep: bulletins whose run stalled (its worker died) or whose job
    never reached the broker are queued again."""
    from .bulletin_runs import bulletins_resume

    return {"queued": bulletins_resume()}


@shared_task(name="reports.jobs.recompute_stale_rollups", ignore_result=True, **RETRY)
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
