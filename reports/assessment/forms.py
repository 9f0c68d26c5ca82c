"""Forms of the assessment pages: they parse and check what a person typed; the rules
are the services'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    SCHEME_RULE_FIELDS,
    SCORED_POINTS,
    YEAR_RANGE,
    AdjustmentKind,
    AssessmentNotice,
    AssessmentScheme,
    Component,
)

SCORED_CHOICES = [(code.value, code.label) for code in SCORED_POINTS]


class SchemeForm(forms.ModelForm):
    class Meta:
        model = AssessmentScheme
        fields = list(SCHEME_RULE_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}

    def clean(self):
        data = super().clean()
        maxima = [data.get(name) for name in SCORED_POINTS.values()]
        if all(value is not None for value in maxima) and sum(maxima) != Decimal(100):
            self.add_error(
                None,
                _("按时报送、任务完成、报送质量、指标进度、牵头汇总五项分值合计应为100分，现为%(total)s分。")
                % {"total": f"{sum(maxima).normalize():f}"},
            )
        bands = [data.get(name) for name in ("fair_min", "good_min", "excellent_min")]
        if all(value is not None for value in bands) and not bands[0] <= bands[1] <= bands[2]:
            self.add_error("good_min", _("等次分数线应为：一般 ≤ 良好 ≤ 优秀。"))
        return data

    def _post_clean(self):
        # The model's own checks run in the service, on the version it writes.
        pass


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("考核年度"), min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])


class WindowForm(forms.Form):
    opens_on = forms.DateField(label=_("公示（申诉）开始"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("申诉截止"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("申诉截止日期不能早于开始日期。"))
        if closes and opens and closes - opens > dt.timedelta(days=60):
            self.add_error("closes_on", _("申诉期不宜超过60天。"))
        return data


class ObjectionForm(forms.Form):
    component = forms.ChoiceField(
        label=_("涉及分项"), required=False, choices=[("", _("（整体）")), *SCORED_CHOICES, (
            Component.ADJUSTMENTS.value, Component.ADJUSTMENTS.label)]
    )  # fmt: skip
    comment = forms.CharField(
        label=_("申诉理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000})
    )
    correct = forms.BooleanField(label=_("同时复核调整得分"), required=False)
    component = forms.ChoiceField(label=_("调整分项"), required=False, choices=[("", "—"), *SCORED_CHOICES])
    points = forms.DecimalField(
        label=_("调整分数（减分填负数）"), required=False, max_digits=5, decimal_places=2,
        min_value=Decimal(-100), max_value=Decimal(100),
    )  # fmt: skip
    reason = forms.CharField(label=_("调整理由"), required=False, max_length=1000)

    def correction(self):
        data = self.cleaned_data
        if not data.get("correct"):
            return None
        return {
            "component": data.get("component"),
            "points": data.get("points"),
            "reason": data.get("reason"),
        }

    def clean(self):
        data = super().clean()
        if data.get("correct"):
            if not data.get("component"):
                self.add_error("component", _("请选择调整的分项。"))
            if not data.get("points"):
                self.add_error("points", _("请填写调整的分数（不能为 0）。"))
        return data


class AdjustmentForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("单位"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=AdjustmentKind.choices)
    component = forms.ChoiceField(
        label=_("调整分项（复核调整）"), required=False, choices=[("", "—"), *SCORED_CHOICES]
    )
    points = forms.DecimalField(
        label=_("分值"), max_digits=5, decimal_places=2, min_value=Decimal(-100), max_value=Decimal(100),
        help_text=_("加分、减分填正数，如约谈减 2 分填 2；复核调整填增减的分数。"),
    )  # fmt: skip
    reason = forms.CharField(
        label=_("事由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000})
    )
    evidence = forms.FileField(label=_("佐证材料（PDF、JPG、PNG、DOCX、XLSX）"), required=False)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]


class NoticeSummaryForm(forms.ModelForm):
    class Meta:
        model = AssessmentNotice
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}
