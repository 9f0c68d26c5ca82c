"""/api/channels/: a plan's (or region's) group robots, a test message, their deliveries.

Only the office of the plan or region sees and creates them: a plan the user cannot see
is a 404, one it only reads or reports on a 403 (the same rule as /api/periods/).
Webhooks and secrets are write-only: the answers carry masked hints.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from carbonplan.access import (
    Viewer,
    channels_visible_to,
    get_channel_for_user,
    get_region_for_user,
    visible_plans,
)
from carbonplan.api_fields import MAX_ID, IdFilter

from . import events
from .models import Channel, ChannelKind, Delivery


class ChannelSerializer(serializers.ModelSerializer):
    webhook = serializers.CharField(
        source="webhook_hint", read_only=True, help_text="Masked: the token shows its ends only."
    )
    secret = serializers.CharField(
        source="secret_hint", read_only=True, help_text="Masked (SEC…abcd), or empty."
    )
    paused = serializers.BooleanField(source="is_paused", read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id", "plan", "region", "kind", "name", "webhook", "secret", "keyword", "events", "mention_contacts",
            "paused", "paused_at", "pause_reason", "consecutive_failures", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ChannelCreatedSerializer(ChannelSerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class ChannelCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The plan; or region."
    )
    region = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="For an upper office: every plan below it."
    )
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    webhook = serializers.CharField(max_length=1000)
    secret = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="钉钉 加签 secret."
    )
    keyword = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="钉钉 custom keyword."
    )
    name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    events = serializers.MultipleChoiceField(
        choices=events.choices(),
        required=False,
        help_text="Kinds of notice to send; default: every kind ticked by default.",
    )
    mention_contacts = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if ("plan" in data) == ("region" in data):
            raise serializers.ValidationError(_("请指定方案（plan）或地区（region）之一。"))
        return data


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id", "event_kind", "event_key", "title", "status", "attempts", "error", "errcode", "created_at",
            "last_attempt_at", "next_attempt_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class ChannelFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan")
    region = IdFilter(field_name="region")

    class Meta:
        model = Channel
        fields = ["plan", "region", "kind"]


def _ordered(kinds):
    """The chosen kinds in registration order (the field gives a set), or None."""
    return None if kinds is None else [k for k in events.EVENT_KINDS if k in kinds]


def _as_api_error(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": exc.messages})


class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"
    serializer_class = ChannelSerializer
    filterset_class = ChannelFilter

    def get_queryset(self):
        return channels_visible_to(self.request.user).order_by("pk")

    def get_object(self):
        return get_channel_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        if self.action == "create":
            return ChannelCreateSerializer
        if self.action in ("test", "deliveries"):
            return DeliverySerializer
        return ChannelSerializer

    @extend_schema(request=ChannelCreateSerializer, responses={201: ChannelCreatedSerializer})
    def create(self, request, *args, **kwargs):
        from .services import channel_create

        body = ChannelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        viewer = Viewer.of(request.user)
        owner = {}
        if "plan" in data:
            plan = visible_plans(request.user).select_related("region").filter(pk=data["plan"]).first()
            if plan is None:
                raise exceptions.NotFound(_("方案不存在。"))
            if not viewer.is_office_of(plan):
                raise exceptions.PermissionDenied(_("只有该方案的专班办公室可以配置群机器人。"))
            owner["plan"] = plan
        else:
            from django.http import Http404

            try:
                region = get_region_for_user(request.user, data["region"])
            except Http404:
                raise exceptions.NotFound(_("地区不存在。"))
            if not viewer.is_office_of_region(region):
                raise exceptions.PermissionDenied(_("只有该地区的专班办公室可以配置群机器人。"))
            owner["region"] = region
        try:
            channel, warnings = channel_create(
                **owner, kind=data["kind"], webhook=data["webhook"], secret=data.get("secret", ""),
                keyword=data.get("keyword", ""), name=data.get("name", ""), events_=_ordered(data.get("events")),
                mention_contacts=data.get("mention_contacts", False), by=request.user,
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc
        channel.warnings = warnings
        return Response(ChannelCreatedSerializer(channel).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test message now; 200 with the delivery's outcome (status sent or failed, error)."""
        from .sending import channel_test

        channel = self.get_object()
        return Response(DeliverySerializer(channel_test(channel=channel, by=request.user)).data)

    @extend_schema(responses={200: DeliverySerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def deliveries(self, request, pk=None):
        """The channel's deliveries, newest first, with status, attempts and error."""
        channel = self.get_object()
        page = self.paginate_queryset(Delivery.objects.filter(channel=channel).order_by("-created_at", "-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
