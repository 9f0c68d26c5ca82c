"""POST /api/tasks/<id>/hand-down/ and …/unlink/: the upper office hands a task down to
the plans below (上级任务下达) and takes a link back."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from carbonplan.access import Viewer

from .handdown import task_hand_down, task_unlink

MAX_PLANS = 200


MAX_ID = 2**63 - 1


def _id(value):
    """A whole-number id in range (JSON true/false and 1.5 are no ids), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


@extend_schema_field(
    {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "minItems": 1,
     "maxItems": MAX_PLANS}
)  # fmt: skip
class PlanIdsField(serializers.Field):
    """The plans' ids; any refusal is one message on the field (not per index)."""

    def to_representation(self, value):
        return value

    def to_internal_value(self, data):
        if not isinstance(data, list) or not data or len(data) > MAX_PLANS:
            raise serializers.ValidationError(_("应为 1–%(n)s 个方案编号的列表。") % {"n": MAX_PLANS})
        return _plan_ids(data)


@extend_schema_field(
    {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "maxItems": MAX_PLANS}
)
class OptionalPlanIdsField(PlanIdsField):
    """Plan ids where an empty list says "none of them" (the request's `waiting`)."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or len(data) > MAX_PLANS:
            raise serializers.ValidationError(_("应为至多 %(n)s 个方案编号的列表。") % {"n": MAX_PLANS})
        return _plan_ids(data)


def _plan_ids(data) -> list[int]:
    ids = [_id(item) for item in data]
    if None in ids:
        raise serializers.ValidationError(_("方案编号应为正整数。"))
    return ids


class IdMapField(serializers.Field):
    """{plan id: value}: the keys plan ids, each value checked by `value`; any refusal is
    one message on the field."""

    def __init__(self, *, value, **kwargs):
        self.value = value
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value

    def to_internal_value(self, data):
        if not isinstance(data, dict) or len(data) > MAX_PLANS:
            raise serializers.ValidationError(_("应为以方案编号为键的对象。"))
        out = {}
        for key, item in data.items():
            plan_id, checked = _id(key), self.value(item)
            if plan_id is None or checked is None:
                raise serializers.ValidationError(_("“%(key)s”一项无效。") % {"key": str(key)[:20]})
            out[plan_id] = checked
        return out


def _targets(item):
    """{indicator id: split target text} of one plan."""
    if not isinstance(item, dict):
        return None
    out = {}
    for key, value in item.items():
        if _id(key) is None or not isinstance(value, str | int | float) or isinstance(value, bool):
            return None
        if len(str(value)) > 32:
            return None
        out[_id(key)] = str(value)
    return out


ID_MAP = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
TARGETS = {
    "type": "object",
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 32}},
}


class HandDownSerializer(serializers.Serializer):
    plans = PlanIdsField(help_text="Ids of plans of regions below the task's region.")
    links = extend_schema_field(ID_MAP)(IdMapField)(
        value=_id,
        required=False,
        help_text="{plan id: id of the plan's task that answers this one}; a plan not named here gets a new task.",
    )
    targets = extend_schema_field(TARGETS)(IdMapField)(
        value=_targets, required=False, help_text="{plan id: {indicator id of this task: split target}}."
    )
    leads = extend_schema_field(ID_MAP)(IdMapField)(
        value=_id,
        required=False,
        help_text="{plan id: agency id}: the lead of a created task (default: the lower agency of the upper lead's kind).",
    )
    waiting = OptionalPlanIdsField(
        required=False,
        help_text="Ids of plans of `plans` only handed the task: their own office answers it (links or "
        "creates a task, POST /api/hand-downs/<id>/answer/); they get no row in the answer.",
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    source_text = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)


def _drf_error(exc: DjangoValidationError):
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


class HandDownMixin:
    """Adds the hand-down and unlink actions to the tasks viewset. The task must be
    visible (404 otherwise); handing down needs the office of its plan, unlinking the
    office of the upper task's plan (403 otherwise: the lower office may not undo it)."""

    def _task(self, pk):
        # Not get_object(): the list's query filters (?action=, ?plan=) are no part of a
        # write to one task, and a bad one must not answer in their name.
        task = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(self.request, task)
        return task

    @action(detail=True, methods=["post"], url_path="hand-down", serializer_class=HandDownSerializer)
    def hand_down(self, request, pk=None):
        task = self._task(pk)
        if not Viewer.of(request.user).is_office_of(task.action.plan):
            raise exceptions.PermissionDenied(_("只有该任务所属方案的专班办公室可以下达任务。"))
        body = HandDownSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            done = task_hand_down(
                task=task,
                plans=data["plans"],
                by=request.user,
                links=data.get("links", {}),
                targets=data.get("targets", {}),
                leads=data.get("leads", {}),
                title=data.get("title", ""),
                source_text=data.get("source_text", ""),
                deadline=data.get("deadline"),
                waiting=data.get("waiting", ()),
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
        task = self._task(pk)
        viewer = Viewer.of(request.user)
        if task.parent_id is None or not viewer.is_office_of(task.parent.action.plan):
            raise exceptions.PermissionDenied(_("只有上级任务所属方案的专班办公室可以解除下达关系。"))
        try:
            task = task_unlink(task=task, by=request.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from exc
        return Response(self.task_serializer_class(task, context=self.get_serializer_context()).data)
