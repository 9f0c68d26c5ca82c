"""重点项目 in the API: the ledger (`/api/projects/?plan=`) and each project's quarters
(`/api/project-updates/?project=`), read-only. A quarter is written through the owner
agency's progress report (`projects` on `/api/progress-reports/`), so it follows the
report's draft/submit/return/approve workflow and permissions."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from carbonplan.access import visible_project_updates, visible_projects
from carbonplan.api_fields import IdFilter

from .models import Project, ProjectStage, ProjectUpdate
from .projects import UPDATE_FIELDS, project_light


class ProjectSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="task.action.plan_id", read_only=True)
    agency = serializers.SerializerMethodField(
        help_text="The owner agency's id: its own, else the task's lead."
    )
    investment_planned = serializers.DecimalField(
        max_digits=16, decimal_places=4, coerce_to_string=True, allow_null=True, help_text="万元"
    )
    light = serializers.SerializerMethodField(help_text="green, yellow (not started by its planned start) "
                                              "or red (planned finish passed, not in operation)")  # fmt: skip
    light_reason = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "plan", "task", "name", "location", "agency", "capacity", "unit", "capacity_text",
            "investment_planned", "planned_start", "planned_finish", "stage", "light", "light_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def get_agency(self, project) -> int | None:
        owner = project.owner
        return owner.pk if owner else None

    def _signal(self, project):
        return project_light(project, timezone.localdate())

    def get_light(self, project) -> str:
        return self._signal(project).light

    def get_light_reason(self, project) -> str:
        return self._signal(project).reason


class ProjectFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="task__action__plan", label="plan")
    task = IdFilter(field_name="task", label="task")
    stage = django_filters.ChoiceFilter(choices=ProjectStage.choices)

    class Meta:
        model = Project
        fields = ["plan", "task", "stage"]


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """重点项目台账: a plan's key projects with their owner, size, planned investment
    (万元), planned start and finish, stage and light."""

    lookup_value_regex = "[0-9]+"
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter

    def get_queryset(self):
        return (
            visible_projects(self.request.user)
            .active()
            .for_ledger()
            .order_by("task__action__plan", "task__action__seq", "task__seq", "seq", "id")
        )


class ProjectUpdateSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(source="period.label", read_only=True)
    agency = serializers.IntegerField(source="report.agency_id", read_only=True)
    state = serializers.CharField(source="report.state", read_only=True, help_text="The report's state.")

    class Meta:
        model = ProjectUpdate
        fields = [
            "id",
            "project",
            "period",
            "period_label",
            "report",
            "agency",
            "state",
            *UPDATE_FIELDS,
            "updated_at",
        ]
        read_only_fields = fields


class ProjectUpdateFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project", label="project")
    plan = IdFilter(field_name="project__task__action__plan", label="plan")
    period_label = django_filters.CharFilter(field_name="period__label", label="period label")

    class Meta:
        model = ProjectUpdate
        fields = ["project", "plan", "period_label"]


class ProjectUpdateViewSet(viewsets.ReadOnlyModelViewSet):
    """A project's quarters (项目季度进展), oldest first; written through the owner agency's
    progress report (`projects` on /api/progress-reports/)."""

    lookup_value_regex = "[0-9]+"
    serializer_class = ProjectUpdateSerializer
    filterset_class = ProjectUpdateFilter

    def get_queryset(self):
        return (
            visible_project_updates(self.request.user)
            .select_related("period", "report")
            .order_by("project", "period__starts_on")
        )


class ProjectUpdateEntrySerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)
    stage = serializers.ChoiceField(choices=ProjectStage.choices, required=False)
    investment_quarter = serializers.DecimalField(
        max_digits=16, decimal_places=4, min_value=0, required=False, allow_null=True
    )
    investment_cumulative = serializers.DecimalField(
        max_digits=16, decimal_places=4, min_value=0, required=False, allow_null=True
    )
    capacity_operating = serializers.DecimalField(
        max_digits=16, decimal_places=4, min_value=0, required=False, allow_null=True
    )
    problems = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema_field(ProjectUpdateEntrySerializer(many=True))
class ProjectEntriesField(serializers.Field):
    """The report's project quarters: read, the updates it holds; written, a list of
    entries each naming its `project`. A refusal is one message on `projects`."""

    def get_attribute(self, instance):
        return instance

    def to_representation(self, report):
        return [
            {"project": u.project_id, **{name: _plain(getattr(u, name)) for name in UPDATE_FIELDS}}
            for u in report.project_updates.all()
        ]

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("应为项目进展的列表。")
        entries, problems = [], []
        for number, item in enumerate(data, start=1):
            entry = ProjectUpdateEntrySerializer(data=item)
            if entry.is_valid():
                entries.append(dict(entry.validated_data))
                continue
            problems += [f"第{number}项：{name}：{m}" for name, ms in entry.errors.items() for m in ms]
        if problems:
            raise serializers.ValidationError(problems)
        return entries


def _plain(value):
    return format(value.normalize(), "f") if hasattr(value, "normalize") else value
