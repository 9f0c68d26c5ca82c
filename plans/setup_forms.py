"""Forms of the pages that get a newly imported plan running."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.accounts import Invitation
from tasks.periods import DEADLINE_DAYS, WINDOW_DAYS

from .models import ReviewMode

QUARTER_CHOICES = [(1, _("一季度")), (2, _("二季度")), (3, _("三季度")), (4, _("四季度"))]


class ScheduleForm(forms.Form):
    first_period = forms.CharField(label=_("第一个季度"), max_length=8, help_text=_("如 2026Q1"))
    last_period = forms.CharField(label=_("最后一个季度"), max_length=8, help_text=_("如 2030Q4"))
    deadline_days = forms.IntegerField(
        label=_("季后报送天数"),
        min_value=0,
        max_value=90,
        initial=DEADLINE_DAYS,
        help_text=_("季度结束后第几日截止：“季后10日”填 10。"),
    )
    window_days = forms.IntegerField(
        label=_("填报窗口天数"),
        min_value=1,
        max_value=120,
        initial=WINDOW_DAYS,
        help_text=_("截止日前多少天开始填报。"),
    )
    indicator_quarters = forms.TypedMultipleChoiceField(
        label=_("需报指标值的季度"),
        choices=QUARTER_CHOICES,
        coerce=int,
        required=False,
        initial=[2, 4],
        widget=forms.CheckboxSelectMultiple,
    )


class ReviewModeForm(forms.Form):
    review_mode = forms.ChoiceField(
        label=_("审核方式"),
        choices=ReviewMode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "牵头单位汇总：配合单位只向牵头单位报送材料（不填完成进度），牵头单位汇总后提交，"
            "专班办公室只审核牵头单位的报告。专班办公室审核每个单位：每个单位都填写完成进度并由专班办公室逐一审核。"
        ),
    )


class AccountsForm(forms.Form):
    """Create the missing agency accounts; optionally invite named staff, one per line
    as “姓名，单位”."""

    invitations = forms.CharField(
        label=_("邀请填报人（可选）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("张三，县发改局")}),
        help_text=_("每行一人：姓名，单位（单位名称或简称）。不填则每个单位建一个账号。"),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)

    def _agency(self, name):
        for agency in self.agencies:
            if name in (agency.name, agency.short_name, agency.full_name) or name in (agency.aliases or []):
                return agency
        return None

    def clean_invitations(self):
        result, errors = [], []
        for number, line in enumerate(self.cleaned_data["invitations"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",", 1)]
            if len(parts) != 2 or not parts[0] or not parts[1]:
                errors.append(_("第 %(n)d 行应写作“姓名，单位”。") % {"n": number})
                continue
            agency = self._agency(parts[1])
            if agency is None:
                errors.append(
                    _("第 %(n)d 行：“%(name)s”不是承担该方案任务的单位。") % {"n": number, "name": parts[1]}
                )
                continue
            result.append(Invitation(agency=agency, name=parts[0][:150]))
        if errors:
            raise forms.ValidationError(errors)
        return result
