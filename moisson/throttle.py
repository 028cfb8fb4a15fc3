"""A rate limit for web views (the API has DRF's throttles), counted in the shared cache.

A fixed window per person (or per address for visitors): `cache.add` then `cache.incr` are atomic on
Redis, so with CACHE_URL set the count holds across every worker and server.
"""

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

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
