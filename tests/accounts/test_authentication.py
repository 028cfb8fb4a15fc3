"""accounts.authentication: the account of each request is the one Django, allauth and DRF would find, with
the same checks, read from the database on every request (issue 14)."""

from importlib import import_module

import pytest
from allauth.account import auth_backends as allauth_backends
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, backends
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework import authentication as drf_authentication
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.authentication import (
    AuthenticationBackend,
    AuthenticationMiddleware,
    ModelBackend,
    TokenAuthentication,
)
from accounts.models import User
from tests.factories import make_user, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

WRITE_URL = reverse("collect:write")
PAIRS_URL = reverse("api:collect_api:pairs-list")


def field_values(user: User) -> dict[str, object]:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def sql_of(call: object) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return [query["sql"] for query in queries.captured_queries]


def a_full_profile() -> User:
    user = make_user(pseudonym="Plume", attribution_opt_in=True, review_domains=["maths", "history"])
    user.remember_writing_choices(task_type="open_qa", domain="maths", level="lycee")
    return user


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ModelBackend, backends.ModelBackend),
        (AuthenticationBackend, allauth_backends.AuthenticationBackend),
    ],
)
def test_the_session_account_is_the_one_django_and_allauth_read(ours, theirs):
    user = a_full_profile()
    ours().get_user(make_user().pk)  # the SQL is compiled with another account's id
    found, expected = ours().get_user(user.pk), theirs().get_user(user.pk)
    assert field_values(found) == field_values(expected)
    assert found.review_domains == ["maths", "history"]
    assert found.get_deferred_fields() == set()
    assert found._state.db == expected._state.db and not found._state.adding
    assert sql_of(lambda: ours().get_user(user.pk)) == sql_of(lambda: theirs().get_user(user.pk))


def test_an_inactive_or_unknown_account_has_no_session_account():
    inactive = make_user(is_active=False)
    assert backends.ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(inactive.pk + 1000) is None


def signed_in(login: str) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": login, "password": "demo-moisson"})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("login", "backend"),
    [
        ("zoe", "accounts.authentication.ModelBackend"),
        ("zoe@example.org", "accounts.authentication.AuthenticationBackend"),
    ],
)
def test_signing_in_records_these_backends(login, backend):
    make_user(username="zoe", email="zoe@example.org", email_verified=True)
    client = signed_in(login)
    assert client.session[BACKEND_SESSION_KEY] == backend
    assert client.get(WRITE_URL).status_code == 200


def test_a_bulk_deactivation_signs_the_person_out_at_the_next_request():
    user = make_user()
    client = Client()
    client.force_login(user)
    assert client.get(WRITE_URL).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(WRITE_URL).url.startswith(reverse("account_login"))


def test_a_bulk_suspension_is_refused_at_the_next_request_at_both_doors():
    user = make_user()
    client, api = Client(), api_client(user)
    client.force_login(user)
    assert client.get(WRITE_URL).status_code == 200
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    assert client.get(WRITE_URL).status_code == 403
    response = api.post(PAIRS_URL, pair_text(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Votre compte est suspendu."


def test_a_password_change_signs_the_other_sessions_out():
    user = make_user(username="zoe", email_verified=True)
    other = signed_in("zoe")
    assert other.get(WRITE_URL).status_code == 200
    user.set_password("un-autre-mot-de-passe")
    user.save()
    assert other.get(WRITE_URL).url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "former",
    ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"],
)
def test_a_session_opened_before_these_backends_stays_signed_in(former):
    user = make_user()
    client = Client()
    client.force_login(user, backend=former)
    assert client.get(WRITE_URL).status_code == 200
    assert client.session[BACKEND_SESSION_KEY].startswith("accounts.authentication.")
    assert client.get(WRITE_URL).status_code == 200


def test_a_former_session_finds_its_account_from_async_code_too():
    user = make_user()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
    AuthenticationMiddleware(lambda request: None).process_request(request)
    assert async_to_sync(request.auser)() == user
    assert request.session[BACKEND_SESSION_KEY] == "accounts.authentication.ModelBackend"


def test_a_token_request_does_not_load_the_browser_session(contributor):
    # A script may send both: the token answers, and the session is never read.
    api = api_client(contributor)
    api.force_login(contributor)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(PAIRS_URL, {"mine": 1}).status_code == 200
    assert not [query for query in queries.captured_queries if "django_session" in query["sql"]]


def test_a_signed_in_page_reads_the_account_in_one_query(contributor_client, contributor):
    contributor_client.get(WRITE_URL)
    with CaptureQueriesContext(connection) as queries:
        assert contributor_client.get(WRITE_URL).status_code == 200
    on_users = [query["sql"] for query in queries.captured_queries if 'FROM "accounts_user"' in query["sql"]]
    assert on_users == sql_of(lambda: backends.ModelBackend().get_user(contributor.pk))


# The token's answers, compared with DRF's own class behind the project's error format.
def answer_with(authentication_class: type, authorization: str | None) -> tuple[int, dict, str | None]:
    class Probe(APIView):
        authentication_classes = [authentication_class]

        def get(self, request: object) -> Response:
            return Response({"username": request.user.username})

    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Probe.as_view()(APIRequestFactory().get("/", **headers))
    response.render()
    return response.status_code, response.data, response.get("WWW-Authenticate")


def token_of(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def test_a_token_finds_the_account_and_the_token_drf_would():
    user = a_full_profile()
    TokenAuthentication().authenticate_credentials(token_of(make_user()))  # compiled with another key
    token_key = token_of(user)
    found_user, found_token = TokenAuthentication().authenticate_credentials(token_key)
    user_expected, token_expected = drf_authentication.TokenAuthentication().authenticate_credentials(
        token_key
    )
    assert field_values(found_user) == field_values(user_expected)
    assert found_user.get_deferred_fields() == set()
    assert (found_token.key, found_token.user_id, found_token.created) == (
        token_expected.key,
        token_expected.user_id,
        token_expected.created,
    )
    with CaptureQueriesContext(connection) as queries:
        assert found_token.user is found_user
        assert found_user.auth_token is found_token
    assert not queries.captured_queries
    assert sql_of(lambda: TokenAuthentication().authenticate_credentials(token_key)) == sql_of(
        lambda: drf_authentication.TokenAuthentication().authenticate_credentials(token_key)
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Token 0000000000000000000000000000000000000000",
        "Token",
        "Token deux mots",
        "Token inactive",
    ],
)
def test_token_answers_are_drfs(authorization, language):
    if authorization == "Token inactive":
        authorization = f"Token {token_of(make_user(is_active=False))}"
    with translation.override(language):
        ours = answer_with(TokenAuthentication, authorization)
        theirs = answer_with(drf_authentication.TokenAuthentication, authorization)
    assert ours == theirs
    assert ours[0] == (200 if authorization is None else 401)


def test_an_inactive_accounts_token_is_answered_401_in_french():
    user = make_user()
    api = api_client(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api.get(PAIRS_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Utilisateur inactif ou supprimé.", "code": "authentication_failed"}
