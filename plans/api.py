import django_filters
from rest_framework import serializers, viewsets

from carbonplan.access import Viewer, visible_plans

from .models import Action, Plan


class PlanSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)
    region_id = serializers.IntegerField(read_only=True)
    action_count = serializers.IntegerField(read_only=True)
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "title",
            "region",
            "region_id",
            "doc_number",
            "issued_on",
            "is_draft",
            "start_year",
            "end_year",
            "plan_year",
            "action_count",
            "task_count",
        ]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = PlanSerializer
    filterset_fields = ["region", "is_draft", "plan_year"]

    def get_queryset(self):
        return visible_plans(self.request.user).select_related("region").with_counts().order_by("id")


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Action
        fields = ["id", "plan", "seq", "label", "title"]


class ActionFilter(django_filters.FilterSet):
    class Meta:
        model = Action
        fields = ["plan"]


class ActionViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = ActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return (
            Viewer.of(self.request.user)
            .filter_plans_related(Action.objects.all(), "plan")
            .order_by("plan", "seq")
        )
