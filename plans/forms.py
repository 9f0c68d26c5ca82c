from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carbonplan.access import Viewer, import_regions_for, visible_plans

from .importing import UPLOAD_SUFFIXES, suffix_of


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("方案文件"),
        widget=forms.FileInput(attrs={"accept": ".txt,.docx,.xlsx"}),
        help_text=_("方案正文 .txt（UTF-8 或 GB18030）或 .docx，或任务分解表 .xlsx"),
    )
    region = forms.ModelChoiceField(
        label=_("所属地区"), queryset=None, required=False, empty_label=_("按文件中的地区自动识别")
    )
    replaces = forms.ModelChoiceField(
        label=_("修订的方案"), queryset=None, required=False, empty_label=_("（新方案）"),
        help_text=_("上传已有方案的修订版时选择；未变化任务的进展记录将保留。"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = import_regions_for(user).order_by("level", "name")
        self.fields["replaces"].queryset = (
            visible_plans(user).select_related("region").order_by("region__name", "title")
        )
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PLAN_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)d KB），上限为 %(limit)d KB。"),
                params={"size": upload.size // 1024, "limit": settings.PLAN_UPLOAD_MAX_BYTES // 1024},
            )
        if suffix_of(upload.name) not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("请上传 .txt 或 .docx 格式的方案文件，或 .xlsx 格式的任务分解表。"))
        return upload

    def clean_replaces(self):
        plan = self.cleaned_data.get("replaces")
        if plan is not None and not Viewer.of(self.user).is_office_of(plan):
            raise forms.ValidationError(_("只有该方案的专班办公室可以上传修订版。"))
        return plan


class RegionForm(forms.Form):
    region = forms.ModelChoiceField(label=_("所属地区"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = import_regions_for(user).order_by("level", "name")


class CommitForm(forms.Form):
    """One choice per agency the region does not know but probably has under another
    name: record the document's name as an alias of it, or create a new agency."""

    def __init__(self, *args, matching: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = {}
        for index, (name, info) in enumerate(sorted(matching.items())):
            if info["status"] != "unknown" or not info["suggestions"]:
                continue
            field = f"alias-{index}"
            self.names[field] = (name, {str(a.pk): a for a in info["suggestions"]})
            self.fields[field] = forms.ChoiceField(
                label=name,
                required=False,
                initial=str(info["suggestions"][0].pk),
                choices=[
                    (str(a.pk), _("即“%(name)s”（记为别名）") % {"name": a.name}) for a in info["suggestions"]
                ]
                + [("", _("新建单位“%(name)s”") % {"name": name})],
            )

    def aliases(self) -> dict:
        result = {}
        for field, (name, agencies) in self.names.items():
            choice = self.cleaned_data.get(field)
            if choice:
                result[name] = agencies[choice]
        return result
