import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import make_user, pair_text

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("api:accounts_api:token")


def test_a_username_and_password_give_a_token():
    make_user(username="zoe", email_verified=True)
    response = APIClient().post(TOKEN_URL, {"username": "zoe", "password": "demo-moisson"}, format="json")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_an_email_address_works_in_place_of_the_username():
    make_user(username="zoe", email="zoe@example.org", email_verified=True)
    response = APIClient().post(
        TOKEN_URL, {"username": "zoe@example.org", "password": "demo-moisson"}, format="json"
    )
    assert response.status_code == 200


def test_the_same_token_is_returned_each_time():
    make_user(username="zoe", email_verified=True)
    credentials = {"username": "zoe", "password": "demo-moisson"}
    first = APIClient().post(TOKEN_URL, credentials, format="json").json()["token"]
    second = APIClient().post(TOKEN_URL, credentials, format="json").json()["token"]
    assert first == second


def test_a_wrong_password_gives_no_token():
    make_user(username="zoe", email_verified=True)
    response = APIClient().post(TOKEN_URL, {"username": "zoe", "password": "mauvais"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert response.json()["code"] == "invalid"


def test_an_unverified_email_address_gives_no_token():
    make_user(username="zoe")
    response = APIClient().post(TOKEN_URL, {"username": "zoe", "password": "demo-moisson"}, format="json")
    assert response.status_code == 400


def test_an_inactive_account_gives_no_token():
    make_user(username="zoe", is_active=False, email_verified=True)
    response = APIClient().post(TOKEN_URL, {"username": "zoe", "password": "demo-moisson"}, format="json")
    assert response.status_code == 400


def test_the_token_authenticates_requests():
    user = make_user(username="zoe", email_verified=True)
    token = APIClient().post(TOKEN_URL, {"username": "zoe", "password": "demo-moisson"}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = client.post(reverse("api:collect_api:pairs-list"), pair_text(), format="json")
    assert response.status_code == 201
    assert user.pairs.count() == 1


def test_a_browser_session_authenticates_requests(contributor):
    client = APIClient()
    client.force_login(contributor)
    response = client.get(reverse("api:collect_api:pairs-list"), {"mine": 1})
    assert response.status_code == 200


def test_an_anonymous_write_is_answered_401_with_the_token_scheme(anonymous_api):
    response = anonymous_api.post(reverse("api:collect_api:pairs-list"), pair_text(), format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_answered_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = client.get(reverse("api:collect_api:pairs-list"))
    assert response.status_code == 401


def test_a_browser_session_must_send_the_csrf_token_to_write(contributor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(contributor)
    response = client.post(reverse("api:collect_api:pairs-list"), pair_text(), format="json")
    assert response.status_code == 403
    assert not contributor.pairs.exists()
