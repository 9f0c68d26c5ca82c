"""Error responses of the REST API: one body for every error, documented on every operation.

drf-standardized-errors formats every error as
``{"type": "validation_error" | "client_error" | "server_error",
"errors": [{"code", "detail", "attr"}]}`` and its AutoSchema documents, per operation,
the statuses the operation can answer (400 with the exact fields and codes of its
input, 401, 403, 404, 405, 406, 415, 429, 500). This module adds:

- ``detail`` at the top of every error body: the first error's text, where clients
  written against Django REST framework's own format read it;
- fields an exception carries in ``extra`` (e.g. the ``id`` of the report a duplicate
  create collides with), documented on the statuses that have them;
- 409 on the operations that declare ``conflict_actions``, and 403 only where it can
  happen: a write refused by a permission rule or by the CSRF check of a session client;
- on every operation, 503 with ``Retry-After`` when the database is too busy to take
  the write in time or away for a moment (carbonplan/db_busy.py), and 414, the HTTP server's refusal of a
  request line longer than it reads (gunicorn: 4094 bytes), as the text it sends;
- a request Django refuses as suspicious (more than DATA_UPLOAD_MAX_NUMBER_FIELDS
  parameters, a body over DATA_UPLOAD_MAX_MEMORY_SIZE) answers the documented 400
  ``parse_error``, not a server error;
- for every input, each error code it can answer, found by probing the fields and
  reading the code behind the operation (carbonplan/api_error_codes.py), so a new
  field, filter or refusal is documented without being listed by hand.
"""

import functools
import logging

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.utils.translation import gettext as _
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_standardized_errors import openapi_serializers as standard
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi import AutoSchema as StandardAutoSchema
from drf_standardized_errors.openapi_utils import (
    InputDataField,
    get_django_filter_backends,
    get_filter_forms,
    get_flat_serializer_fields,
    get_form_field_error_codes,
    get_form_fields,
    get_serializer_fields_with_error_codes,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, serializers, status

from . import api_error_codes as error_codes
from .db_busy import RETRY_AFTER_SECONDS, refusal

db_logger = logging.getLogger("carbonplan.db_busy")
SUMMARY_HELP = "The first error's text (the same as errors[0].detail)."


@functools.cache
def with_detail(serializer_class):
    """`serializer_class` with the top-level `detail`, under the same component name
    (one subclass per class, so each component has one identity)."""
    meta = getattr(serializer_class, "Meta", None)
    ref_name = getattr(meta, "ref_name", None) or serializer_class.__name__.removesuffix("Serializer")
    attrs = {"detail": serializers.CharField(help_text=SUMMARY_HELP)}
    attrs["Meta"] = type("Meta", (), {"ref_name": ref_name})
    return type(serializer_class.__name__, (serializer_class,), attrs)


class ErrorResponse403Serializer(with_detail(standard.ErrorResponse403Serializer)):
    password_change_required = serializers.BooleanField(
        required=False, help_text="On the token endpoint: the password must be changed before use."
    )

    class Meta:
        ref_name = "ErrorResponse403"


class Error409Serializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse409Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=standard.ClientErrorEnum.choices)
    errors = Error409Serializer(many=True)
    detail = serializers.CharField(help_text=SUMMARY_HELP)
    id = serializers.IntegerField(
        required=False, help_text="The existing object the request collides with, where there is one."
    )


class Error503Serializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[("database_busy", "database_busy"), ("database_unavailable", "database_unavailable")]
    )
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse503Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=standard.ServerErrorEnum.choices)
    errors = Error503Serializer(many=True)
    detail = serializers.CharField(help_text=SUMMARY_HELP)


ERROR_SCHEMAS = {
    **{
        code: with_detail(getattr(standard, f"ErrorResponse{code}Serializer"))
        for code in ("401", "404", "405", "406", "415", "429", "500")
    },
    "403": ErrorResponse403Serializer,
    "409": ErrorResponse409Serializer,
    "503": ErrorResponse503Serializer,
}
# Not the application's answer but the HTTP server's, in its own format.
URI_TOO_LONG = {
    "description": "The request line (method, path and query string) is longer than the HTTP server reads.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class DatabaseBusy(exceptions.APIException):
    """503: the request could not get the database in time, or the database was away
    (a restart); its transaction was rolled back."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_busy"
    wait = RETRY_AFTER_SECONDS  # sent as Retry-After


class ErrorHandler(ExceptionHandler):
    def report_exception(self, exc, response):
        # A database busy or away is logged above in one line: an expected condition the
        # client is told to retry, not a server error to report with its traceback.
        if isinstance(exc, DatabaseBusy):
            return
        super().report_exception(exc, response)

    def convert_known_exceptions(self, exc):
        refused = refusal(exc)
        if refused is not None:
            code, message = refused
            db_logger.warning("%s, API answered 503: %s", code.replace("_", " "), exc)
            return DatabaseBusy(message, code=code)
        if isinstance(exc, SuspiciousOperation):
            # Too many parameters, too large a body: refused as malformed, as Django
            # itself answers a suspicious request outside the API (400).
            if isinstance(exc, RequestDataTooBig):
                return exceptions.ParseError(_("请求数据过大。"))
            if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
                return exceptions.ParseError(_("请求的参数过多。"))
            return exceptions.ParseError(_("请求无效。"))
        return super().convert_known_exceptions(exc)


UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorFormatter(ExceptionFormatter):
    def format_error_response(self, error_response):
        body = super().format_error_response(error_response)
        errors = body["errors"]
        body["detail"] = errors[0]["detail"] if errors else str(self.exc.default_detail)
        body.update(getattr(self.exc, "extra", None) or {})
        return body


class AutoSchema(StandardAutoSchema):
    def _get_allowed_error_status_codes(self):
        return [*super()._get_allowed_error_status_codes(), "409", "503"]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction == "response":
            responses.setdefault("414", URI_TOO_LONG)
        return responses

    def _should_add_error_response(self, responses, status_code):
        if status_code == "409":
            if getattr(self.view, "action", None) not in getattr(self.view, "conflict_actions", ()):
                return False
        return super()._should_add_error_response(responses, status_code)

    def _should_add_http403_error_response(self):
        # Reads need only a valid login (401 otherwise), unless the code behind them
        # refuses a read-only user (an access helper's 403); writes can be refused.
        return (
            super()._should_add_http403_error_response()
            or self.method in UNSAFE_METHODS
            or "403" in error_codes.statuses(self._view_pairs())
        )

    def _view_pairs(self):
        return error_codes.read_view(type(self.view), getattr(self.view, "action", None), self.method)

    def _should_add_http415_error_response(self):
        # Only a request body has a media type to refuse.
        return self.method in UNSAFE_METHODS and super()._should_add_http415_error_response()

    def _get_error_response_serializer(self, status_code):
        return ERROR_SCHEMAS.get(status_code) or super()._get_error_response_serializer(status_code)

    def _get_http400_serializer(self):
        proxy = super()._get_http400_serializer()
        proxy.serializers = {kind: with_detail(s) for kind, s in proxy.serializers.items()}
        return proxy

    # Every code an input can answer, found rather than listed (carbonplan/api_error_codes.py).

    def _request_body(self):
        if self.method not in UNSAFE_METHODS:
            return None
        serializer = force_instance(self.get_request_serializer())
        return serializer if isinstance(serializer, serializers.Serializer) else None

    def _writable_fields(self, body) -> list[str]:
        return [name for name, field in body.fields.items() if not field.read_only] if body else []

    def _determine_fields_with_error_codes(self):
        body = self._request_body()
        if body is not None:
            fields = get_flat_serializer_fields(body)
            get_serializer_fields_with_error_codes(fields)  # the static codes, in place
            for field in fields:
                if not is_serializer(field.field):
                    field.error_codes = set(field.error_codes) | error_codes.probe_serializer_field(
                        field.field
                    )
            return [field for field in fields if field.error_codes]
        if self.method in UNSAFE_METHODS:
            return []
        fields = []
        for form in get_filter_forms(self.view, get_django_filter_backends(self.get_filter_backends())):
            for name, field in form.fields.items():
                static = set().union(*(get_form_field_error_codes(f) for f in get_form_fields(field)))
                fields.append(InputDataField(name, field, static | error_codes.probe_form_field(name, field)))
        return [field for field in fields if field.error_codes]

    def _get_extra_validation_errors(self):
        declared = super()._get_extra_validation_errors()
        body = self._request_body()
        writable = self._writable_fields(body)
        pairs = set(self._view_pairs())
        if body is not None:
            field_classes = tuple((name, type(body.fields[name])) for name in writable)
            pairs |= error_codes.read_serializer(type(body), field_classes)
            # The domain rule: the services behind a write may refuse any field it takes.
            pairs |= {(name, "invalid") for name in (*writable, error_codes.NON_FIELD)}
        found = error_codes.expand(pairs, writable)
        for attr, codes in declared.items():
            found[attr] |= set(codes)
        return dict(found)


def refuses_fields(*field_names, code="invalid", methods=UNSAFE_METHODS):
    """Class decorator documenting 400s a view raises itself rather than through its
    serializer: a domain rule refusing `field_names` (a model field, `non_field_errors`,
    Django's `__all__`, or `detail` for a refusal of the request as a whole)."""

    def decorate(view):
        for name in field_names:
            view = extend_validation_errors([code], field_name=name, methods=list(methods))(view)
        return view

    return decorate


class Conflict(exceptions.APIException):
    """409: the request collides with the current state; `extra` fields (such as the
    `id` of the existing object) are added to the body."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Conflict."

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra
