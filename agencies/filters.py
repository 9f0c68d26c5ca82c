"""Filters for the audit-trail browser."""

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from carbonplan.access import Viewer
from plans.models import Plan

from .models import Agency, AuditEntry

# Chinese names for the actions services record; an unknown code is shown as it is.
ACTION_LABELS = {
    "plan.create": _("新建方案"),
    "plan.revise": _("修订方案"),
    "plan.import": _("导入方案"),
    "period.create": _("新建填报期"),
    "period.dates": _("调整填报期"),
    "period.close": _("关闭填报期"),
    "period.open": _("开放填报期"),
    "period.reopen_agency": _("为单位重新开放填报"),
    "report.create": _("新建进展填报"),
    "report.save": _("保存进展填报"),
    "report.submit": _("提交进展填报"),
    "report.withdraw": _("撤回进展填报"),
    "report.approve": _("审核通过"),
    "report.return": _("退回修改"),
    "report.evidence_add": _("上传佐证材料"),
    "report.evidence_remove": _("删除佐证材料"),
    "indicator_value.save": _("填报指标值"),
    "warning_rule.update": _("修改预警规则"),
    "bulletin.request": _("生成督查通报"),
    "agency.create": _("新建单位"),
    "agency.alias": _("添加单位别名"),
    "role.grant": _("授予角色"),
    "plan.schedule": _("设置填报安排"),
    "period.delete": _("删除填报期"),
    "account.create": _("创建单位账号"),
    "account.password": _("修改初始密码"),
    "account.password_reset": _("重置账号密码"),
    "account.deactivate": _("停用账号"),
    "account.activate": _("启用账号"),
    "plan_import.as_revision": _("改为导入修订版"),
    "chase.send": _("发送催办"),
    "reminder.remind": _("自动提醒"),
    "reminder.urge": _("自动催办"),
    "reminder.escalate": _("自动通报"),
}

# Records that belong to one agency, by the model field that names it.
AGENCY_TARGETS = {
    "tasks.progressreport": "agency",
    "reports.chase": "agency",
    "reports.reminderlog": "agency",
}


def action_label(code):
    return ACTION_LABELS.get(code, code)


class DateInput(forms.DateInput):
    input_type = "date"


class AuditEntryFilter(django_filters.FilterSet):
    """Choices are limited to what the user may see: the plans they are office of, the
    people and actions that appear in their part of the trail."""

    plan = django_filters.ModelChoiceFilter(
        label=_("方案"), queryset=Plan.objects.none(), empty_label=_("全部方案")
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("单位"), queryset=Agency.objects.none(), empty_label=_("全部单位"), method="filter_agency"
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("操作人"), queryset=get_user_model().objects.none(), empty_label=_("全部人员")
    )
    action = django_filters.ChoiceFilter(label=_("操作"), choices=[], empty_label=_("全部操作"))
    date = django_filters.DateFromToRangeFilter(
        field_name="at",
        label=_("日期"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["plan", "agency", "actor", "action", "date"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        viewer = Viewer.of(request.user)
        self.filters["plan"].queryset = viewer.filter_office_plans(Plan.objects.all()).order_by("title")
        self.filters["agency"].queryset = (
            Agency.objects.filter(
                assignments__task__action__plan__in=self.filters["plan"].queryset.values("pk")
            )
            .distinct()
            .order_by("name")
        )
        self.filters["actor"].queryset = (
            get_user_model().objects.filter(pk__in=queryset.values("actor_id")).order_by("username")
        )
        codes = queryset.order_by().values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = sorted(
            ((c, action_label(c)) for c in codes), key=lambda c: c[0]
        )

    def filter_agency(self, queryset, name, agency):
        """What the agency's staff did, and what was done to its reports, chases and reminders."""
        if not agency:
            return queryset
        q = Q(actor__carbon_roles__agency=agency)
        for label, field in AGENCY_TARGETS.items():
            ids = (
                apps.get_model(label)
                .objects.filter(**{field: agency})
                .annotate(key=Cast("pk", CharField()))
                .values("key")
            )
            q |= Q(target_type=label, target_id__in=ids)
        return queryset.filter(q).distinct()
