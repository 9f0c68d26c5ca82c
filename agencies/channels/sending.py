"""Sending the outbox's deliveries: one attempt at a time (the job's body), its outcome
and retry, the pause after failures in a row, the minute's sweep, a test message and a
resend. See outbox.py for the rules."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..audit import audit_log
from . import crypto
from .models import Channel, Delivery
from .outbox import (
    BACKOFF_MAX_SECONDS,
    LOST_AFTER,
    STUCK_AFTER,
    channel_page_url,
    message_for,
    queue_deliveries,
    queue_on_commit,
)
from .robots import Outcome, robot_for

log = logging.getLogger(__name__)


def backoff_seconds(attempts: int) -> int:
    """Wait after the attempts-th failed attempt: base, 2×base, 4×base … at most 30 min."""
    return min(settings.CHANNEL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


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
            # A longer wait is kept in the row, not in a worker holding the job past the
            # broker's visibility timeout (which would hand it out again): the minute's
            # sweep sends it when its time comes.
            if not _eager() and delay <= settings.JOB_MAX_COUNTDOWN:
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
