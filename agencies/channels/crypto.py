"""Webhooks and signing secrets at rest: encrypted with Fernet (`cryptography`).

Keys come from CHANNEL_SECRET_KEYS, newest first; every listed key can decrypt and the
first encrypts (MultiFernet), so a key is rotated by putting a new one in front,
running `manage.py rotate_channel_secrets` (re-encrypts every channel with it), then
dropping the old one. Without the setting a development site (DEBUG) derives a key
from SECRET_KEY; a production site refuses to store a channel and says why, and a
channel whose secret no listed key can open fails its deliveries with that error,
unsent, until the office enters the webhook again.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _


class SecretUnavailable(Exception):
    """No key is configured, or none of them opens the stored value."""


def _box() -> MultiFernet:
    keys = [k for k in getattr(settings, "CHANNEL_SECRET_KEYS", []) if k]
    if not keys:
        raise SecretUnavailable(_("服务器未配置 CHANNEL_SECRET_KEYS，无法保存或读取群机器人的地址和密钥。"))
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("CHANNEL_SECRET_KEYS holds a value that is not a Fernet key") from exc


def encrypt(value: str) -> str:
    return _box().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnavailable(
            _(
                "已配置的密钥无法解密该群机器人的地址或密钥（密钥已更换？），请重新填写 Webhook 地址和加签密钥。"
            )
        ) from exc


def rotate(token: str) -> str:
    """The value encrypted again with the first key (it must open with one of them)."""
    if not token:
        return ""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnavailable(str(exc) or "undecryptable") from exc


def hint(value: str, *, head: int = 3, tail: int = 4) -> str:
    """What may be shown of a secret: SEC…abcd. Short values show only their end."""
    value = value or ""
    if len(value) <= head + tail + 4:
        return "…" + value[-2:] if value else ""
    return f"{value[:head]}…{value[-tail:]}"
