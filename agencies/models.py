from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.figure_sources import FigureRule, FigureSource


class Agency(FigureSource):
    """单位: an agency of a region (县发改局 = 县发展和改革局)."""

    # Its name is in the reasons of the lights of the tasks it carries,
    # and in the projects behind schedule it answers for.
    figure_rule = FigureRule(
        plan="assignments__task__action__plan", fields=("name",), also=("key_projects__task__action__plan",)
    )

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("政府部门")
        TOWNSHIP = "township", _("乡镇（街道）")
        ENTERPRISE = "enterprise", _("企业")
        PARK = "park", _("园区")
        OTHER = "other", _("其他")

    region = models.ForeignKey(
        "plans.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="agencies"
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("文件中使用的名称，如“县发改局”。"))
    full_name = models.CharField(_("全称"), max_length=150, blank=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.GOVERNMENT)
    is_active = models.BooleanField(_("启用"), default=True)
    # Only used to @ the agency's contact in a group robot's message, where the office
    # turned that on for a channel.
    contact_phone = models.CharField(
        _("联系人手机号"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^1[3-9]\d{9}$", _("请输入 11 位手机号。"))],
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="agency_unique_name_in_region"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) for a in self.aliases):
            raise ValidationError({"aliases": _("别名应为名称列表。")})
        if self.region_id and self.name:
            clash = Agency.objects.filter(region_id=self.region_id, name=self.name).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"name": _("该地区已有同名单位。")})

    @property
    def display_name(self):
        return self.short_name or self.name


class RoleKind(models.TextChoices):
    STAFF = "staff", _("填报人")
    OFFICE = "office", _("专班办公室")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class Role(models.Model):
    """What a person does in carbonplan.

    staff: 填报人 of an agency; office: 专班办公室 of a plan or of a region (all its
    plans and those below it); leader: read-only over a plan or region; admin: everything.
    """

    Kind = RoleKind

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="carbon_roles",
    )
    kind = models.CharField(_("角色"), max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("方案"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )
    region = models.ForeignKey(
        "plans.Region",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RoleKind.values), name="role_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=RoleKind.STAFF) | Q(agency__isnull=False), name="role_staff_has_agency"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[RoleKind.OFFICE, RoleKind.LEADER])
                | Q(plan__isnull=False)
                | Q(region__isnull=False),
                name="role_office_leader_has_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "agency", "plan", "region"], name="role_unique", nulls_distinct=False
            ),
        ]

    def __str__(self):
        scope = self.agency or self.plan or self.region or ""
        return f"{self.user} · {self.get_kind_display()} · {scope}"

    def clean(self):
        if self.kind == self.Kind.STAFF and not self.agency_id:
            raise ValidationError({"agency": _("填报人必须属于一个单位。")})
        if self.kind in (self.Kind.OFFICE, self.Kind.LEADER) and not (self.plan_id or self.region_id):
            raise ValidationError(_("专班办公室和领导角色须指定方案或地区。"))


class PasswordChangeRequired(models.Model):
    """The user still holds a one-time password the office handed out: it opens only
    the first-login page (and no API token) until the user chooses a password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_change_required",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待修改初始密码")
        verbose_name_plural = _("待修改初始密码")

    def __str__(self):
        return str(self.user)


class Notification(models.Model):
    """In-app notice: a report returned or approved, a submission for the office, a reminder."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class AuditEntry(models.Model):
    """Who changed what, when: written in the same transaction as the change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("操作"), max_length=64)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象编号"), max_length=64)
    target_repr = models.CharField(_("对象"), max_length=255)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["plan", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"


# 群机器人 channels live in their own module; imported here so Django loads them with
# the app's models.
from .channels.models import Channel, Delivery  # noqa: E402, F401
