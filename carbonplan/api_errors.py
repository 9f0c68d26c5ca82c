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
  happen: a write refused by a permission rule or by the CSRF check of a session client.
"""

import functools

from drf_standardized_errors import openapi_serializers as standard
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.openapi import AutoSchema as StandardAutoSchema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, serializers, status

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


ERROR_SCHEMAS = {
    **{
        code: with_detail(getattr(standard, f"ErrorResponse{code}Serializer"))
        for code in ("401", "404", "405", "406", "415", "429", "500")
    },
    "403": ErrorResponse403Serializer,
    "409": ErrorResponse409Serializer,
}
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
        return [*super()._get_allowed_error_status_codes(), "409"]

    def _should_add_error_response(self, responses, status_code):
        if status_code == "409":
            if getattr(self.view, "action", None) not in getattr(self.view, "conflict_actions", ()):
                return False
        return super()._should_add_error_response(responses, status_code)

    def _should_add_http403_error_response(self):
        # Reads need only a valid login (401 otherwise); writes can be refused.
        return super()._should_add_http403_error_response() or self.method in UNSAFE_METHODS

    def _should_add_http415_error_response(self):
        # Only a request body has a media type to refuse.
        return self.method in UNSAFE_METHODS and super()._should_add_http415_error_response()

    def _get_error_response_serializer(self, status_code):
        return ERROR_SCHEMAS.get(status_code) or super()._get_error_response_serializer(status_code)

    def _get_http400_serializer(self):
        proxy = super()._get_http400_serializer()
        proxy.serializers = {kind: with_detail(s) for kind, s in proxy.serializers.items()}
        return proxy


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
