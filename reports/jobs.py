"""Celery jobs of the reports app: thin, taking ids, idempotent.

Only transient failures are retried (the database or the broker briefly away); a
mistake in the data fails once and says so.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
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
def recompute_all_rollups():
    from .rollups import recompute_all

    return {"computed": recompute_all()}


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

    bulletin = Bulletin.objects.select_related("plan", "plan__region", "period").filter(pk=bulletin_id).first()
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
