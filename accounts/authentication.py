"""The account of each request, read from the database every time with SQL compiled once (issue 14).

A signed-in page reads the person's row (from the session), an API request reads its token and the token's
account: through the ORM this was most of a bare request's CPU, for the same SQL each time. The backends and
the token authentication below are Django's, allauth's and DRF's with that one read replaced by
`moisson.compiled.CompiledGet`: same SQL, same objects, same checks (an inactive account is refused, a
password change ends the other sessions, a suspension applies on the next request whichever way the row was
changed). Nothing is cached between requests.
"""

from functools import partial

from allauth.account import auth_backends
from django.contrib.auth import BACKEND_SESSION_KEY, backends, get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from moisson.compiled import CompiledGet

from .models import User

# As ModelBackend.get_user: `UserModel._default_manager.get(pk=user_id)`.
USER_BY_ID = CompiledGet(lambda: get_user_model()._default_manager.all(), "pk")


def _token_queryset() -> QuerySet:
    # Imported here: rest_framework.authtoken's models need the apps loaded.
    from rest_framework.authtoken.models import Token

    return Token.objects.select_related("user")


# As DRF's TokenAuthentication: `Token.objects.select_related("user").get(key=key)`.
TOKEN_BY_KEY = CompiledGet(_token_queryset, "key")


class CompiledGetUser:
    """ModelBackend.get_user (the session's account) reading the row with USER_BY_ID. Signing in
    (`authenticate`) and the async `aget_user` are the parent's, unchanged."""

    def get_user(self, user_id: object) -> User | None:
        user = USER_BY_ID.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CompiledGetUser, backends.ModelBackend):
    """Django's backend: signing in by username."""


class AuthenticationBackend(CompiledGetUser, auth_backends.AuthenticationBackend):
    """allauth's backend: signing in by e-mail address, and after confirming one."""


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with its answers (401, messages, `WWW-Authenticate: Token`)."""

    def authenticate_credentials(self, key: str) -> tuple[User, object]:
        token = TOKEN_BY_KEY.get(key)
        # DRF's own messages, translated by its catalogue.
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


# A session records the path of the backend that signed the person in, and Django only reads the account
# through a backend still listed in AUTHENTICATION_BACKENDS. Sessions opened before the backends above name
# Django's and allauth's: they are renamed on their next request instead of being signed out. This can go
# once SESSION_COOKIE_AGE (two weeks) has passed since these backends were deployed.
FORMER_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "accounts.authentication.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.authentication.AuthenticationBackend",
}


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, reading a session's former backend under its new name (still lazily: a request that never
    asks for its account does not load the session)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: auth_middleware.get_user(_with_current_backend(request)))
        request.auser = partial(_auser_with_current_backend, request)


def _with_current_backend(request: HttpRequest) -> HttpRequest:
    former = request.session.get(BACKEND_SESSION_KEY)
    if former in FORMER_BACKENDS:
        request.session[BACKEND_SESSION_KEY] = FORMER_BACKENDS[former]
    return request


async def _auser_with_current_backend(request: HttpRequest) -> User:
    former = await request.session.aget(BACKEND_SESSION_KEY)
    if former in FORMER_BACKENDS:
        await request.session.aset(BACKEND_SESSION_KEY, FORMER_BACKENDS[former])
    return await auth_middleware.auser(request)
