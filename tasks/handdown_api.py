"""POST /api/tasks/<id>/hand-down/ and …/unlink/: the upper office hands a task down to
the plans below (上级任务下达) and takes a link back."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from carbonplan.access import Viewer

from .handdown import task_hand_down, task_unlink

MAX_PLANS = 200


class HandDownSerializer(serializers.Serializer):
    plans = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        max_length=MAX_PLANS,
        help_text="Ids of plans of regions below the task's region.",
    )
    links = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="{plan id: id of the plan's task that answers this one}; a plan not named here gets a new task.",
    )
    targets = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=32, allow_blank=True)),
        required=False,
        help_text="{plan id: {indicator id of this task: split target}}.",
    )
    leads = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="{plan id: agency id}: the lead of a created task (default: the lower agency of the upper lead's kind).",
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    source_text = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        for name in ("links", "targets", "leads"):
            for key in attrs.get(name, {}):
                if not str(key).isdigit():
                    raise serializers.ValidationError({name: _("键应为方案编号。")})
        return attrs


def _drf_error(exc: DjangoValidationError):
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


class HandDownMixin:
    """Adds the hand-down and unlink actions to the tasks viewset. The task must be
    visible (404 otherwise); handing down needs the office of its plan, unlinking the
    office of the upper task's plan (403 otherwise: the lower office may not undo it)."""

    @action(detail=True, methods=["post"], url_path="hand-down", serializer_class=HandDownSerializer)
    def hand_down(self, request, pk=None):
        task = self.get_object()
        if not Viewer.of(request.user).is_office_of(task.action.plan):
            raise exceptions.PermissionDenied(_("只有该任务所属方案的专班办公室可以下达任务。"))
        body = HandDownSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        int_keys = lambda d: {int(k): v for k, v in (d or {}).items()}  # noqa: E731
        try:
            done = task_hand_down(
                task=task,
                plans=data["plans"],
                by=request.user,
                links=int_keys(data.get("links")),
                targets=int_keys(data.get("targets")),
                leads=int_keys(data.get("leads")),
                title=data.get("title", ""),
                source_text=data.get("source_text", ""),
                deadline=data.get("deadline"),
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        serializer_class = self.task_serializer_class
        tasks = self.get_queryset().filter(pk__in=[item.task.pk for item in done])
        by_pk = {t.pk: t for t in tasks}
        rows = []
        for item in done:
            row = serializer_class(
                by_pk.get(item.task.pk, item.task), context=self.get_serializer_context()
            ).data
            rows.append({**row, "created": item.created})
        return Response(rows, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        task = self.get_object()
        viewer = Viewer.of(request.user)
        if task.parent_id is None or not viewer.is_office_of(task.parent.action.plan):
            raise exceptions.PermissionDenied(_("只有上级任务所属方案的专班办公室可以解除下达关系。"))
        try:
            task = task_unlink(task=task, by=request.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        return Response(self.task_serializer_class(task, context=self.get_serializer_context()).data)
