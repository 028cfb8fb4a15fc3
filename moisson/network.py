"""The client's address, the one way every throttle and lockout reads it.

Behind NUM_PROXIES reverse proxies that each append the address they received the request from to
X-Forwarded-For, the client is the NUM_PROXIES-th address from the right of that header: whatever a
client writes on the left of it was forged. With NUM_PROXIES = 0 the header is ignored. DRF
(REST_FRAMEWORK["NUM_PROXIES"]) and allauth (ALLAUTH_TRUSTED_PROXY_COUNT) apply the same rule.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote_addr
    return addresses[-min(proxies, len(addresses))]
