from rest_framework import serializers, viewsets

from carbonplan.access import Viewer

from .models import Bulletin


class BulletinSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label", read_only=True)

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "plan",
            "period",
            "version",
            "state",
            "progress",
            "message",
            "error",
            "created_at",
            "finished_at",
        ]


class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = BulletinSerializer
    filterset_fields = ["plan", "state"]

    def get_queryset(self):
        viewer = Viewer.of(self.request.user)
        qs = Bulletin.objects.select_related("period").order_by("plan", "period", "-version")
        # Bulletins are the office's and the leaders' documents.
        if viewer.is_admin:
            return qs
        from plans.models import Plan

        return qs.filter(plan__in=Plan.objects.filter(viewer.supervised_plans_q()).values("pk"))
