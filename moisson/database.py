"""A lost database connection is a "try again", not a crash (issue 13, battery: database connection dropped
mid-vote).

When the database goes away in the middle of a request (PostgreSQL restarted, a network link dropped, the
server process of the connection killed), the transaction the services opened is rolled back by the database
and Django closes the broken connection; the next request opens a new one. So the person only has to send
the same thing again, and every service is safe to retry (a vote already counted is refused as such).

This middleware says so at both doors, for every view: under /api/ the API's JSON error shape with 503 and
`Retry-After`; on the web a short French page, also 503, which keeps what the person sent in a form (hidden
fields) and sends it again with one button, so a reviewer's comment or a moderator's reason is not typed
twice. Neither answer touches the database: the page does not extend base.html, which reads the user.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.template.loader import render_to_string
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# Never written back into a page, even to the person who just typed it.
UNSENT_FIELDS = ("password",)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # OperationalError: the connection broke or the database refused it (also a deadlock or SQLite's
        # "database is locked": retrying is right for those too). InterfaceError: a connection already closed.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        return database_unavailable(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    detail = gettext(
        "Your request could not be completed: the connection to our database was interrupted. "
        "Please try again in a few seconds."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": detail, "code": "database_unavailable"}, status=503)
    else:
        response = HttpResponse(
            render_to_string(
                "database_unavailable.html",
                {"detail": detail, "action": request.get_full_path(), "fields": _sent_fields(request)},
            ),
            status=503,
        )
    response["Retry-After"] = str(settings.MOISSON_OVERLOAD_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Logged above with its cause; Django would log the 503 a second time, without it.
    response._has_been_logged = True
    return response


def _sent_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """What a web form sent, as (name, value) pairs, to send it again; nothing for a GET."""
    if request.method != "POST":
        return []
    try:
        sent = request.POST.lists()
    except (SuspiciousOperation, RequestDataTooBig, RawPostDataException, MultiPartParserError):
        # A body that cannot be read as a form (already read as a stream, too big): nothing to keep.
        return []
    return [
        (name, value)
        for name, values in sent
        if not any(word in name.lower() for word in UNSENT_FIELDS)
        for value in values
    ]
