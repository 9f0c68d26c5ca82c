"""Webhook addresses: what may be stored, and where the server may connect.

A webhook is typed by the office, so it is hostile: it must not turn the server into a
client of its own network (SSRF). Two guards:

* when stored: http(s) only, no user:password@, the robot's token parameter present,
  https unless the host is an allow-listed address, and a host that is an internal
  address or a local name is refused (a host other than the robot's public one is
  allowed with a warning: private 政务钉钉 / 企业微信 deployments have their own);
* when sending: the host name is resolved once, every address it resolves to must be
  public (or inside CHANNEL_WEBHOOK_ALLOWED_NETWORKS), and the connection is made to
  that checked address (so a name that re-resolves to 127.0.0.1 later cannot slip
  through). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpcore
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 1000
MAX_ANSWER_BYTES = 64 * 1024
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".localdomain", ".internal", ".lan", ".home.arpa")


class BlockedAddress(Exception):
    """The webhook's host is (or resolves to) an address the server must not reach."""


def allowed_networks():
    networks = []
    for item in getattr(settings, "CHANNEL_WEBHOOK_ALLOWED_NETWORKS", []):
        networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return networks


def address_allowed(address) -> bool:
    address = ipaddress.ip_address(address)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass
class CheckedWebhook:
    url: str
    host: str
    warnings: list[str] = field(default_factory=list)


def check_webhook(url: str, *, official_host: str, token_param: str, robot_name: str) -> CheckedWebhook:
    """The webhook as it will be stored, or a ValidationError saying what is wrong."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("请填写 Webhook 地址。"))
    if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise ValidationError(_("Webhook 地址格式不正确。"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(_("Webhook 地址格式不正确。"))
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError(_("Webhook 地址须以 https:// 开头。"))
    if parts.username or parts.password:
        raise ValidationError(_("Webhook 地址不能包含用户名或密码。"))
    literal = _ip_literal(host)
    if literal is not None and not address_allowed(literal):
        raise ValidationError(_("Webhook 地址不能指向内网或本机地址（%(host)s）。") % {"host": host})
    if literal is None and (host.endswith(LOCAL_NAMES) or "." not in host):
        raise ValidationError(_("Webhook 地址不能指向内网或本机地址（%(host)s）。") % {"host": host})
    if parts.scheme == "http" and not (literal is not None and any(literal in n for n in allowed_networks())):
        raise ValidationError(_("Webhook 地址须使用 https://（明文 http 会泄露机器人的令牌）。"))
    token = parse_qs(parts.query).get(token_param, [""])[0].strip()
    if not token:
        raise ValidationError(
            _("这不像%(robot)s的 Webhook 地址：缺少 %(param)s 参数。")
            % {"robot": robot_name, "param": token_param}
        )
    if port is not None and not 0 < port < 65536:
        raise ValidationError(_("Webhook 地址格式不正确。"))
    checked = CheckedWebhook(url=parts._replace(fragment="").geturl(), host=host)
    if host != official_host:
        checked.warnings.append(
            _("%(host)s 不是%(robot)s的公共地址 %(official)s：如果是本单位的专有部署，请确认地址无误。")
            % {"host": host, "robot": robot_name, "official": official_host}
        )
    return checked


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses `address_allowed` accepts, and to the address it
    checked rather than to the name again."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"DNS: {exc}") from exc
        addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
        blocked = [a for a in addresses if not address_allowed(a)]
        if blocked or not addresses:
            raise BlockedAddress(", ".join(blocked) or host)
        error = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> dict | None:
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None


def post_json(url: str, payload: dict, *, timeout: float | None = None) -> Answer:
    """POST the payload as JSON; raises httpcore's network and timeout errors, and
    BlockedAddress. The answer is read up to 64 KB."""
    timeout = timeout if timeout is not None else settings.CHANNEL_TIMEOUT_SECONDS
    content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"Content-Type", b"application/json; charset=utf-8"),
        (b"User-Agent", b"carbonplan"),
    ]
    limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    with httpcore.ConnectionPool(network_backend=GuardedBackend(), retries=0, max_connections=1) as pool:
        with pool.stream("POST", url, headers=headers, content=content, extensions={"timeout": limits}) as r:
            body = b""
            for chunk in r.iter_stream():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    break
            return Answer(status=r.status, body=body)
