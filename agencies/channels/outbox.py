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
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..audit import audit_log
from . import crypto
from .events import EVENT_KINDS
from .models import Channel, Delivery
from .robots import Message, Outcome, robot_for

log = logging.getLogger(__name__)
STUCK_AFTER = dt.timedelta(minutes=15)
LOST_AFTER = dt.timedelta(minutes=2)
BACKOFF_MAX_SECONDS = 1800


def backoff_seconds(attempts: int) -> int:
    """Wait after the attempts-th failed attempt: base, 2×base, 4×base … at most 30 min."""
    return min(settings.CHANNEL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


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

    from agencies.jobs import send_delivery

    for pk in ids:
        try:
            send_delivery.apply_async(kwargs={"delivery_id": pk}, countdown=countdown, queue=queue)
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


def _claim(delivery_id, now, *, force) -> Delivery | None:
    """pending/retrying → sending, under a row lock; None when there is nothing to send."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if d is None or d.status not in (Delivery.Status.PENDING, Delivery.Status.RETRYING):
            return None
        if (
            d.status == Delivery.Status.RETRYING
            and d.next_attempt_at
            and d.next_attempt_at > now
            and not force
        ):
            return None  # a duplicate job ahead of its time; the right one comes later
        channel = Channel.objects.get(pk=d.channel_id)
        if channel.is_paused and not force:
            d.status, d.next_attempt_at = Delivery.Status.HELD, None
            d.save(update_fields=["status", "next_attempt_at"])
            return None
        d.status, d.attempts, d.last_attempt_at = Delivery.Status.SENDING, d.attempts + 1, now
        d.save(update_fields=["status", "attempts", "last_attempt_at"])
        d.channel = channel
        return d


def delivery_attempt(*, delivery_id: int, now=None, force=False, retry=True, queue=None) -> Delivery | None:
    """One attempt at one delivery (the job's body). force: also while paused or before
    its retry time (a test message); retry=False: a retryable failure fails at once;
    queue: where a retry goes (the job's own queue)."""
    now = now or timezone.now()
    d = _claim(delivery_id, now, force=force)
    if d is None:
        return Delivery.objects.filter(pk=delivery_id).first()
    if d.agency_id:
        d.agency = apps.get_model("agencies", "Agency").objects.filter(pk=d.agency_id).first()
    try:
        outcome = robot_for(d.channel).send(message_for(d))
    except crypto.SecretUnavailable as exc:
        outcome = Outcome(ok=False, error=str(exc))
    return _record(d.pk, outcome, now=now, retry=retry, queue=queue)


@transaction.atomic
def _record(delivery_id, outcome: Outcome, *, now, retry=True, queue=None) -> Delivery:
    d = Delivery.objects.select_for_update().get(pk=delivery_id)
    channel = Channel.objects.select_for_update().get(pk=d.channel_id)
    d.errcode = outcome.errcode
    if outcome.ok:
        d.status, d.sent_at, d.error, d.next_attempt_at = Delivery.Status.SENT, now, "", None
        if channel.consecutive_failures:
            Channel.objects.filter(pk=channel.pk).update(consecutive_failures=0)
    else:
        d.error = outcome.error[:2000]
        if outcome.retry and retry and d.attempts < settings.CHANNEL_MAX_ATTEMPTS:
            delay = max(backoff_seconds(d.attempts), outcome.retry_after)
            d.status, d.next_attempt_at = Delivery.Status.RETRYING, now + dt.timedelta(seconds=delay)
            if not _eager():
                queue_on_commit([d.pk], countdown=delay, queue=queue)
        else:
            if outcome.retry and retry:
                d.error = (_("已尝试 %(n)d 次仍未送达：") % {"n": d.attempts} + d.error)[:2000]
            d.status, d.next_attempt_at = Delivery.Status.FAILED, None
        if not outcome.rate_limited:
            _count_failure(channel)
    d.save(update_fields=["status", "sent_at", "error", "errcode", "next_attempt_at"])
    return d


def _eager() -> bool:
    from carbonplan.celery import app

    return bool(app.conf.task_always_eager)


def _count_failure(channel):
    Channel.objects.filter(pk=channel.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    channel.refresh_from_db(fields=["consecutive_failures", "paused_at"])
    if channel.paused_at is None and channel.consecutive_failures >= settings.CHANNEL_PAUSE_AFTER_FAILURES:
        channel_pause_after_failures(channel)


def channel_pause_after_failures(channel):
    from ..notifications import notify, office_users_of

    with translation.override(settings.LANGUAGE_CODE):
        reason = _("连续 %(n)d 次发送失败，已自动暂停") % {"n": channel.consecutive_failures}
        channel.paused_at, channel.pause_reason = timezone.now(), reason
        channel.save(update_fields=["paused_at", "pause_reason", "updated_at"])
        audit_log(
            actor=None, action="channel.pause", target=channel, changes={"reason": reason}, plan=channel.plan
        )
        owner = channel.plan or channel.region
        notify(
            users=office_users_of(plan=channel.plan, region=channel.region),
            kind="channel_paused",
            title=_("群机器人“%(name)s”连续发送失败，已暂停") % {"name": str(channel)},
            body=_(
                "%(owner)s 的群机器人连续 %(n)d 次发送失败，已暂停发送。请检查 Webhook 地址、加签密钥和关键词，发送测试消息后恢复。"
            )
            % {"owner": owner, "n": channel.consecutive_failures},
            url=channel_page_url(channel),
        )


def channel_page_url(channel) -> str:
    if channel.plan_id:
        return reverse("agencies:plan-channels", args=[channel.plan_id])
    return reverse("agencies:region-channels", args=[channel.region_id])


def channel_test(*, channel, by) -> Delivery:
    """A test message, sent now (one attempt, also while paused): the answer says
    whether the robot took it."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        d = Delivery.objects.create(
            channel=channel, event_key=f"test:{uuid.uuid4().hex}", event_kind="test", plan=channel.plan,
            title=_("【测试】碳达峰任务督办系统群机器人测试消息"),
            body=_("这是一条测试消息：%(owner)s 的通知将发送到本群。") % {"owner": channel.plan or channel.region},
            url=channel_page_url(channel),
        )  # fmt: skip
        audit_log(
            actor=by, action="channel.test", target=channel, changes={"delivery": d.pk}, plan=channel.plan
        )
    return delivery_attempt(delivery_id=d.pk, force=True, retry=False)


@transaction.atomic
def delivery_resend(*, delivery: Delivery, by) -> Delivery:
    """Send a failed or held delivery again, with a fresh round of attempts."""
    d = Delivery.objects.select_for_update().select_related("channel").get(pk=delivery.pk)
    if d.status not in (Delivery.Status.FAILED, Delivery.Status.HELD):
        raise ValidationError(_("只有发送失败或暂停期间未发送的消息可以重发。"))
    if d.channel.is_paused:
        raise ValidationError(_("该群机器人已暂停，请先恢复再重发。"))
    previous = d.status
    d.status, d.attempts, d.next_attempt_at, d.error, d.errcode = Delivery.Status.PENDING, 0, None, "", None
    d.save(update_fields=["status", "attempts", "next_attempt_at", "error", "errcode"])
    audit_log(
        actor=by, action="delivery.resend", target=d.channel, changes={"delivery": d.pk, "status": [previous, d.status]},
        plan=d.channel.plan,
    )  # fmt: skip
    queue_on_commit([d.pk])
    return d


def deliveries_send_due(*, now=None) -> dict:
    """The minute's sweep: retries whose time has come, deliveries whose job was lost,
    and deliveries stuck in sending (marked failed, see the module's docstring)."""
    now = now or timezone.now()
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, last_attempt_at__lt=now - STUCK_AFTER)
    failed = stuck.update(
        status=Delivery.Status.FAILED,
        error=_("发送过程中断，结果未知：请确认群内是否已收到，需要时重发。"),
    )
    due = list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.RETRYING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.PENDING, created_at__lt=now - LOST_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    if _eager():
        for pk in due:
            delivery_attempt(delivery_id=pk, now=now)
    else:
        queue_deliveries(due)
    return {"queued": len(due), "stuck": failed}
