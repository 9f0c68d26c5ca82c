"""A database too busy to take a write in time, or away for a moment, answers 503 with
Retry-After, not 500.

On the embedded default a write waits its turn for SQLite's write lock up to the busy
timeout (`SQLITE_BUSY_TIMEOUT`, carbonplan/sqlite3/base.py); past it the request is
refused. That is the server being overloaded, not the request being wrong: the client
is told so, in the page's or the API's format, and when to try again, and nothing of
the request was stored (its transaction was rolled back). The API's answer is
documented on every operation (carbonplan/api_errors.py); the report form keeps the
draft in the browser and saves it again with the next change.

On PostgreSQL the same answer is given when the server is away for a moment (a restart,
a failover): the connection refused, lost or shut down by the server, or a transaction
it aborted to be tried again (a deadlock). The transaction of the request was rolled
back; the next request gets a new connection (CONN_HEALTH_CHECKS).
"""

import logging

from django.db.utils import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 10
logger = logging.getLogger(__name__)


def is_database_busy(exc) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


# SQLSTATE classes: 08 connection exception, 57P operator intervention (the server
# shutting down or starting), 40 transaction rollback (deadlock, serialization).
UNAVAILABLE_STATES = ("08", "57P", "40")


def is_database_unavailable(exc) -> bool:
    """PostgreSQL restarting or unreachable, or a transaction it asks to be tried again."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    cause = exc.__cause__
    if cause is None or not type(cause).__module__.startswith("psycopg"):
        return False
    state = getattr(cause, "sqlstate", None)
    # No SQLSTATE: the client's side of the connection failed (refused, closed, lost).
    return state is None or state.startswith(UNAVAILABLE_STATES)


def busy_message() -> str:
    return _("系统繁忙，本次操作未保存，请稍后重试。")


def unavailable_message() -> str:
    return _("数据库暂时不可用，本次操作未完成，请稍后重试。")


def refusal(exc):
    """(code, message) for a database that cannot serve the request now, else None."""
    if is_database_busy(exc):
        return "database_busy", busy_message()
    if is_database_unavailable(exc):
        return "database_unavailable", unavailable_message()
    return None


class DatabaseBusyMiddleware:
    """Pages and the form's JSON endpoints (the API has its own exception handler)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        refused = refusal(exc)
        if refused is None:
            return None
        code, message = refused
        logger.warning(
            "%s, %s %s answered 503: %s", code.replace("_", " "), request.method, request.path, exc
        )
        wants_json = "application/json" in request.headers.get("Accept", "") or request.content_type == (
            "application/json"
        )
        if wants_json:
            response = JsonResponse({"error": message}, status=503)
        else:
            response = render(request, "busy.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
