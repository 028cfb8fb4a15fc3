"""An unexpected crash answers in the API's JSON shape under /api/, and with the styled page elsewhere."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def crash(*args: object, **kwargs: object) -> None:
    raise RuntimeError("an unexpected bug")


@pytest.fixture
def crashing_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("collect.api.site_statistics", crash)
    monkeypatch.setattr("collect.views.site_statistics", crash)


def test_an_api_crash_answers_json_in_french(crashing_statistics: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/stats/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "Réessayez" in response.json()["detail"] or "réessayer" in response.json()["detail"]


def test_a_page_crash_answers_the_styled_french_page(crashing_statistics: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert 'lang="fr"' in response.content.decode()
