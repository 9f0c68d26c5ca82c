"""POST /api/periods/: the office of a plan adds a quarter."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from carbonplan.access import Viewer, visible_plans

from .periods import period_add


class PeriodCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    label = serializers.CharField(max_length=16, help_text="YYYYQn, e.g. 2027Q1")
    opens_on = serializers.DateField(required=False, help_text="Default: from the plan's schedule.")
    deadline = serializers.DateField(required=False, help_text="Default: from the plan's schedule.")


class PeriodCreateMixin:
    """Adds create() to the periods viewset: the plan must be visible (404 otherwise)
    and the user its office (403 otherwise); the quarter goes through period_add, with
    the dates of the plan's schedule."""

    def get_serializer_class(self):
        if self.action == "create":
            return PeriodCreateSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        body = PeriodCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        plan = visible_plans(request.user).select_related("region").filter(pk=data["plan"]).first()
        if plan is None:
            raise exceptions.NotFound(_("方案不存在。"))
        if not Viewer.of(request.user).is_office_of(plan):
            raise exceptions.PermissionDenied(_("只有该方案的专班办公室可以添加季度。"))
        try:
            period = period_add(
                plan=plan,
                label=data["label"],
                opens_on=data.get("opens_on"),
                deadline=data.get("deadline"),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            ) from exc
        output = super().get_serializer_class()(period, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)
