"""The channel interface: a robot is a class with `send(message) -> Outcome`.

Callers (the delivery service) only build a `Message` and call `send`; each kind knows
its own wire format, its signature and which answers are worth retrying. An SMS
gateway would be one more class here (`send` posting to the gateway's API, its own
errors sorted into retry / give up), one more `ChannelKind` and one entry in `ROBOTS`:
nothing that raises notices changes.

Answers (looked up in the robots' documentation and their users' reports):

| robot | errcode | meaning | what we do |
|---|---|---|---|
| 钉钉 | 0 | sent | done |
| 钉钉 | 130101 | more than 20 messages a minute: throttled for 10 minutes | retry, not before 10 minutes |
| 钉钉 | -1 | system busy | retry with backoff |
| 钉钉 | 310000 | keyword missing, signature wrong or expired, IP not allowed | give up (fix the settings) |
| 钉钉 | 300001 | access_token does not exist | give up |
| 企业微信 | 0 | sent | done |
| 企业微信 | 45009, 45033 | over the rate / concurrency limit (20 a minute) | retry, not before a minute |
| 企业微信 | -1 | system busy | retry with backoff |
| 企业微信 | 93000 | invalid webhook key | give up |
| 企业微信 | 93004, 93008 | robot disabled / not in the group | give up |
| both | HTTP 5xx, 429, network error, timeout | | retry with backoff |
| both | other HTTP 4xx, 3xx, any other errcode, an internal address | | give up |
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import httpcore
from django.utils.translation import gettext as _

from . import crypto
from .models import ChannelKind
from .webhooks import BlockedAddress, post_json

# Room left for the title, the link and the mentions within the robots' limits
# (企业微信 markdown: 4,096 bytes).
BODY_MAX_BYTES = 3000


@dataclass
class Message:
    title: str
    body: str = ""  # plain text; markdown characters are neutralised when formatted
    url: str = ""  # absolute link back to the page, or ""
    mobiles: list[str] = field(default_factory=list)  # @ these phone numbers


@dataclass
class Outcome:
    ok: bool
    retry: bool = False
    rate_limited: bool = False
    error: str = ""
    errcode: int | None = None
    retry_after: int = 0  # seconds at least, for a rate limit

    @classmethod
    def sent(cls, errcode=0):
        return cls(ok=True, errcode=errcode)


def plain(text: str) -> str:
    """User text inside markdown: no links, images, HTML, headings, quotes or emphasis
    of its own (the robots render all of them)."""
    table = str.maketrans(
        {"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀", "#": "＃", "|": "｜"}
    )
    return (text or "").translate(table)


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def markdown(message: Message, *, keyword: str = "") -> str:
    lines = [f"#### {plain(message.title)}"]
    body = _truncate(plain(message.body).strip(), BODY_MAX_BYTES)
    if body:
        lines += ["", *[line + "  " if line else "" for line in body.splitlines()]]
    if message.url:
        lines += ["", f"[{_('查看详情')}]({message.url})"]
    else:
        lines += ["", _("请登录系统查看。")]
    if message.mobiles:
        lines += ["", " ".join(f"@{m}" for m in message.mobiles)]
    if keyword and keyword not in "\n".join(lines):
        lines += ["", plain(keyword)]
    return "\n".join(lines)


class Robot:
    """One channel kind. Subclasses implement `send`."""

    kind = ""

    def send(self, message: Message) -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError


class WebhookRobot(Robot):
    """A group robot reached by POSTing JSON to its webhook, answering {errcode, errmsg}."""

    RETRY_CODES: frozenset = frozenset({-1})
    RATE_LIMIT_CODES: frozenset = frozenset()
    RATE_LIMIT_SECONDS = 60

    def __init__(self, *, webhook: str):
        self.webhook = webhook

    def target(self) -> str:
        return self.webhook

    def payload(self, message: Message) -> dict:  # pragma: no cover - interface
        raise NotImplementedError

    def send(self, message: Message) -> Outcome:
        try:
            answer = post_json(self.target(), self.payload(message))
        except BlockedAddress as exc:
            return Outcome(
                ok=False, error=_("Webhook 主机解析为内网或本机地址（%(a)s），已拒绝发送。") % {"a": exc}
            )
        except httpcore.TimeoutException:
            return Outcome(ok=False, retry=True, error=_("连接超时"))
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            return Outcome(
                ok=False, retry=True, error=_("网络错误：%(e)s") % {"e": str(exc)[:200] or type(exc).__name__}
            )
        except httpcore.UnsupportedProtocol as exc:
            return Outcome(ok=False, error=str(exc)[:200])
        return self.read(answer)

    def read(self, answer) -> Outcome:
        data = answer.json()
        detail = (data or {}).get("errmsg") or answer.body[:200].decode("utf-8", errors="replace")
        if answer.status == 429 or answer.status >= 500:
            return Outcome(ok=False, retry=True, error=f"HTTP {answer.status} {detail}".strip(),
                           rate_limited=answer.status == 429, retry_after=self.RATE_LIMIT_SECONDS if answer.status == 429 else 0)  # fmt: skip
        if answer.status != 200 or data is None or not isinstance(data.get("errcode"), int):
            return Outcome(ok=False, error=f"HTTP {answer.status} {detail}".strip())
        code = data["errcode"]
        if code == 0:
            return Outcome.sent()
        error = f"errcode {code}: {str(detail)[:300]}"
        if code in self.RATE_LIMIT_CODES:
            return Outcome(ok=False, retry=True, rate_limited=True, error=error, errcode=code,
                           retry_after=self.RATE_LIMIT_SECONDS)  # fmt: skip
        return Outcome(ok=False, retry=code in self.RETRY_CODES, error=error, errcode=code)


class DingTalkRobot(WebhookRobot):
    """钉钉自定义机器人: markdown; signed with timestamp + HMAC-SHA256 when a secret is
    set (安全设置“加签”), the keyword added when one is set (“自定义关键词”)."""

    kind = ChannelKind.DINGTALK
    name = "钉钉群机器人"
    OFFICIAL_HOST = "oapi.dingtalk.com"
    TOKEN_PARAM = "access_token"
    RATE_LIMIT_CODES = frozenset({130101})
    RATE_LIMIT_SECONDS = 600

    def __init__(self, *, webhook: str, secret: str = "", keyword: str = ""):
        super().__init__(webhook=webhook)
        self.secret, self.keyword = secret, keyword

    @staticmethod
    def sign(secret: str, timestamp_ms: int) -> str:
        digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def target(self) -> str:
        if not self.secret:
            return self.webhook
        timestamp = int(time.time() * 1000)
        joiner = "&" if "?" in self.webhook else "?"
        return f"{self.webhook}{joiner}timestamp={timestamp}&sign={quote_plus(self.sign(self.secret, timestamp))}"

    def payload(self, message: Message) -> dict:
        title = (
            message.title
            if not self.keyword or self.keyword in message.title
            else f"{self.keyword} {message.title}"
        )
        return {
            "msgtype": "markdown",
            "markdown": {"title": title[:100], "text": markdown(message, keyword=self.keyword)},
            "at": {"atMobiles": list(message.mobiles), "isAtAll": False},
        }


class WeComRobot(WebhookRobot):
    """企业微信群机器人: markdown. Its markdown cannot @ by phone number, so a message that
    mentions someone goes as text (the link as a plain address) with mentioned_mobile_list."""

    kind = ChannelKind.WECOM
    name = "企业微信群机器人"
    OFFICIAL_HOST = "qyapi.weixin.qq.com"
    TOKEN_PARAM = "key"
    RATE_LIMIT_CODES = frozenset({45009, 45033})

    def payload(self, message: Message) -> dict:
        if message.mobiles:
            text = "\n\n".join(
                part
                for part in (message.title, _truncate(message.body.strip(), BODY_MAX_BYTES), message.url)
                if part
            )
            return {
                "msgtype": "text",
                "text": {"content": text, "mentioned_mobile_list": list(message.mobiles)},
            }
        return {"msgtype": "markdown", "markdown": {"content": markdown(message)}}


ROBOTS: dict[str, type[WebhookRobot]] = {ChannelKind.DINGTALK: DingTalkRobot, ChannelKind.WECOM: WeComRobot}


def robot_for(channel) -> Robot:
    """The sender of a channel, its webhook and secret decrypted (crypto.SecretUnavailable
    when they cannot be)."""
    cls = ROBOTS[channel.kind]
    kwargs = {"webhook": crypto.decrypt(channel.webhook_encrypted)}
    if cls is DingTalkRobot:
        kwargs.update(secret=crypto.decrypt(channel.secret_encrypted), keyword=channel.keyword)
    return cls(**kwargs)
