"""Draft scores never go stale: which unpublished rounds must be computed again, and the
queueing of that computation.

A round's scores are computed from the stored figures of its plan's year. They are
computed again, by a job, when
* the stored rollups of one of the year's quarters were written after the scores (a
  report, value, reopening, task … changed and the rollup refresh has run: the scores
  follow the rollups, never run ahead of them);
* the office changed what only the assessment reads (its items, the scheme);
* the day moved on (a quarter's deadline or a reopening may have passed).
The refresh of a plan's rollups queues its rounds straight away (queue_for_plans); the
catch-up job (reports.assessment.jobs.refresh_stale_assessments, every minute) finds
whatever a lost job or a date left behind. Published rounds are never touched.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..models import Rollup
from .models import Assessment, AssessmentState

logger = logging.getLogger(__name__)

COMPUTE_JOB = "reports.assessment.jobs.compute_assessment"
# A burst of changes (an office approving a page of reports) is computed once.
COALESCE_SECONDS = 3
PENDING_TTL = 120


def pending_key(assessment_id) -> str:
    return f"reports:assessment-pending:{assessment_id}"


def unpublished():
    return Assessment.objects.exclude(state=AssessmentState.PUBLISHED)


def stale_rounds(today=None):
    """Unpublished rounds whose scores are older than what they are computed from."""
    today = today or timezone.localdate()
    newer_rollup = Rollup.objects.filter(
        scope=Rollup.Scope.PLAN,
        plan_id=OuterRef("plan_id"),
        period__year=OuterRef("year"),
        computed_at__gt=OuterRef("computed_at"),
    )
    return unpublished().filter(
        Q(computed_at__isnull=True)
        | Q(as_of__lt=today)
        | Q(inputs_changed_at__gt=F("computed_at"))
        | Exists(newer_rollup)
    )


def is_stale(assessment, today=None) -> bool:
    return stale_rounds(today).filter(pk=assessment.pk).exists()


def _job():
    from celery import current_app

    return current_app.tasks[COMPUTE_JOB]


def queue_compute(assessment_ids, *, countdown: int = COALESCE_SECONDS, queue: str | None = None) -> list:
    """Queue the computation of these rounds once the current transaction commits, each
    once however often it is asked (a cache flag per round, cleared by the job before it
    reads); `queue`: where to send it (default: the jobs' routing). Redis away: logged,
    and the catch-up job computes them later."""
    ids = sorted(set(assessment_ids))
    options = {"countdown": countdown, **({"queue": queue} if queue else {})}

    def _queue():
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import RedisError

        unreachable = (RedisError, BrokerError, OSError)
        queued = []
        try:
            queued = [pk for pk in ids if cache.add(pending_key(pk), 1, timeout=PENDING_TTL)]
            for pk in queued:
                _job().apply_async(kwargs={"assessment_id": pk}, **options)
        except unreachable as exc:
            logger.warning("assessments %s not queued (%s); the catch-up job will compute them", ids, exc)
            try:
                cache.delete_many([pending_key(pk) for pk in queued])
            except unreachable:
                pass

    if ids:
        transaction.on_commit(_queue)
    return ids


def mark_inputs_changed(assessment_ids) -> None:
    """The office changed an item or the scheme of these rounds: compute them again."""
    ids = list(assessment_ids)
    unpublished().filter(pk__in=ids).update(inputs_changed_at=timezone.now())
    queue_compute(ids)


def queue_for_plans(plan_ids, years=None) -> list:
    """After a rollup refresh of these plans (of these years): their unpublished rounds,
    sent to the queue the refresh came from, so a pool of workers on its own queue keeps
    its follow-up work."""
    rounds = unpublished().filter(plan_id__in=list(plan_ids))
    if years:
        rounds = rounds.filter(year__in=list(years))
    return queue_compute(rounds.values_list("pk", flat=True), queue=_current_queue())


def _current_queue() -> str | None:
    from celery import current_task

    request = getattr(current_task, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return None
    return (getattr(request, "delivery_info", None) or {}).get("routing_key") or None
