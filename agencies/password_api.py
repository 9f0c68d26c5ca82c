"""POST /api/auth/password/: replace a password (a one-time one first of all) without a
browser, so a client that got 403 password_change_required from the token endpoint
can go on."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from carbonplan.api_errors import refuses_fields

from .accounts import password_change
from .views import LoginRateThrottle


class PasswordChangeSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


@refuses_fields("old_password", "new_password", methods=["POST"])
class PasswordChangeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    serializer_class = PasswordChangeSerializer

    def post(self, request):
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # authenticate() goes through django-axes: wrong old passwords count towards
        # the same lockout as the login page and the token endpoint.
        user = authenticate(request=request, username=data["username"], password=data["old_password"])
        if user is None:
            raise serializers.ValidationError({"old_password": [_("用户名或原密码不正确。")]})
        try:
            password_change(user=user, old_password=data["old_password"], new_password=data["new_password"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response({"detail": _("密码已修改。")}, status=status.HTTP_200_OK)


change_password = PasswordChangeView.as_view()
