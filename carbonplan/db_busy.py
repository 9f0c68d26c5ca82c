"""A database too busy to take a write in time answers 503 with Retry-After, not 500.

On the embedded default a write waits its turn for SQLite's write lock up to the busy
timeout (`SQLITE_BUSY_TIMEOUT`, carbonplan/sqlite3/base.py); past it the request is
refused. That is the server being overloaded, not the request being wrong: the client
is told so, in the page's or the API's format, and when to try again, and nothing of
the request was stored (its transaction was rolled back). The API's answer is
documented on every operation (carbonplan/api_errors.py); the report form keeps the
draft in the browser and saves it again with the next change.
"""

import logging

from django.db.utils import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 10
logger = logging.getLogger(__name__)


def is_database_busy(exc) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def busy_message() -> str:
    return _("系统繁忙，本次操作未保存，请稍后重试。")


class DatabaseBusyMiddleware:
    """Pages and the form's JSON endpoints (the API has its own exception handler)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_database_busy(exc):
            return None
        logger.warning("database busy, %s %s answered 503: %s", request.method, request.path, exc)
        wants_json = "application/json" in request.headers.get("Accept", "") or request.content_type == (
            "application/json"
        )
        if wants_json:
            response = JsonResponse({"error": busy_message()}, status=503)
        else:
            response = render(request, "busy.html", {"message": busy_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
