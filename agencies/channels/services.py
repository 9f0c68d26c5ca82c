"""Writes of a channel's configuration, each audited in its own transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_log
from . import crypto, events
from .models import Channel
from .robots import ROBOTS
from .webhooks import check_webhook

FIELDS = ("name", "keyword", "events", "mention_contacts")


def _plan_of(channel):
    return channel.plan if channel.plan_id else None


def _clean_events(kinds) -> list[str]:
    kinds = list(dict.fromkeys(kinds or []))
    unknown = [k for k in kinds if k not in events.EVENT_KINDS]
    if unknown:
        raise ValidationError({"events": _("未知的通知类型：%(kinds)s") % {"kinds": "、".join(unknown)}})
    return kinds


def _set_webhook(channel, webhook: str) -> list[str]:
    robot = ROBOTS[channel.kind]
    try:
        checked = check_webhook(
            webhook,
            official_host=robot.OFFICIAL_HOST,
            token_param=robot.TOKEN_PARAM,
            robot_name=_(robot.name),
        )
    except ValidationError as exc:
        raise ValidationError({"webhook": exc.messages})
    try:
        channel.webhook_encrypted = crypto.encrypt(checked.url)
    except crypto.SecretUnavailable as exc:
        raise ValidationError({"webhook": str(exc)})
    channel.webhook_host = checked.host
    channel.webhook_hint = _webhook_hint(checked.url, robot.TOKEN_PARAM)
    return checked.warnings


def _webhook_hint(url: str, param: str) -> str:
    """The address with its token masked: …?access_token=1a2…ef90."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    query = "&".join(f"{k}={crypto.hint(v) if k == param else v}" for k, v in parse_qsl(parts.query))
    return parts._replace(query=query).geturl()[:200]


def _set_secret(channel, secret: str) -> None:
    secret = (secret or "").strip()
    if secret and channel.kind != Channel.Kind.DINGTALK:
        raise ValidationError({"secret": _("企业微信群机器人没有加签密钥，只需 Webhook 地址。")})
    if secret and (len(secret) > 200 or not secret.isascii() or any(c.isspace() for c in secret)):
        raise ValidationError({"secret": _("加签密钥格式不正确（以 SEC 开头的一串字符）。")})
    try:
        channel.secret_encrypted = crypto.encrypt(secret)
    except crypto.SecretUnavailable as exc:
        raise ValidationError({"secret": str(exc)})
    channel.secret_hint = crypto.hint(secret)


@transaction.atomic
def channel_create(
    *, plan=None, region=None, kind: str, webhook: str, secret: str = "", by, name: str = "",
    keyword: str = "", events_: list[str] | None = None, mention_contacts: bool = False,
) -> tuple[Channel, list[str]]:  # fmt: skip
    """A new channel of a plan or region, and the warnings its webhook raised."""
    if kind not in ROBOTS:
        raise ValidationError({"kind": _("不支持的群机器人类型。")})
    channel = Channel(
        plan=plan, region=region, kind=kind, name=(name or "").strip(), keyword=(keyword or "").strip(),
        events=_clean_events(events.default_kinds() if events_ is None else events_),
        mention_contacts=bool(mention_contacts), created_by=by if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip
    if channel.keyword and kind != Channel.Kind.DINGTALK:
        raise ValidationError({"keyword": _("企业微信群机器人没有关键词设置。")})
    warnings = _set_webhook(channel, webhook)
    _set_secret(channel, secret)
    channel.full_clean()
    channel.save()
    audit_log(
        actor=by,
        action="channel.create",
        target=channel,
        changes={
            "kind": channel.kind, "webhook": channel.webhook_hint, "secret": channel.secret_hint,
            "events": channel.events, "region": str(region) if region else None,
        },
        plan=plan,
    )  # fmt: skip
    return channel, warnings


@transaction.atomic
def channel_update(*, channel: Channel, by, webhook: str = "", secret: str = "", clear_secret=False, **data):
    """Change a channel; a blank webhook or secret keeps the stored one."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    before = {name: getattr(channel, name) for name in FIELDS}
    before.update(webhook=channel.webhook_hint, secret=channel.secret_hint)
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name == "events":
                value = _clean_events(value)
            elif isinstance(value, str):
                value = value.strip()
            setattr(channel, name, value)
    if channel.keyword and channel.kind != Channel.Kind.DINGTALK:
        raise ValidationError({"keyword": _("企业微信群机器人没有关键词设置。")})
    warnings = _set_webhook(channel, webhook) if (webhook or "").strip() else []
    if (secret or "").strip() or clear_secret:
        _set_secret(channel, "" if clear_secret else secret)
    channel.full_clean()
    channel.save()
    after = {name: getattr(channel, name) for name in FIELDS}
    after.update(webhook=channel.webhook_hint, secret=channel.secret_hint)
    from ..audit import diff_fields

    audit_log(
        actor=by,
        action="channel.update",
        target=channel,
        changes=diff_fields(before, after),
        plan=_plan_of(channel),
    )
    return channel, warnings


@transaction.atomic
def channel_delete(*, channel: Channel, by) -> None:
    audit_log(
        actor=by, action="channel.delete", target=channel,
        changes={"kind": channel.kind, "webhook": channel.webhook_hint}, plan=_plan_of(channel),
    )  # fmt: skip
    channel.delete()


@transaction.atomic
def channel_pause(*, channel: Channel, by, reason: str = "") -> Channel:
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if channel.paused_at is None:
        channel.paused_at = timezone.now()
        channel.pause_reason = (reason or _("专班办公室暂停"))[:300]
        channel.save(update_fields=["paused_at", "pause_reason", "updated_at"])
        audit_log(
            actor=by, action="channel.pause", target=channel, changes={"reason": channel.pause_reason},
            plan=_plan_of(channel),
        )  # fmt: skip
    return channel


@transaction.atomic
def channel_resume(*, channel: Channel, by) -> Channel:
    """Sending starts again with the next notice; notices held while paused stay listed
    and are resent one by one if still wanted."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if channel.paused_at is not None:
        channel.paused_at, channel.pause_reason, channel.consecutive_failures = None, "", 0
        channel.save(update_fields=["paused_at", "pause_reason", "consecutive_failures", "updated_at"])
        audit_log(actor=by, action="channel.resume", target=channel, plan=_plan_of(channel))
    return channel


def channels_rotate_secrets() -> int:
    """Re-encrypt every channel with the first key of CHANNEL_SECRET_KEYS; returns how
    many were re-encrypted (a channel no key opens is left for the office to re-enter)."""
    done = 0
    for channel in Channel.objects.order_by("pk"):
        try:
            webhook, secret = (
                crypto.rotate(channel.webhook_encrypted),
                crypto.rotate(channel.secret_encrypted),
            )
        except crypto.SecretUnavailable:
            continue
        Channel.objects.filter(pk=channel.pk).update(webhook_encrypted=webhook, secret_encrypted=secret)
        done += 1
    return done
