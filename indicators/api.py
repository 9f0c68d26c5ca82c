import django_filters
from rest_framework import serializers, viewsets

from carbonplan.access import visible_indicator_values, visible_indicators
from carbonplan.api_fields import IdFilter

from .models import Indicator, IndicatorValue


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "plan",
            "task",
            "seq",
            "name",
            "unit",
            "comparator",
            "target",
            "target_max",
            "target_year",
            "baseline_value",
            "baseline_year",
            "change",
            "category",
            "nature",
            "source_text",
            "needs_review",
        ]


class IndicatorFilter(django_filters.FilterSet):
    goals = django_filters.BooleanFilter(field_name="task", lookup_expr="isnull", label="goals")

    class Meta:
        model = Indicator
        fields = ["plan", "task"]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter

    def get_queryset(self):
        return visible_indicators(self.request.user).order_by("plan", "id")


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "period",
            "agency",
            "value",
            "note",
            "report",
            "created_at",
            "updated_at",
        ]


class IndicatorValueFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="indicator__plan", label="plan")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "period", "agency"]


class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilter

    def get_queryset(self):
        return visible_indicator_values(self.request.user).order_by("indicator", "period", "id")
