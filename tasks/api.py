import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response

from carbonplan.access import Viewer, get_report_for_user, visible_reports, visible_tasks
from carbonplan.api_errors import refuses_fields
from carbonplan.api_fields import IdFilter

from .consolidation import (
    CONSOLIDATED_INPUTS,
    INPUT_FIELD_CODE,
    InputFieldRefused,
    consolidated_input_ids,
    report_role,
)
from .handdown_api import HandDownMixin, HandDownSerializer
from .models import ProgressReport, ReportingPeriod, Task, TaskAssignment
from .period_api import PeriodCreateMixin
from .project_api import ProjectEntriesField
from .selectors import writer_assignment
from .services import (
    REPORT_FIELDS,
    REVIEW_COMMENT_MAX_LENGTH,
    ReportConflict,
    ReportExists,
    report_approve,
    report_return,
    report_return_input,
    report_save_draft,
    report_submit,
    report_withdraw,
)


class AssignmentSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = TaskAssignment
        fields = ["agency", "agency_name", "role", "inferred"]


class TaskSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="action.plan_id", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Id of the upper plan's task this one answers (上级任务下达), or null.",
    )
    link_kind = serializers.CharField(
        read_only=True, help_text="How it came to answer its parent: linked, created, or empty."
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "action",
            "seq",
            "label",
            "title",
            "source_text",
            "deadline",
            "deadline_text",
            "lead_inferred",
            "assignments",
            "parent",
            "link_kind",
            "progress_source",
        ]
        read_only_fields = ["progress_source"]


class HandedDownTaskSerializer(TaskSerializer):
    created = serializers.BooleanField(read_only=True, help_text="Made by this hand-down (else linked).")

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "created"]


class TaskFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="action__plan", label="plan")
    agency = IdFilter(field_name="assignments__agency", label="agency", distinct=True)
    parent = IdFilter(field_name="parent", label="parent")

    class Meta:
        model = Task
        fields = ["action"]


# The hand-down service refuses a plan, a link, a split target or a lead by name, or the
# request as a whole (an archived task).
@refuses_fields("detail", "plans", "links", "targets", "leads", "waiting", methods=["POST"])
@extend_schema_view(
    hand_down=extend_schema(request=HandDownSerializer, responses={201: HandedDownTaskSerializer(many=True)}),
    unlink=extend_schema(request=None, responses={200: TaskSerializer}),
)
class TaskViewSet(HandDownMixin, viewsets.ReadOnlyModelViewSet):
    """任务. Filter by plan, agency or `parent` (the tasks answering an upper task); the
    upper office hands a task down with POST …/hand-down/."""

    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = TaskSerializer
    task_serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        return (
            visible_tasks(self.request.user)
            .active()
            .with_assignments()
            .order_by("action__plan", "action__seq", "seq")
        )


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "plan",
            "label",
            "year",
            "quarter",
            "starts_on",
            "ends_on",
            "opens_on",
            "deadline",
            "is_closed",
        ]


class PeriodViewSet(PeriodCreateMixin, viewsets.ReadOnlyModelViewSet):
    """填报季度. The plan's office adds one with POST (plan, label; dates optional)."""

    lookup_value_regex = "[0-9]+"  # a malformed id is a 404, not a server error
    serializer_class = PeriodSerializer
    filterset_fields = ["plan", "year", "label"]

    def get_queryset(self):
        viewer = Viewer.of(self.request.user)
        return viewer.filter_plans_related(ReportingPeriod.objects.all(), "plan").order_by(
            "plan", "year", "quarter"
        )


class StrictBooleanField(serializers.BooleanField):
    """true or false as JSON booleans only: a number is not read as done."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class IndicatorEntrySerializer(serializers.Serializer):
    """One indicator's value for the report's quarter: `value` for a numeric indicator,
    `done` for a target in words (an indicator with `descriptive` true)."""

    indicator = serializers.IntegerField(help_text="Id of an indicator of the report's task.")
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="A numeric indicator's value (blank removes it). Refused for a descriptive indicator.",
    )
    done = StrictBooleanField(
        required=False,
        allow_null=True,
        help_text=(
            "A descriptive indicator (a target in words): true when done, false when not yet "
            "(null removes it); stored as 1 / 0. Refused for a numeric indicator."
        ),
    )

    def validate(self, attrs):
        if ("value" in attrs) == ("done" in attrs):
            raise serializers.ValidationError(_("每个指标请只填 value 或 done 中的一项。"))
        return attrs


@extend_schema_field(IndicatorEntrySerializer(many=True))
class IndicatorEntriesField(serializers.Field):
    """The list of indicator entries, each checked by IndicatorEntrySerializer; a refusal
    names the entry and its field in one message on `indicators` (the documented field),
    not under per-index names the schema cannot list."""

    def to_representation(self, value):
        return value

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(_("应为指标值的列表。"))
        entries, problems = [], []
        for number, item in enumerate(data, start=1):
            entry = IndicatorEntrySerializer(data=item)
            if entry.is_valid():
                entries.append(entry.validated_data)
                continue
            for name, messages in entry.errors.items():
                label = "" if name == "non_field_errors" else f"{name}："
                problems += [
                    _("第%(n)s项：%(field)s%(message)s") % {"n": number, "field": label, "message": m}
                    for m in messages
                ]
        if problems:
            raise serializers.ValidationError(problems)
        return entries


def indicator_entries(entries) -> dict | None:
    """The API's entries as the services take them: {indicator id: text or {"done": flag}}."""
    if entries is None:
        return None
    return {str(e["indicator"]): {"done": e["done"]} if "done" in e else e["value"] for e in entries}


class RoleField(serializers.ChoiceField):
    """The report's agency's part in its task (the list annotates it; one report asks)."""

    def get_attribute(self, instance):
        if hasattr(instance, "role"):
            return instance.role
        return report_role(instance)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class InputIdsField(serializers.Field):
    """Ids of the supporters' inputs a lead's report consolidates (from the prefetch); a
    malformed list is one error on the field, the service checks the ids."""

    def get_attribute(self, instance):
        return consolidated_input_ids(instance)

    def to_representation(self, value):
        return list(value)

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) or isinstance(i, str) and i.isdigit() for i in data
        ):
            raise serializers.ValidationError(_("应为配合单位材料编号的列表。"))
        return [int(i) for i in data]


class ProgressReportSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(source="period.label", read_only=True)
    version = serializers.IntegerField(required=False, help_text="Version the change is based on (PATCH).")
    indicators = IndicatorEntriesField(
        required=False,
        write_only=True,
        help_text=(
            "Values of the task's indicators for the quarter, saved with the report: "
            '{"indicator": id, "value": "12.5"} for a numeric one, '
            '{"indicator": id, "done": true} for a descriptive one (a target in words).'
        ),
    )
    projects = ProjectEntriesField(
        required=False,
        help_text="The quarter of each key project the report's agency answers for on this task "
        '(owner, or the task\'s lead): [{"project": id, "stage": "preparing|building|operating", '
        '"investment_quarter": "1200", "capacity_operating": "5", "problems": "…", "evidence": "…"}]; '
        "the cumulative investment is the previous quarter's plus this one's unless given. "
        "Saved, submitted, returned and approved with the report; approval sets the project's stage.",
    )
    role = RoleField(
        choices=TaskAssignment.Role.choices,
        read_only=True,
        help_text="lead or support: the agency's part in the task. Where the plan's lead agencies "
        "consolidate (review_mode lead_consolidates), a support report is an input to the lead: it "
        "needs only progress_text (a percent or status sent on it is refused: 400, code "
        "not_for_input), the office neither approves nor returns it, and the lead may "
        "return it (POST …/return/).",
    )
    consolidated_inputs = InputIdsField(
        required=False,
        help_text="Ids of the supporting agencies' submitted inputs this lead report consolidates; "
        "writable by the lead on its own editable report where the plan's leads consolidate. "
        "Submitting the report marks them approved (已汇总).",
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "agency",
            "period",
            "period_label",
            "state",
            "status",
            "percent",
            "progress_text",
            "problems",
            "next_steps",
            "indicators",
            "projects",
            "role",
            "consolidated_inputs",
            "version",
            "is_late",
            "return_count",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "updated_at",
        ]
        read_only_fields = [
            "agency",
            "state",
            "is_late",
            "return_count",
            "submitted_at",
            "reviewed_at",
            "review_comment",
        ]
        extra_kwargs = {"status": {"required": False}, "percent": {"required": False}}

    def validate(self, attrs):
        if self.instance is not None and ("task" in attrs or "period" in attrs):
            if (
                attrs.get("task", self.instance.task) != self.instance.task
                or attrs.get("period", self.instance.period) != self.instance.period
            ):
                raise serializers.ValidationError(_("不能修改填报所属的任务或季度。"))
        return attrs


def _report_data(validated) -> dict:
    return {k: validated[k] for k in (*REPORT_FIELDS, CONSOLIDATED_INPUTS) if k in validated}


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=REVIEW_COMMENT_MAX_LENGTH)


class ProgressReportFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="task__action__plan", label="plan")
    period_label = django_filters.CharFilter(field_name="period__label", label="period label")

    class Meta:
        model = ProgressReport
        fields = ["task", "agency", "period", "state"]


def _as_drf(exc: DjangoValidationError):
    if isinstance(exc, InputFieldRefused):
        raise serializers.ValidationError(
            {
                name: [ErrorDetail(message, code=INPUT_FIELD_CODE) for message in messages]
                for name, messages in exc.message_dict.items()
            }
        )
    if isinstance(exc, ReportConflict):
        raise Conflict(exc.messages[0])
    if isinstance(exc, ReportExists):
        raise AlreadyExists(exc.messages[0], report_id=exc.report.pk)
    if hasattr(exc, "error_dict"):
        # The services key an indicator's refusal ind_<id>; the API names the field it came in.
        errors = {}
        for key, messages in exc.message_dict.items():
            errors.setdefault("indicators" if key.startswith("ind_") else key, []).extend(messages)
        raise serializers.ValidationError(errors)
    raise serializers.ValidationError({"detail": exc.messages})


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


class AlreadyExists(exceptions.ValidationError):
    """400 refusing a second creation, with the `id` of the report that exists."""

    def __init__(self, message, *, report_id):
        super().__init__({"task": [message]}, code="exists")
        self.extra = {"id": report_id}


INPUT_WRITES = ["create", "update", "partial_update"]


# A supporter's input (role support, where the plan's leads consolidate) takes no
# percent or status: one sent is a 400 naming it with code not_for_input, and nothing
# is stored. Listed after the field's other codes: the last registration of a field wins.
@extend_validation_errors(["invalid", INPUT_FIELD_CODE], field_name="percent", actions=INPUT_WRITES)
@extend_validation_errors(["invalid", INPUT_FIELD_CODE], field_name="status", actions=INPUT_WRITES)
# The services refuse a change field by field, or as a whole (`detail`).
@refuses_fields(
    "detail",
    "non_field_errors",
    "__all__",
    "task",
    "period",
    "version",
    "comment",
    "indicators",
    "projects",
    CONSOLIDATED_INPUTS,
    *REPORT_FIELDS,
)
class ProgressReportViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """进展填报. Agencies create and change their own drafts, then submit (and may
    withdraw a submission until it is reviewed); the plan's office approves or returns them. PATCH needs the `version` it is based on.

    Where the plan's lead agencies consolidate, a supporting agency's report is an input
    to the lead: the office's approve/return answer 400, and the lead agency's staff
    return it with POST …/return/ (comment required) until the lead's report, listing it
    in `consolidated_inputs`, is submitted. An input takes no `percent` or `status`: a
    value on either answers 400 with code `not_for_input` on that field, and nothing of
    the request is stored."""

    serializer_class = ProgressReportSerializer
    # Documented with a 409 answer (carbonplan/api_errors.py): a stale version, a duplicate.
    conflict_actions = ("create", "update", "partial_update")
    # A malformed id is a 404 from the router, never a ValueError in the lookup.
    lookup_value_regex = "[0-9]+"
    filterset_class = ProgressReportFilter

    def get_queryset(self):
        role = TaskAssignment.objects.filter(task=OuterRef("task_id"), agency=OuterRef("agency_id")).order_by(
            "role"
        )
        return (
            visible_reports(self.request.user)
            .select_related("period")
            .annotate(role=Subquery(role.values("role")[:1]))
            .prefetch_related(
                Prefetch("consolidated_inputs", queryset=ProgressReport.objects.only("pk")), "project_updates"
            )
            .order_by("-id")
        )

    def _report(self, *, write=False, review=False, lead=False):
        return get_report_for_user(
            self.request.user, self.kwargs["pk"], write=write, review=review, lead=lead
        )

    def perform_create(self, serializer):
        viewer = Viewer.of(self.request.user)
        if not viewer.agency_ids:
            raise exceptions.PermissionDenied(_("只有单位填报人可以创建填报。"))
        task = serializer.validated_data["task"]
        if not visible_tasks(self.request.user).active().filter(pk=task.pk).exists():
            raise serializers.ValidationError({"task": _("任务不存在。")})
        assignment = writer_assignment(task, viewer.agency_ids)
        if assignment is None:
            raise serializers.ValidationError({"task": _("本单位不是此任务的牵头或配合单位。")})
        data = _report_data(serializer.validated_data)
        try:
            # Create only: the agency's existing report is answered with its id, never changed.
            report, _warnings = report_save_draft(
                task=task,
                agency=assignment.agency,
                period=serializer.validated_data["period"],
                data=data,
                by=self.request.user,
                create_only=True,
                indicator_values=indicator_entries(serializer.validated_data.get("indicators")),
                project_updates=serializer.validated_data.get("projects"),
            )
        except DjangoValidationError as exc:
            _as_drf(exc)
        serializer.instance = report

    def update(self, request, *args, **kwargs):
        report = self._report(write=True)
        serializer = self.get_serializer(report, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "version" not in serializer.validated_data:
            raise serializers.ValidationError({"version": _("请提供修改所基于的版本号 version。")})
        data = _report_data(serializer.validated_data)
        try:
            report, _warnings = report_save_draft(
                report=report,
                data=data,
                by=request.user,
                base_version=serializer.validated_data["version"],
                indicator_values=indicator_entries(serializer.validated_data.get("indicators")),
                project_updates=serializer.validated_data.get("projects"),
            )
        except DjangoValidationError as exc:
            _as_drf(exc)
        return Response(self.get_serializer(report).data)

    def _act(self, service, *, write=False, review=False, lead=False):
        """Run a report service on the report in the URL, once the user may (404/403 first)."""
        report = self._report(write=write, review=review, lead=lead)
        kwargs = {}
        if review or lead:
            body = ReviewSerializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            kwargs["comment"] = body.validated_data.get("comment", "")
        try:
            report = service(report=report, by=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            _as_drf(exc)
        return Response(ProgressReportSerializer(report, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(report_submit, write=True)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take back a submitted report before the office acts on it: it is a draft again."""
        return self._act(report_withdraw, write=True)

    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def approve(self, request, pk=None):
        return self._act(report_approve, review=True)

    @action(detail=True, methods=["post"], url_path="return", serializer_class=ReviewSerializer)
    def return_(self, request, pk=None):
        """The office returns a report; the lead agency's staff return a supporter's input
        to their lead report (退回补充) the same way."""
        if Viewer.of(request.user).may_return_input(self._report()):
            return self._act(report_return_input, lead=True)
        return self._act(report_return, review=True)
