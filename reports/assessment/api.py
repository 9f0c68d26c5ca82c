"""GET /api/assessments/?plan=<id>&year=<YYYY>: the year-end scores, one row per agency
of the current round (stable interface, DESIGN.md).

Who gets which rows (carbonplan.access.visible_assessment_scores): the office and the
leaders of a plan every agency's row of the plan's latest round, draft or published
(`published` tells which); agency staff only their own agency's row, and only of a round
the office has opened for objections (公示, from its first day) or published — a draft
is the office's working copy and is not shown to agencies before that."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from carbonplan.access import visible_assessment_scores
from carbonplan.api_fields import IdFilter

from .models import YEAR_RANGE, AssessmentScore, AssessmentState, Component, Grade


class ComponentSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Component.choices)
    name = serializers.CharField(help_text="The component's name in the reader's language.")
    points = serializers.FloatField(allow_null=True, help_text="Null where the component does not apply.")
    max = serializers.FloatField()
    applicable = serializers.BooleanField()


class AssessmentScoreSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="assessment.plan_id", read_only=True)
    year = serializers.IntegerField(source="assessment.year", read_only=True)
    round = serializers.IntegerField(source="assessment.round", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True,
        help_text="Null: the agency had nothing to be scored on (no task, or no quarter due yet).",
    )  # fmt: skip
    grade = serializers.ChoiceField(choices=[("", ""), *Grade.choices], read_only=True)
    grade_label = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField()
    published = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentScore
        fields = [
            "id", "plan", "year", "round", "agency", "agency_name", "score", "rank", "grade", "grade_label",
            "components", "published",
        ]  # fmt: skip

    def get_grade_label(self, obj) -> str:
        return str(Grade(obj.grade).label) if obj.grade else ""

    @staticmethod
    def _component(part) -> dict:
        return {**part, "name": str(Component(part["code"]).label)}

    @extend_schema_field(ComponentSerializer(many=True))
    def get_components(self, obj):
        return [self._component(part) for part in obj.components]

    def get_published(self, obj) -> bool:
        return obj.assessment.state == AssessmentState.PUBLISHED


@extend_schema_field({"type": "integer", "minimum": YEAR_RANGE[0], "maximum": YEAR_RANGE[1]})
class YearFilter(django_filters.NumberFilter):
    """A year as a whole number within the range a scheme may have: anything else is a
    400 naming the parameter, never a query the database refuses."""

    field_class = forms.IntegerField


class AssessmentFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="assessment__plan", label="plan")
    year = YearFilter(
        field_name="assessment__year", label="year", min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1]
    )
    agency = IdFilter(field_name="agency", label="agency")

    class Meta:
        model = AssessmentScore
        fields = []


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """年度考核: one row per agency of the current round of each plan and year."""

    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = AssessmentScoreSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self):
        return (
            visible_assessment_scores(self.request.user)
            .select_related("assessment", "agency")
            .order_by("assessment__plan_id", "-assessment__year", F("rank").asc(nulls_last=True), "agency_id")
        )
