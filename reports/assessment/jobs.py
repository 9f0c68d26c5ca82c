"""Celery jobs of the year-end assessment: thin, taking ids, idempotent. Registered by
reports.apps (the jobs of reports/jobs.py are found by autodiscovery, these by name)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache

from ..jobs import RETRY, TRANSIENT

logger = logging.getLogger(__name__)


@shared_task(name="reports.assessment.jobs.compute_assessment", **RETRY)
def compute_assessment(*, assessment_id: int, today: str | None = None):
    """One round's scores from the stored figures (a published round is left alone)."""
    import datetime as dt

    from .freshness import pending_key
    from .services import assessment_compute

    # Cleared before reading: a change committed from now on queues a new job.
    cache.delete(pending_key(assessment_id))
    day = dt.date.fromisoformat(today) if today else None
    done = assessment_compute(assessment_id=assessment_id, today=day)
    if done is None:
        return {"assessment_id": assessment_id, "state": "waiting for figures"}
    return {"assessment_id": assessment_id, "state": done.compute_state}


@shared_task(name="reports.assessment.jobs.refresh_stale_assessments", **RETRY)
def refresh_stale_assessments():
    """Every minute: queue the unpublished rounds whose scores are older than their
    figures (a lost job, a rollup refreshed by the nightly run, a new day), unless their
    figures are waiting for a change to be counted (the figures job queues those). One
    query when nothing is stale."""
    from .freshness import due_rounds, queue_compute

    queued = queue_compute(due_rounds().values_list("pk", flat=True), countdown=0)
    if queued:
        logger.info("queued %s stale assessments", len(queued))
    return {"queued": queued}


@shared_task(
    name="reports.assessment.jobs.generate_assessment_notice", bind=True, acks_late=True, max_retries=3
)
def generate_assessment_notice(self, *, notice_id: int):
    from .models import AssessmentNotice
    from .notices import notice_fail, notice_generate

    notice = (
        AssessmentNotice.objects.select_related("assessment", "assessment__plan").filter(pk=notice_id).first()
    )
    if notice is None:
        return None
    if notice.state == AssessmentNotice.State.DONE:
        return {"notice_id": notice_id, "state": notice.state}
    try:
        notice_generate(notice=notice)
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=5 * (self.request.retries + 1))
        notice_fail(notice_id=notice_id, error=exc)
    except Exception as exc:
        # Recorded on the notice for the page and logged; an in-process run does not
        # turn the office's click into a server error.
        logger.exception("assessment notice %s failed", notice_id)
        notice_fail(notice_id=notice_id, error=exc)
    notice.refresh_from_db(fields=["state"])
    return {"notice_id": notice_id, "state": notice.state}
