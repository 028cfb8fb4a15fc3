"""Honest overload (issue 14): beyond capacity, an immediate 503 instead of a silent queue.

Each server process lets at most `MOISSON_MAX_IN_FLIGHT` requests run at once, fewer on a machine too slow
to serve that many within `MOISSON_TARGET_MS` (`Places`). One more waits at most
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

from moisson.cores import IdleCores


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


class Places:
    """How many requests this process lets run at once: MOISSON_MAX_IN_FLIGHT at most, fewer on a machine
    too slow to serve that many within MOISSON_TARGET_MS.

    Every WINDOW requests served, the 90th percentile of their durations is compared with the target. Over
    it while the cores this process may use are full (`moisson.cores`: its cores, or its container's quota),
    fewer places, in proportion: the requests let in were only sharing the cores (and the GIL) and taking
    longer each, and the ones beyond get their 503 sooner. Under half of it while requests were refused, or
    with cores left idle, one place more, up to the setting. A request slowed by something other than the
    cores (the database, another server) leaves them idle, and so never takes a place away: fewer places
    would only serve fewer.
    """

    WINDOW = 50
    # Cores are full when less than this share of their time was idle; there is room above ROOM.
    FULL, ROOM = 0.1, 0.25

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.number: int | None = None
        self.idle_cores: Callable[[], float | None] = IdleCores()
        self._served: list[float] = []
        self._refused = 0

    def now(self, most: int) -> int:
        """The places this process has now (0: no limit)."""
        number = self.number
        return most if not most or number is None or number > most else number

    def refused(self) -> None:
        with self._lock:
            self._refused += 1

    def served(self, seconds: float, *, most: int, target_ms: int) -> None:
        if not most or not target_ms:
            return
        with self._lock:
            if not self._served:
                self.idle_cores()  # the window starts: the idle share is read over it
            self._served.append(seconds)
            if len(self._served) < self.WINDOW:
                return
            served, self._served = sorted(self._served), []
            refused, self._refused = self._refused, 0
            slowest_ms = served[int(len(served) * 0.9)] * 1000
            idle = self.idle_cores()
            number = self.now(most)
            if slowest_ms > target_ms and idle is not None and idle < self.FULL and number > 1:
                # In proportion, at least one: from 4 places with a p90 of 300 ms for a target of 100, 1.
                number = max(1, min(number - 1, int(number * target_ms / slowest_ms)))
            elif refused and number < most and (slowest_ms < target_ms / 2 or (idle or 0) > self.ROOM):
                number += 1
            self.number = number


requests_in_flight = InFlight()
places = Places()
# Whether the request this thread serves holds one of the places (not in a worker, a command, a test), and
# whether it lent it for a while (its duration then says nothing of the cores).
_this_thread = threading.local()


@contextlib.contextmanager
def place_given_back() -> Iterator[None]:
    """While the request waits for another server without using a core (a mail server's answer), its place
    serves another request; it is taken back when the wait is over."""
    if not getattr(_this_thread, "holds_place", False):
        yield
        return
    _this_thread.holds_place = False
    _this_thread.lent_place = True
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
        most = settings.MOISSON_MAX_IN_FLIGHT
        if not requests_in_flight.try_enter(limit=places.now(most), wait=settings.MOISSON_MAX_WAIT_MS / 1000):
            places.refused()
            return overloaded(request)
        started = time.monotonic()
        _this_thread.holds_place, _this_thread.lent_place = True, False
        try:
            return self.get_response(request)
        finally:
            _this_thread.holds_place = False
            requests_in_flight.leave()
            if not _this_thread.lent_place:
                places.served(time.monotonic() - started, most=most, target_ms=settings.MOISSON_TARGET_MS)


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
