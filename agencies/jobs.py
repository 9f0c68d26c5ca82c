"""Celery jobs of the agencies app: sending group robot deliveries. Thin, taking ids.

A delivery's own retries (robot busy, network down) are kept in its row by
agencies/channels/outbox.py; the job itself is retried only when the database or the
broker is briefly away.
"""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    # A retry waits in the worker that took it: within the broker's visibility timeout.
    "retry_backoff_max": settings.JOB_MAX_COUNTDOWN,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


# ignore_result: a delivery's outcome is on its row, and queuing a job whose result is
# kept would touch the result store, which fails with a RuntimeError while Redis is away.
@shared_task(name="agencies.jobs.send_delivery", bind=True, ignore_result=True, **RETRY)
def send_delivery(self, *, delivery_id: int):
    from .channels.sending import delivery_attempt

    # A retry goes back to the queue this job came from.
    queue = (self.request.delivery_info or {}).get("routing_key")
    d = delivery_attempt(delivery_id=delivery_id, queue=queue)
    return {"id": delivery_id, "status": d.status if d else None, "attempts": d.attempts if d else None}


@shared_task(name="agencies.jobs.send_due_deliveries", ignore_result=True, **RETRY)
def send_due_deliveries():
    from .channels.sending import deliveries_send_due

    return deliveries_send_due()
