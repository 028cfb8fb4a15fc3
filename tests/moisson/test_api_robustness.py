"""Hostile bodies get a 4xx in the API's error shape, never a 500 (issue 13)."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from collect.models import Pair

pytestmark = pytest.mark.django_db

PAIRS_URL = "/api/v1/pairs/"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _french(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "fr"


def test_deeply_nested_json_is_a_bad_request_not_a_server_error(contributor_client: Client) -> None:
    body = "[" * 50_000 + "]" * 50_000

    response = contributor_client.post(PAIRS_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"] == "Le corps de la requête n’est pas du JSON valide."
    assert not Pair.objects.exists()


def test_deeply_nested_json_is_refused_to_visitors_too(client: Client) -> None:
    body = '{"username": ' + "[" * 50_000 + "]" * 50_000 + "}"

    response = client.post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_malformed_json_is_a_bad_request_with_a_french_message(contributor_client: Client) -> None:
    response = contributor_client.post(PAIRS_URL, '{"question": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Le corps de la requête n’est pas du JSON valide."


def test_a_json_body_over_the_limit_gets_413_in_the_api_shape(
    contributor_client: Client, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"question": "' + "a" * 20_000 + '"}'

    response = contributor_client.post(PAIRS_URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "La requête est trop volumineuse.", "code": "request_too_large"}
    assert not Pair.objects.exists()


def test_a_json_body_under_the_limit_is_read_as_usual(contributor_client: Client, settings: Settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = contributor_client.post(PAIRS_URL, '{"question": "Bonjour"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_form_body_over_the_limit_under_the_api_gets_413_json(client: Client, settings: Settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post(TOKEN_URL, {"username": "a" * 20_000, "password": "x"})

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_web_form_over_the_limit_gets_a_styled_french_page(
    contributor_client: Client, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = contributor_client.post(reverse("collect:write"), {"question": "a" * 20_000})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Texte trop long" in response.content.decode()
    assert '<link rel="stylesheet"' in response.content.decode()
