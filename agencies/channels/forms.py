from django import forms
from django.utils.translation import gettext_lazy as _

from . import events
from .models import ChannelKind


class ChannelForm(forms.Form):
    """Add or change a channel. On a change, a blank webhook or secret keeps the stored one."""

    kind = forms.ChoiceField(label=_("类型"), choices=ChannelKind.choices)
    name = forms.CharField(
        label=_("名称"), max_length=60, required=False, help_text=_("如“县碳达峰工作群”。")
    )
    webhook = forms.CharField(
        label=_("Webhook 地址"), max_length=1000, widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("在群设置 → 机器人 → 添加自定义机器人后复制的地址。"),
    )  # fmt: skip
    secret = forms.CharField(
        label=_("加签密钥（钉钉）"), max_length=200, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("钉钉机器人安全设置选“加签”时，复制以 SEC 开头的密钥。"),
    )  # fmt: skip
    keyword = forms.CharField(
        label=_("自定义关键词（钉钉）"), max_length=20, required=False,
        help_text=_("安全设置选“自定义关键词”时填写其中一个关键词。"),
    )  # fmt: skip
    events = forms.MultipleChoiceField(
        label=_("发送的通知"), required=False, widget=forms.CheckboxSelectMultiple, choices=events.choices
    )
    mention_contacts = forms.BooleanField(
        label=_("@单位联系人"), required=False,
        help_text=_("通知涉及某个单位时，按该单位联系人手机号 @ 对方；默认不 @ 任何人。"),
    )  # fmt: skip

    def __init__(self, *args, channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is not None:
            self.fields["kind"].disabled = True
            self.fields["webhook"].required = False
            self.fields["webhook"].help_text = _("当前：%(hint)s。留空则不修改。") % {
                "hint": channel.webhook_hint
            }
            if channel.secret_hint:
                self.fields["secret"].help_text = _("当前：%(hint)s。留空则不修改。") % {
                    "hint": channel.secret_hint
                }
                self.fields["clear_secret"] = forms.BooleanField(label=_("删除加签密钥"), required=False)
