"""Per-account lockout after repeated wrong passwords, on every login door (issue 13)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "demo-moisson"
TOKEN_URL = "/api/v1/auth/token/"
LOCKED_FR = "Trop de mots de passe erronés pour ce compte"


@pytest.fixture(autouse=True)
def _limit(settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.LANGUAGE_CODE = "fr"


def web_login(client: Client, login: str, password: str) -> object:
    return client.post(reverse("account_login"), {"login": login, "password": password})


def token(client: Client, username: str, password: str) -> object:
    body = {"username": username, "password": password}
    return client.post(TOKEN_URL, body, content_type="application/json")


def admin_login(client: Client, username: str, password: str) -> object:
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def test_the_login_page_locks_an_account_after_repeated_wrong_passwords(client: Client) -> None:
    make_user(username="alice", email_verified=True)

    responses = [web_login(client, "alice", "wrong") for _ in range(3)]
    after = web_login(Client(), "alice", PASSWORD)

    assert [response.status_code for response in responses[:2]] == [200, 200]
    assert responses[2].status_code == 429
    assert LOCKED_FR in responses[2].content.decode()
    assert after.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_before_the_limit_signs_in_and_forgets_the_failures(client: Client) -> None:
    make_user(username="alice", email_verified=True)
    web_login(client, "alice", "wrong")
    web_login(client, "alice", "wrong")

    response = web_login(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_api_token_endpoint_locks_an_account_with_the_api_error_shape(client: Client) -> None:
    make_user(username="alice", email_verified=True)

    statuses = [token(client, "alice", "wrong").status_code for _ in range(3)]
    after = token(client, "alice", PASSWORD)

    assert statuses == [400, 400, 429]
    assert after.status_code == 429
    assert after.json()["code"] == "locked_out"
    assert LOCKED_FR in after.json()["detail"]
    assert "token" not in after.json()


def test_the_admin_login_locks_an_account(client: Client) -> None:
    make_user(username="root", is_staff=True, is_superuser=True, email_verified=True)

    statuses = [admin_login(client, "root", "wrong").status_code for _ in range(3)]
    after = admin_login(Client(), "root", PASSWORD)

    assert statuses == [200, 200, 429]
    assert after.status_code == 429


def test_switching_doors_and_spelling_buys_no_fresh_attempts(client: Client) -> None:
    make_user(username="alice", email="alice@example.org", email_verified=True)
    token(client, "alice", "wrong")
    admin_login(client, "ALICE", "wrong")

    response = web_login(client, "alice@example.org", "wrong")
    after = token(client, "Alice@Example.org", PASSWORD)

    assert response.status_code == 429
    assert after.status_code == 429
    assert AccessAttempt.objects.get().username == "alice"


def test_another_account_is_not_locked_by_someone_elses_failures(client: Client) -> None:
    make_user(username="alice", email_verified=True)
    make_user(username="bruno", email_verified=True)
    for _ in range(3):
        token(client, "alice", "wrong")

    response = token(client, "bruno", PASSWORD)

    assert response.status_code == 200
    assert "token" in response.json()


def test_a_forged_forwarded_address_does_not_unlock_an_account(client: Client) -> None:
    make_user(username="alice", email_verified=True)
    for _ in range(3):
        token(client, "alice", "wrong")

    response = client.post(
        TOKEN_URL,
        {"username": "alice", "password": PASSWORD},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    assert response.status_code == 429
