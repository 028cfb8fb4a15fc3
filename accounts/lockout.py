"""Per-account lockout after repeated wrong passwords (django-axes), the same on every login door.

The login page takes a username or an e-mail address, the API token endpoint too, the admin a username:
all three count against one key per account, so switching doors or spelling buys no fresh attempts.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from .models import User

ACCOUNT_KEY_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


def account_key(request: HttpRequest, credentials: dict | None) -> str:
    """The username of the account these credentials name, or the login as typed when none matches."""
    credentials = credentials or {}
    login = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    if not login and request.method == "POST" and not request.path.startswith("/api/"):
        login = request.POST.get("login") or request.POST.get("username") or ""
    login = str(login).strip()
    if not login:
        return ""
    user = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).only("username").first()
    # django-axes stores the key in a column of 255 characters: a longer login, which names no account,
    # made recording the failure a 500 on PostgreSQL (tests/reliability/test_hostile_input.py).
    return user.username if user is not None else login.casefold()[:ACCOUNT_KEY_MAX_LENGTH]


def lockout_message() -> str:
    minutes = int(_cooloff().total_seconds() // 60)
    return ngettext(
        "Too many wrong passwords for this account. To protect it, signing in is paused for %(minutes)d "
        "minute. You can also reset your password.",
        "Too many wrong passwords for this account. To protect it, signing in is paused for %(minutes)d "
        "minutes. You can also reset your password.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with the API's error shape under /api/, else a page that says what happened and what to do."""
    retry_after = str(int(_cooloff().total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry_after
    return response


def _cooloff() -> timedelta:
    return settings.AXES_COOLOFF_TIME
