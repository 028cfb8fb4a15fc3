"""A request whose database connection fails gets a 503 "try again", at both doors (moisson/database.py).

The real fault, a connection killed in the middle of a vote on PostgreSQL, is in
tests/reliability/test_database_faults.py; these check the answer itself on any database.
"""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.moisson.database_error_urls")]


def test_a_form_cut_off_from_the_database_gets_a_french_page_that_can_send_it_again_without_the_password():
    sent = {"comment": "<b>Très bien</b>", "password": "secret-123", "n": ["1", "2"]}
    response = Client().post("/test-base-perdue/?page=2", sent)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "la connexion à notre base de données a été interrompue" in page
    assert '<form method="post" action="/test-base-perdue/?page=2">' in page
    assert '<input type="hidden" name="comment" value="&lt;b&gt;Très bien&lt;/b&gt;">' in page
    assert page.count('<input type="hidden" name="n"') == 2
    assert "secret-123" not in page


def test_a_page_cut_off_from_the_database_offers_to_try_again_in_english_for_an_english_reader():
    response = Client(headers={"accept-language": "en"}).get("/test-base-perdue/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "the connection to our database was interrupted" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Try again" in page


def test_the_api_answers_a_closed_connection_with_its_json_error_and_retry_after():
    response = Client().get("/api/v1/test-base-fermee/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"
