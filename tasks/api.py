import django_filters
from rest_framework import serializers, viewsets

from agencies.access import Viewer

from .models import ProgressReport, ReportingPeriod, Task, TaskAssignment


class AssignmentSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = TaskAssignment
        fields = ["agency", "agency_name", "role", "inferred"]


class TaskSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="action.plan_id", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id", "plan", "action", "seq", "label", "title", "source_text", "deadline", "deadline_text",
            "lead_inferred", "assignments",
        ]


class TaskFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="action__plan", label="plan")
    agency = django_filters.NumberFilter(field_name="assignments__agency", label="agency", distinct=True)

    class Meta:
        model = Task
        fields = ["action"]


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        return Task.objects.visible_to(self.request.user).with_assignments().order_by("action__plan", "action__seq", "seq")


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "plan", "label", "year", "quarter", "starts_on", "ends_on", "opens_on", "deadline", "is_closed"]


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PeriodSerializer
    filterset_fields = ["plan", "year", "label"]

    def get_queryset(self):
        viewer = Viewer.of(self.request.user)
        return viewer.filter_plans_related(ReportingPeriod.objects.all(), "plan").order_by("plan", "year", "quarter")


class ProgressReportSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(source="period.label", read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id", "task", "agency", "period", "period_label", "state", "status", "percent", "progress_text",
            "problems", "next_steps", "version", "is_late", "return_count", "submitted_at", "reviewed_at",
            "review_comment", "updated_at",
        ]
        read_only_fields = [
            "agency", "state", "version", "is_late", "return_count", "submitted_at", "reviewed_at", "review_comment",
        ]


class ProgressReportFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="task__action__plan", label="plan")
    period_label = django_filters.CharFilter(field_name="period__label", label="period label")

    class Meta:
        model = ProgressReport
        fields = ["task", "agency", "period", "state"]


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgressReportSerializer
    filterset_class = ProgressReportFilter

    def get_queryset(self):
        return ProgressReport.objects.visible_to(self.request.user).select_related("period").order_by("-id")
