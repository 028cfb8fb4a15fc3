"""Honest overload (issue 14): beyond capacity, an immediate 503 instead of a silent queue.

Each server process lets at most `MOISSON_MAX_IN_FLIGHT` requests run at once. One more waits at most
`MOISSON_MAX_WAIT_MS` (20 ms) for a place, and at most as many wait as are served; otherwise it is
answered at once with 503 and `Retry-After`: a short French page (which tells the contributor that their
text is kept in the browser, where the writing page saves it at every keystroke) or, under /api/, the API's
JSON error. Refusing costs a few milliseconds; waiting in a queue behind the requests already in progress
cost every volunteer seconds at launch. The short wait only absorbs a burst that found every place taken
for an instant while a core had room: measured, it serves more without a queue anyone would notice.

The web server runs more threads than this limit (WEB_THREADS: moisson/serve.py, gunicorn.conf.py), so a
request beyond it reaches this middleware and is refused here rather than waiting unseen in the server's
own queue. Behind a proxy that stamps `X-Request-Start` (nginx: `proxy_set_header X-Request-Start
"t=${msec}";`), a request that already waited more than `MOISSON_MAX_QUEUE_MS` is refused too.
"""

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext


class InFlight:
    """How many requests this process is serving now. Shared by the threads of one process."""

    def __init__(self) -> None:
        self._places = threading.Condition()
        self.count = 0
        self.waiting = 0

    def try_enter(self, *, limit: int, wait: float = 0.0) -> bool:
        """Take a place, waiting at most `wait` seconds for one when all `limit` are taken; at most as many
        requests wait as are served, so that a flood is refused at once rather than queued."""
        with self._places:
            if limit and self.count >= limit:
                if not wait or self.waiting >= limit:
                    return False
                self.waiting += 1
                try:
                    if not self._places.wait_for(lambda: self.count < limit, timeout=wait):
                        return False
                finally:
                    self.waiting -= 1
            self.count += 1
            return True

    def leave(self) -> None:
        with self._places:
            self.count -= 1
            self._places.notify()

    def take_back(self) -> None:
        """Take a place again after giving it back for a wait, above the limit if need be: the request is
        half done, and refusing it now would lose what it did."""
        with self._places:
            self.count += 1


requests_in_flight = InFlight()
# Whether the request this thread serves holds one of the places (not in a worker, a command, a test).
_this_thread = threading.local()


@contextlib.contextmanager
def place_given_back() -> Iterator[None]:
    """While the request waits for another server without using a core (a mail server's answer), its place
    serves another request; it is taken back when the wait is over."""
    if not getattr(_this_thread, "holds_place", False):
        yield
        return
    _this_thread.holds_place = False
    requests_in_flight.leave()
    try:
        yield
    finally:
        requests_in_flight.take_back()
        _this_thread.holds_place = True


def queued_ms(request: HttpRequest, *, now: float) -> float | None:
    """How long the request waited since the proxy stamped it (`t=<seconds>` or µs/ms since the epoch)."""
    stamp = request.META.get("HTTP_X_REQUEST_START", "").removeprefix("t=")
    try:
        value = float(stamp)
    except ValueError:
        return None
    # nginx writes seconds with a decimal point; others write milliseconds or microseconds.
    if value > 1e14:
        value /= 1e6
    elif value > 1e11:
        value /= 1e3
    return (now - value) * 1000


class OverloadMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        max_queue_ms = settings.MOISSON_MAX_QUEUE_MS
        if max_queue_ms:
            waited = queued_ms(request, now=time.time())
            if waited is not None and waited > max_queue_ms:
                return overloaded(request)
        if not requests_in_flight.try_enter(
            limit=settings.MOISSON_MAX_IN_FLIGHT, wait=settings.MOISSON_MAX_WAIT_MS / 1000
        ):
            return overloaded(request)
        _this_thread.holds_place = True
        try:
            return self.get_response(request)
        finally:
            _this_thread.holds_place = False
            requests_in_flight.leave()


def overloaded(request: HttpRequest) -> HttpResponse:
    """The 503. Nothing here touches the database: the session and the user are not loaded.

    At two to four times the capacity most requests get this answer, so it is made once per language and
    kind (page or API) and only copied here: each refusal's CPU is taken from the requests being served.
    """
    content, content_type = _refusal(_language(request), api=request.path.startswith("/api/"))
    response = HttpResponse(content, content_type=content_type, status=503)
    response["Retry-After"] = str(settings.MOISSON_OVERLOAD_RETRY_AFTER)
    # CommonMiddleware, which would add it, has not run: without it the server sends the page chunked.
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    # Django would log each 503 as an error with its request: thousands a second at 4x capacity, which
    # would slow the refusals down. Refusing is the intended behaviour, not an error.
    response._has_been_logged = True
    return response


def _language(request: HttpRequest) -> str:
    """The language LocaleMiddleware (which has not run) would pick: Django's rules, for the language cookie
    and the browser's Accept-Language, the latter remembered per header since browsers send few kinds."""
    if settings.LANGUAGE_COOKIE_NAME in request.META.get("HTTP_COOKIE", ""):
        return translation.get_language_from_request(request)
    return _language_from_browser(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


@functools.lru_cache(maxsize=512)
def _language_from_browser(accept_language: str) -> str:
    without_cookie = SimpleNamespace(COOKIES={}, META={"HTTP_ACCEPT_LANGUAGE": accept_language})
    return translation.get_language_from_request(without_cookie)


@functools.cache
def _refusal(language: str, *, api: bool) -> tuple[bytes, str]:
    """The 503's body and content type in one language, made once per process."""
    with translation.override(language):
        if api:
            detail = gettext("Too many people at once right now. Please try again in a few seconds.")
            response = JsonResponse({"detail": detail, "code": "overloaded"})
            return response.content, response["Content-Type"]
        # templates/503.html says why it is the same for everyone.
        return render_to_string("503.html").encode(), f"text/html; charset={settings.DEFAULT_CHARSET}"
