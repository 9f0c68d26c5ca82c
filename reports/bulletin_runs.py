"""A bulletin's generation as a run that can die: its lease, its heartbeat, and the sweep
that starts it again.

A worker can be killed in the middle of a bulletin (the out-of-memory killer, a
redeploy, a machine lost), and Redis hands the job it held to another worker only after
the broker's visibility timeout. So a run leases the bulletin row: it claims it (the
next `attempt`) when the bulletin is queued or its last run has stalled, shows it is
alive every HEARTBEAT_SECONDS while it works, and stores its files only while the lease
is still its own. A run whose heartbeat has stopped for STALLED_AFTER has stalled: the
bulletin list says so and when it will be tried again, and the minute's sweep
(`bulletins_resume`, run by beat) queues the job again for the next worker. The same
sweep queues a bulletin whose job never reached the broker (Redis away when the office
asked for it). Duplicate messages — the sweep's and the broker's own redelivery — are
harmless: the second finds the lease taken or the bulletin done, and does nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Bulletin

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
# A live run beats every few seconds even on a busy machine: six beats missed is a run
# that has died (or a process frozen that long, whose lease another run then takes).
STALLED_AFTER = dt.timedelta(seconds=30)
# beat runs the sweep every minute (CELERY_BEAT_SCHEDULE, "resume-stalled-bulletins").
SWEEP_EVERY = dt.timedelta(minutes=1)
# A queued bulletin nobody has started this long after it was asked for: its job was
# lost on the way to the broker (or waits behind others; a duplicate is harmless).
QUEUED_LOST_AFTER = dt.timedelta(minutes=2)
# Runs that die every time (a plan too large for the worker's memory) end as failed.
MAX_ATTEMPTS = 3
GENERATE_JOB = "reports.jobs.generate_bulletin"
# The step shown while a bulletin waits for the broker it could not be queued on; the
# sweep queues such a bulletin at once (stored text, like the other steps).
UNSENT = "等待后台服务恢复后生成"


def bulletin_claim(*, bulletin_id: int, now=None) -> int | None:
    """Take the lease for a run: the run's attempt number, or None when the bulletin is
    done, failed, gone, or another run holds it alive."""
    now = now or timezone.now()
    claimable = Q(state=Bulletin.State.QUEUED) | Q(state=Bulletin.State.RUNNING) & (
        Q(heartbeat_at__lt=now - STALLED_AFTER) | Q(heartbeat_at__isnull=True)
    )
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().filter(claimable, pk=bulletin_id).first()
        if bulletin is None:
            return None
        if bulletin.attempt >= MAX_ATTEMPTS:
            error = _("生成过程已中断 %(n)d 次，未能完成：请联系管理员检查后台任务。") % {
                "n": bulletin.attempt
            }
            Bulletin.objects.filter(pk=bulletin_id).update(
                state=Bulletin.State.FAILED, error=error, message=_("生成失败"), finished_at=now
            )
            logger.error(
                "bulletin %s: %s runs stopped without finishing, marked failed", bulletin_id, bulletin.attempt
            )
            return None
        attempt = bulletin.attempt + 1
        Bulletin.objects.filter(pk=bulletin_id).update(
            attempt=attempt, state=Bulletin.State.RUNNING, heartbeat_at=now, started_at=now, error=""
        )
    if attempt > 1:
        logger.warning("bulletin %s: run %s takes over from a run that stalled", bulletin_id, attempt)
    return attempt


def bulletin_mark_unsent(*, bulletin_id: int) -> None:
    """The bulletin's job could not reach the broker: say so, and let the sweep send it."""
    Bulletin.objects.filter(pk=bulletin_id, state=Bulletin.State.QUEUED).update(message=UNSENT)


def bulletin_release(*, bulletin_id: int, attempt: int) -> None:
    """Give the lease back (the run will be retried): queued again at once."""
    Bulletin.objects.filter(pk=bulletin_id, attempt=attempt, state=Bulletin.State.RUNNING).update(
        state=Bulletin.State.QUEUED, heartbeat_at=None
    )


def holds_lease(bulletin_id: int, attempt: int | None) -> bool:
    if attempt is None:
        return True
    return Bulletin.objects.filter(pk=bulletin_id, attempt=attempt, state=Bulletin.State.RUNNING).exists()


@contextlib.contextmanager
def heartbeat(bulletin_id: int, attempt: int | None):
    """Beat for the run while the block works, from a thread of its own (a PDF of a
    large plan is one long call); nothing when the run holds no lease (in-process)."""
    if attempt is None:
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                Bulletin.objects.filter(pk=bulletin_id, attempt=attempt).update(heartbeat_at=timezone.now())
        except Exception:  # a database away for a moment: the run finds out itself
            logger.warning("bulletin %s: heartbeat stopped", bulletin_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"bulletin-{bulletin_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# --- what the list shows, and the sweep -------------------------------------------------


def stalled_since(bulletin: Bulletin, now=None):
    """When the bulletin's run was last seen alive, if it has stalled since; else None."""
    now = now or timezone.now()
    if bulletin.state != Bulletin.State.RUNNING or bulletin.heartbeat_at is None:
        return None
    return bulletin.heartbeat_at if bulletin.heartbeat_at < now - STALLED_AFTER else None


def retry_by(bulletin: Bulletin):
    """The latest time the sweep queues a stalled run again: the first sweep after it
    is seen as stalled."""
    return bulletin.heartbeat_at + STALLED_AFTER + SWEEP_EVERY


def bulletins_resume(*, now=None) -> list[int]:
    """The minute's sweep: queue again the bulletins whose run stalled or whose job was
    lost on its way to the broker. Returns their ids."""
    from carbonplan.celery import job

    now = now or timezone.now()
    due = list(
        Bulletin.objects.filter(
            Q(state=Bulletin.State.RUNNING, heartbeat_at__lt=now - STALLED_AFTER)
            | Q(state=Bulletin.State.QUEUED, message=UNSENT)
            | Q(state=Bulletin.State.QUEUED, created_at__lt=now - QUEUED_LOST_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    for pk in due:
        logger.warning("bulletin %s stalled or never started: queued again", pk)
        job(GENERATE_JOB).delay(bulletin_id=pk)
    return due
