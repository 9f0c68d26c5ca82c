"""Draft scores never go stale, and never run ahead of the figures they read: which
unpublished rounds must be computed again, which must wait, and the queueing of that
computation.

A round's scores are computed from its plan's year: the reports, reopenings and gathered
inputs, and the indicator assessments the rollups stored. Every write to those marks the
plan's figures stale (reports.marks); while a mark of the plan is there, its rounds wait
(`waiting_for_figures`): the one figures job counts the change, and once its release of
the marks commits it tells this module (figures_caught_up, registered with
marks.when_current), which queues the plan's draft rounds. A round is also computed again
when
* the office changed what only the assessment reads (its items, the scheme);
* the day moved on (a quarter's deadline or a reopening may have passed);
* a rollup of its year was stored after its scores without a mark (the nightly run).
The catch-up job (reports.assessment.jobs.refresh_stale_assessments, every minute) finds
what a lost job or a date left behind; the figures' own catch-up covers a lost figures
job, and tells this module in turn. Published rounds are never touched.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..models import FigureMark, Rollup
from .models import Assessment, AssessmentState

logger = logging.getLogger(__name__)

COMPUTE_JOB = "reports.assessment.jobs.compute_assessment"
# A burst of changes (an office entering a page of items) is computed once.
COALESCE_SECONDS = 3
PENDING_TTL = 120


def pending_key(assessment_id) -> str:
    return f"reports:assessment-pending:{assessment_id}"


def unpublished():
    return Assessment.objects.exclude(state=AssessmentState.PUBLISHED)


def _marked():
    return FigureMark.objects.filter(plan_id=OuterRef("plan_id"))


def waiting_for_figures(assessment) -> bool:
    """A change to the plan is not yet counted in its stored figures: the scores would
    read figures about to change, so they wait for the figures job (one query)."""
    return FigureMark.objects.filter(plan_id=assessment.plan_id).exists()


def stale_rounds(today=None):
    """Unpublished rounds whose scores are older than what they are computed from,
    waiting or not."""
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


def due_rounds(today=None):
    """The stale rounds that may be computed now: those whose plan has no figure waiting
    (the others are queued when their figures catch up)."""
    return stale_rounds(today).filter(~Exists(_marked()))


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


def figures_caught_up(plan_ids) -> list:
    """The marks reader (reports.marks.when_current): the figures of these plans have just
    counted every change marked so far; their draft rounds are computed from them now, on
    the queue the figures job came from, so a pool of workers on its own queue keeps its
    follow-up work."""
    rounds = unpublished().filter(plan_id__in=list(plan_ids)).values_list("pk", flat=True)
    return queue_compute(rounds, queue=_current_queue())


def _current_queue() -> str | None:
    from celery import current_task

    request = getattr(current_task, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return None
    return (getattr(request, "delivery_info", None) or {}).get("routing_key") or None
