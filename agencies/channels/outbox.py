"""The outbox: a notice becomes one Delivery per matching channel in the notice's own
transaction, and jobs send them once it commits, like a mail queue.

* Once: `(channel, event_key)` is unique, so a notice raised twice adds nothing; a job
  first claims its delivery (pending/retrying → sending, under a row lock), so a job
  that runs twice, or a retry queued twice, sends once.
* Retries: network errors, timeouts, HTTP 5xx/429 and the robots' busy and rate-limit
  answers are tried again after 30 s, 1, 2, 4, 8, 16 and 30 minutes
  (CHANNEL_RETRY_BASE_SECONDS doubling, at most 30 minutes, CHANNEL_MAX_ATTEMPTS = 8
  attempts), a rate limit not before the robot's own window; a wrong key, signature or
  keyword fails at once. A retry is queued with its countdown and also picked up by the
  minute's sweep (`deliveries_send_due`), whichever comes first.
* A channel whose attempts fail CHANNEL_PAUSE_AFTER_FAILURES (10) times in a row
  (rate limits do not count) is paused and its office told in-app and by e-mail;
  notices raised while it is paused are kept as held, resendable one by one.
* A delivery left "sending" by a worker that died mid-request is marked failed with
  that said, never resent blindly: the group may have received it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .events import EVENT_KINDS
from .models import Channel, Delivery
from .robots import Message

log = logging.getLogger(__name__)
STUCK_AFTER = dt.timedelta(minutes=15)
LOST_AFTER = dt.timedelta(minutes=2)
BACKOFF_MAX_SECONDS = 1800
SEND_JOB = "agencies.jobs.send_delivery"


def channels_for_plan(plan):
    """The plan's own channels and those of its region and the regions above it."""
    Region = apps.get_model("plans", "Region")
    rid = plan.region_id
    regions = Region.objects.filter(Q(pk=rid) | Q(children=rid) | Q(children__children=rid)).values("pk")
    return Channel.objects.filter(Q(plan_id=plan.pk) | Q(region_id__in=regions))


def default_event_key(*, kind, plan, title, body, url) -> str:
    """Without a key of its own, the same notice on the same day is one event."""
    raw = "\x1f".join([kind, str(plan.pk), title, body, url, timezone.localdate().isoformat()])
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def deliveries_record(*, kind, plan, title, body="", url="", agency=None, event_key="") -> list[int]:
    """Write the notice's deliveries (inside the caller's transaction) and queue them
    for after commit; returns the ids queued. One query when no channel listens."""
    if plan is None or kind not in EVENT_KINDS:
        return []
    channels = [c for c in channels_for_plan(plan) if kind in (c.events or [])]
    if not channels:
        return []
    key = (event_key or default_event_key(kind=kind, plan=plan, title=title, body=body, url=url))[:120]
    Delivery.objects.bulk_create(
        [
            Delivery(
                channel=c, event_key=key, event_kind=kind, plan=plan, agency=agency, title=title[:200],
                body=body, url=url[:300],
                status=Delivery.Status.HELD if c.is_paused else Delivery.Status.PENDING,
            )
            for c in channels
        ],
        ignore_conflicts=True,  # the same event again: its deliveries exist already
    )  # fmt: skip
    ids = list(
        Delivery.objects.filter(
            channel__in=channels, event_key=key, status=Delivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    queue_on_commit(ids)
    return ids


def queue_on_commit(ids, *, countdown=None, queue=None):
    if ids:
        transaction.on_commit(lambda: queue_deliveries(ids, countdown=countdown, queue=queue))


def queue_deliveries(ids, *, countdown=None, queue=None):
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    from carbonplan.celery import app

    for pk in ids:
        try:
            # By name: agencies/jobs.py (registered at start-up by agencies/apps.py) runs
            # this module's caller, so importing it here would make a cycle.
            app.signature(SEND_JOB, kwargs={"delivery_id": pk}).apply_async(countdown=countdown, queue=queue)
        except (RedisError, BrokerError, OSError) as exc:
            # Stored already: the minute's sweep sends it once the broker is back.
            log.warning("delivery %s not queued (%s); the sweep will send it", pk, exc)


def absolute_url(url: str) -> str:
    if not url or url.startswith(("https://", "http://")):
        return url
    base = settings.SITE_URL
    return f"{base}{url}" if base else ""


def message_for(delivery) -> Message:
    agency = delivery.agency
    mobiles = []
    if delivery.channel.mention_contacts and agency is not None and agency.contact_phone:
        mobiles = [agency.contact_phone]
    return Message(title=delivery.title, body=delivery.body, url=absolute_url(delivery.url), mobiles=mobiles)


def channel_page_url(channel) -> str:
    if channel.plan_id:
        return reverse("agencies:plan-channels", args=[channel.plan_id])
    return reverse("agencies:region-channels", args=[channel.region_id])
