from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.services import DONE_FIELD_CHOICES

from .models import ProgressReport, ProjectStage
from .services import REVIEW_COMMENT_MAX_LENGTH


class ReportForm(forms.Form):
    """The fields an agency writes; the services do the real validation."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=_("推进状态"), choices=[("", "—")] + list(ProgressReport.Status.choices), required=False
    )
    percent = forms.CharField(
        label=_("完成进度（%）"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0–100", "size": 8}),
    )
    progress_text = forms.CharField(
        label=_("进展情况"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_steps = forms.CharField(
        label=_("下步计划"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    PROJECT_FIELDS = ("stage", "investment_quarter", "capacity_operating", "problems", "evidence")

    def __init__(self, *args, indicators=(), is_input=False, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.projects = list(projects)
        for project in self.projects:
            # The quarter of each project the agency answers for, written with the report.
            prefix = f"proj_{project.pk}_"
            self.fields[prefix + "stage"] = forms.ChoiceField(
                label=_("项目阶段"), required=False, choices=[("", "—")] + list(ProjectStage.choices)
            )
            self.fields[prefix + "investment_quarter"] = forms.CharField(
                label=_("本季度完成投资（万元）"), required=False, max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
            )  # fmt: skip
            self.fields[prefix + "capacity_operating"] = forms.CharField(
                label=_("已投产规模"), required=False, max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
            )  # fmt: skip
            self.fields[prefix + "problems"] = forms.CharField(
                label=_("存在问题"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[prefix + "evidence"] = forms.CharField(
                label=_("佐证说明"), required=False, max_length=2000
            )
            project.form_fields = [self[prefix + name] for name in self.PROJECT_FIELDS]
        # A supporter's input to its lead carries its progress alone.
        self.is_input = is_input
        if is_input:
            del self.fields["status"]
            del self.fields["percent"]
        for indicator in self.indicators:
            if indicator.descriptive:
                # A target in words is done or not: no number to type.
                self.fields[f"ind_{indicator.pk}"] = forms.ChoiceField(
                    label=indicator.name, required=False, choices=DONE_FIELD_CHOICES
                )
            else:
                self.fields[f"ind_{indicator.pk}"] = forms.CharField(
                    label=indicator.name,
                    required=False,
                    max_length=32,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
                )
            indicator.field_name = f"ind_{indicator.pk}"

    def report_data(self):
        return {
            name: self.cleaned_data.get(name, "")
            for name in ("status", "percent", "progress_text", "problems", "next_steps")
            if name in self.fields
        }

    def indicator_data(self):
        return {str(i.pk): self.cleaned_data.get(f"ind_{i.pk}", "") for i in self.indicators}

    def project_data(self) -> list[dict]:
        """One update per project with anything filled in; a blank stage keeps the project's."""
        updates = []
        for project in self.projects:
            values = {
                name: self.cleaned_data.get(f"proj_{project.pk}_{name}", "") for name in self.PROJECT_FIELDS
            }
            if not any(values.values()):
                continue
            if not values["stage"]:
                del values["stage"]
            updates.append({"project": project.pk, **values})
        return updates


# The reasons the office most often gives for returning a report, offered beside free text.
RETURN_REASONS = [
    ("brief", _("进展描述过于简略")),
    ("evidence", _("缺少佐证材料")),
    ("mismatch", _("指标数值与佐证不符")),
    ("problems", _("未说明存在问题")),
    ("next_steps", _("下步计划不具体")),
]


class ReturnForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("常见退回原因"), choices=RETURN_REASONS, required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("退回意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        required=False,
    )


def return_comment(data) -> str:
    """The return comment a form sent: the chosen customary reasons (unknown ones
    ignored), then the free text. The service refuses it empty or too long."""
    labels = dict(RETURN_REASONS)
    chosen = [str(labels[key]) for key, _label in RETURN_REASONS if key in data.getlist("reasons")]
    text = (data.get("comment") or "").strip()
    return "\n".join(part for part in ("；".join(chosen), text) if part)


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见（可选）"), required=False, max_length=REVIEW_COMMENT_MAX_LENGTH
    )


class PeriodDatesForm(forms.Form):
    opens_on = forms.DateField(
        label=_("填报开始"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    deadline = forms.DateField(
        label=_("报送截止"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ReopenForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("单位"), queryset=None)
    until = forms.DateField(
        label=_("补报截止"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=255)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class UploadForm(forms.Form):
    file = forms.FileField(label=_("填好的Excel文件（.xlsx）"))
