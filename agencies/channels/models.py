"""Channel (one group robot of a plan or a region) and Delivery (one notice sent, or
to be sent, to one channel). Loaded with the agencies app's models."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


class Channel(models.Model):
    """A group robot the office of a plan (or of a region, for every plan below it)
    posts its notices to. The webhook and the signing secret are stored encrypted
    (`crypto.py`); only their masked hints are ever shown."""

    Kind = ChannelKind

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="channels",
    )  # fmt: skip
    region = models.ForeignKey(
        "plans.Region", verbose_name=_("地区"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="channels",
    )  # fmt: skip
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60, blank=True, help_text=_("如“县碳达峰工作群”。"))
    webhook_encrypted = models.TextField(editable=False)
    webhook_hint = models.CharField(_("Webhook 地址"), max_length=200, editable=False)
    webhook_host = models.CharField(_("主机"), max_length=255, editable=False)
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_hint = models.CharField(_("加签密钥"), max_length=20, blank=True, editable=False)
    keyword = models.CharField(
        _("自定义关键词"), max_length=20, blank=True,
        help_text=_("钉钉机器人的安全设置为“自定义关键词”时填写，消息会带上它。"),
    )  # fmt: skip
    events = models.JSONField(_("发送的通知"), default=list, blank=True)
    mention_contacts = models.BooleanField(
        _("@单位联系人"), default=False,
        help_text=_("通知涉及某个单位时，按该单位联系人手机号 @ 对方；默认不 @ 任何人。"),
    )  # fmt: skip
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
            models.CheckConstraint(
                condition=Q(plan__isnull=False, region__isnull=True)
                | Q(plan__isnull=True, region__isnull=False),
                name="channel_plan_or_region",
            ),
        ]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} {self.webhook_host}"

    def clean(self):
        if bool(self.plan_id) == bool(self.region_id):
            raise ValidationError(_("群机器人须属于一个方案或一个地区。"))
        if self.kind == ChannelKind.WECOM and (self.secret_encrypted or self.keyword):
            raise ValidationError(_("企业微信群机器人没有加签密钥和关键词，只需 Webhook 地址。"))

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def owner(self):
        """The plan or region whose office configures the channel."""
        return self.plan or self.region


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    RETRYING = "retrying", _("等待重试")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")
    HELD = "held", _("渠道暂停，未发送")


class Delivery(models.Model):
    """One notice for one channel: written with the notice (same transaction), then
    attempted by a job. `event_key` is unique per channel, so a notice raised twice or
    a job run twice never posts twice."""

    Status = DeliveryStatus

    channel = models.ForeignKey(
        Channel, verbose_name=_("群机器人"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_key = models.CharField(_("事件"), max_length=120)
    event_kind = models.CharField(_("通知类型"), max_length=40)
    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    errcode = models.IntegerField(_("错误码"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "event_key"], name="delivery_once_per_channel_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["channel", "created_at"]),
        ]

    def __str__(self):
        return f"{self.channel} · {self.title}"
