import django_filters
from rest_framework import serializers, viewsets

from carbonplan.access import Viewer, visible_plans
from carbonplan.api_fields import IdFilter

from .models import Agency


class AgencySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "full_name", "short_name", "aliases", "kind", "region", "region_id"]


class AgencyFilter(django_filters.FilterSet):
    plan = IdFilter(method="filter_plan", label="plan")

    class Meta:
        model = Agency
        fields = ["region", "kind"]

    def filter_plan(self, queryset, name, value):
        """Agencies that carry a task of the plan."""
        from tasks.models import TaskAssignment

        return queryset.filter(
            pk__in=TaskAssignment.objects.filter(task__action__plan=value).values("agency_id")
        )


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = AgencySerializer
    filterset_class = AgencyFilter

    def get_queryset(self):
        viewer = Viewer.of(self.request.user)
        qs = Agency.objects.select_related("region").order_by("region_id", "name")
        if viewer.is_admin:
            return qs
        # Agencies of the regions whose plans the user can see.
        regions = visible_plans(self.request.user).values("region_id")
        return qs.filter(region_id__in=regions) | qs.filter(pk__in=viewer.agency_ids)
