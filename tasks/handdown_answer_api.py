"""GET /api/hand-downs/ and POST /api/hand-downs/<id>/answer/: the tasks handed down to a
plan (上级任务下达), and the lower office's answer — linking one of its tasks or creating
one — to a task handed down and not yet answered there."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from carbonplan.access import Viewer
from carbonplan.access_chain import visible_hand_downs
from carbonplan.api_errors import refuses_fields
from carbonplan.api_fields import IdFilter

from .api import TaskSerializer
from .handdown_answer import handdown_answer
from .handdown_api import MAX_ID, _drf_error
from .models import HandDown, Task


class HandDownRowSerializer(serializers.ModelSerializer):
    upper_plan = serializers.IntegerField(source="task.action.plan_id", read_only=True)
    title = serializers.CharField(source="task.title", read_only=True)
    answer = serializers.SerializerMethodField(
        help_text="Id of the plan's task answering it, or null (待落实)."
    )

    class Meta:
        model = HandDown
        fields = ["id", "task", "upper_plan", "title", "plan", "handed_at", "answer"]

    def get_answer(self, obj) -> int | None:
        return obj.answer_id


class AnswerSerializer(serializers.Serializer):
    task = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of a current task of the lower plan to link; omitted or null: a task is created.",
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    source_text = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class HandDownFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan", label="plan")
    task = IdFilter(field_name="task", label="task")
    waiting = django_filters.BooleanFilter(method="filter_waiting", label="waiting")

    class Meta:
        model = HandDown
        fields = []

    def filter_waiting(self, queryset, name, value):
        return queryset.filter(answer_id__isnull=value)


# The answer service refuses the task to link, or the request as a whole (answered already).
@refuses_fields("detail", "task", methods=["POST"])
@extend_schema_view(answer=extend_schema(request=AnswerSerializer, responses={201: TaskSerializer}))
class HandDownViewSet(viewsets.ReadOnlyModelViewSet):
    """上级任务下达. `?plan=` the tasks handed down to a plan, `?waiting=true` those it has
    not answered yet; the lower plan's office answers one with POST …/answer/."""

    lookup_value_regex = "[0-9]+"
    serializer_class = HandDownRowSerializer
    filterset_class = HandDownFilter

    def get_queryset(self):
        answer = Task.objects.filter(
            parent=OuterRef("task"), action__plan=OuterRef("plan"), archived_at__isnull=True
        ).values("pk")[:1]
        return (
            visible_hand_downs(self.request.user)
            .select_related("task__action", "plan__region")
            .annotate(answer_id=Subquery(answer))
            .order_by("-handed_at", "-pk")
        )

    @action(detail=True, methods=["post"], serializer_class=AnswerSerializer)
    def answer(self, request, pk=None):
        # Not get_object(): the list's filters are no part of a write to one hand-down.
        hand_down = get_object_or_404(self.get_queryset(), pk=pk)
        viewer = Viewer.of(request.user)
        if not viewer.is_office_of(hand_down.plan):
            raise exceptions.PermissionDenied(_("只有下级方案的专班办公室可以落实上级下达任务。"))
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            lower = handdown_answer(
                hand_down=hand_down,
                by=request.user,
                link=data.get("task"),
                title=data.get("title", ""),
                source_text=data.get("source_text", ""),
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        lower = Task.objects.with_assignments().get(pk=lower.pk)
        return Response(
            TaskSerializer(lower, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )
