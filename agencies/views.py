import hashlib
import logging

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from redis.exceptions import RedisError
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from carbonplan.access import Viewer
from carbonplan.downloads import file_response

from .audit import project_names
from .audit_display import change_rows
from .exports import EXPORT_MAX_ROWS, AuditExporter
from .filters import AuditEntryFilter, action_label
from .selectors import audit_entries_for

AUDIT_PAGE_SIZE = 50
logger = logging.getLogger(__name__)


def _audit_filter(request):
    if not Viewer.of(request.user).may_browse_audit:
        raise Http404
    return AuditEntryFilter(request.GET or None, queryset=audit_entries_for(request.user), request=request)


@login_required
def audit_list(request):
    """操作记录: the office browses the trail of its plans."""
    filterset = _audit_filter(request)
    entries = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    projects = project_names([entry.changes or {} for entry in page.object_list])
    for entry in page.object_list:
        entry.action_label = action_label(entry.action)
        entry.change_rows = change_rows(entry, projects)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agencies/audit_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "export_max_rows": EXPORT_MAX_ROWS,
        },
    )


@login_required
def audit_export(request):
    """The filtered trail as an Excel workbook."""
    filterset = _audit_filter(request)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(
            _("筛选条件有误，请返回修改后再导出。"), status=400, content_type="text/plain; charset=utf-8"
        )
    entries = filterset.qs if filterset.is_bound else filterset.queryset
    return file_response(AuditExporter(entries).export())


class LoginRateThrottle(SimpleRateThrottle):
    """Attempts per username and client address, so a brute force against one account
    slows down without throttling a whole office network that shares one address."""

    scope = "login"

    def get_cache_key(self, request, view):
        # The body may be anything a client sends (a JSON list, a number): only a mapping
        # names a username; anything else is throttled under the address alone.
        data = request.data if isinstance(request.data, dict) else {}
        username = str(data.get("username", ""))[:150].lower()
        # Hashed: a username may hold any character, a cache key may not.
        digest = hashlib.sha256(username.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{digest}"}

    def allow_request(self, request, view):
        # The counts live in the cache (Redis in production). Without it the endpoint
        # keeps working unthrottled: django-axes, which counts failures in the
        # database, still locks a brute-forced account out.
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("Token endpoint not rate limited: the cache is unavailable (%s).", exc)
            return True


class PasswordChangeNeeded(exceptions.PermissionDenied):
    """403 for a one-time password: the body says so in `password_change_required`."""

    default_code = "password_change_required"

    def __init__(self):
        super().__init__(_("请先修改初始密码（POST /api/auth/password/）。"), self.default_code)
        self.extra = {"password_change_required": True}


class TokenRequestSerializer(AuthTokenSerializer):
    # No longer than a username can be (as the login form's field): a longer one is
    # refused here, before the password check records a failed attempt for it, whose
    # column (django-axes', 255 characters) PostgreSQL would refuse with a server error.
    username = serializers.CharField(label=_("用户名"), max_length=150, write_only=True)


@extend_validation_errors(["authorization"], field_name="non_field_errors")
class TokenView(ObtainAuthToken):
    """POST /api/auth/token/ with a rate limit on top of the lockout django-axes applies
    to every password check."""

    throttle_classes = [LoginRateThrottle]
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        from .accounts import password_change_required

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if password_change_required(user):
            raise PasswordChangeNeeded()
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


obtain_auth_token = TokenView.as_view()
