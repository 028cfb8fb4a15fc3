"""Rate limits counted in the shared cache: for web views (`throttled`), and DRF's throttles for the API.

Web views: a fixed window per person (or per address for visitors): `cache.add` then `cache.incr` are atomic
on Redis, so with CACHE_URL set the count holds across every worker and server.

The API: DRF's throttles (`AnonThrottle`, `UserThrottle`, `ScopedThrottle`, named in settings.REST_FRAMEWORK)
keep the times of each caller's recent requests, at most N within the rate's period; on Redis they are kept
by one script, atomically and in one round trip.
"""

import time
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from .network import client_ip

View = Callable[..., HttpResponse]
# As DRF reads its rates: only the first letter of the period counts ("60/minute", "60/min", "60/m").
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """How many requests in how many seconds: "60/minute" gives (60, 60)."""
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()[:1]]


def count_in_cache(key: str, *, timeout: int) -> int:
    """Add one to the counter `key` (kept `timeout` seconds from its first count) and return it."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def throttled(*, scope: str, rate_setting: str) -> Callable[[View], View]:
    """Answer 429 with a Retry-After once the person went over settings.<rate_setting> in `scope`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            limit, period = parse_rate(getattr(settings, rate_setting))
            who = f"user-{request.user.pk}" if request.user.is_authenticated else f"ip-{client_ip(request)}"
            window = int(time.time() // period)
            count = count_in_cache(f"throttle:{scope}:{who}:{window}", timeout=period + 1)
            if count > limit:
                retry_after = max(1, period - int(time.time()) % period)
                response = HttpResponse(
                    _("Too many requests in a short time. Please wait a moment."),
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(retry_after)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# The caller's recent requests as a sorted set of times in ms: forget those older than the period, then record
# this one if fewer than the limit remain (answers 0), else answer the ms until the oldest leaves the period.
# The rule of DRF's SimpleRateThrottle, run by Redis in one step.
SLIDING_LOG = """
local now, period, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[1], 0, now - period)
if redis.call("ZCARD", KEYS[1]) < limit then
    redis.call("ZADD", KEYS[1], now, ARGV[4])
    redis.call("PEXPIRE", KEYS[1], period)
    return 0
end
local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return math.max(1, tonumber(oldest[2]) + period - now)
"""


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle (at most N requests within the rate's period), kept atomically on Redis.

    DRF's own reads the caller's list of request times from the cache and writes it back: two round trips and
    the whole list both ways, each request; and two workers counting the same caller at once both write back
    the list they read, so one of the two requests goes uncounted (issue 14). Without Redis (one process's
    memory, in development) DRF's own does the counting.
    """

    def allow_request(self, request: Request, view: object) -> bool:
        shared = caches["default"]  # `cache` is a proxy to it: never an instance of RedisCache
        if not isinstance(shared, RedisCache):
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        # A key of its own: DRF's pickled list may still be under the plain one (another type for Redis).
        key = shared.make_and_validate_key(f"{key}:log")
        # Django's cache API runs no script: its own Redis client does.
        client = shared._cache.get_client(key, write=True)
        now_ms = int(self.timer() * 1000)
        args = [now_ms, self.duration * 1000, self.num_requests, f"{now_ms}-{uuid.uuid4().hex[:8]}"]
        self.wait_ms = client.register_script(SLIDING_LOG)(keys=[key], args=args)
        return self.wait_ms == 0

    def wait(self) -> float | None:
        """Seconds until the oldest counted request leaves the period (the Retry-After header)."""
        if not hasattr(self, "wait_ms"):  # counted by DRF's own
            return super().wait()
        return self.wait_ms / 1000


class AnonThrottle(AnonRateThrottle, SharedRateThrottle):
    """Visitors, per address (the `anon` rate)."""


class UserThrottle(UserRateThrottle, SharedRateThrottle):
    """Signed-in people, per account (the `user` rate)."""


class ScopedThrottle(ScopedRateThrottle, SharedRateThrottle):
    """The view's `throttle_scope`, per account or address (its rate in DEFAULT_THROTTLE_RATES)."""
