"""Error pages in the site's layout, in French and English (DEBUG is off under pytest-django)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_page_answers_a_styled_french_404(client):
    response = client.get("/paires-inexistantes/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page introuvable" in content
    assert "css/moisson.css" in content
    assert "<nav" in content


def test_unknown_page_answers_in_english_for_an_english_reader():
    client = Client(headers={"accept-language": "en"})
    response = client.get("/paires-inexistantes/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_api_address_keeps_its_json_error(client):
    response = client.get("/api/v1/inexistant/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_forbidden_page_keeps_the_french_message_of_the_view(contributor_client):
    response = contributor_client.get("/moderation/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "Accès refusé" in content
    assert "Cette page est réservée" in content
    assert "<nav" in content


def test_forbidden_api_answer_stays_json(contributor_client):
    response = contributor_client.get("/api/v1/moderation/queue/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.urls("tests.accounts.error_urls")
def test_server_error_answers_a_styled_french_500():
    client = Client(raise_request_exception=False)
    response = client.get("/test-erreur-serveur/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "Une erreur s" in content
    assert "<nav" in content


@pytest.mark.urls("tests.accounts.error_urls")
def test_bad_request_answers_a_styled_french_400(client):
    response = client.get("/test-requete-invalide/")
    assert response.status_code == 400
    content = response.content.decode()
    assert "Requête incorrecte" in content
    assert "<nav" in content


def test_an_expired_form_answers_a_styled_french_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/contact/", {"message": "Bonjour"})
    assert response.status_code == 403
    content = response.content.decode()
    assert "Page expirée" in content
    assert "<nav" in content
