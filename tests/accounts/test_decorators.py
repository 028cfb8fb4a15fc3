from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _next_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["next"][0]


def test_terms_redirect_keeps_the_whole_address_with_its_query_string():
    client = Client()
    client.force_login(make_user(accepted=False))
    response = client.get("/relire/?filter=1&domains=maths")
    assert response["Location"].startswith(reverse("accounts:terms"))
    assert _next_of(response["Location"]) == "/relire/?filter=1&domains=maths"


def test_login_redirect_keeps_the_whole_address_with_its_query_string(client):
    response = client.get("/relire/?filter=1&domains=maths")
    assert _next_of(response["Location"]) == "/relire/?filter=1&domains=maths"


def test_accepting_the_terms_comes_back_to_the_whole_address():
    client = Client()
    client.force_login(make_user(accepted=False))
    location = client.get("/relire/?filter=1&domains=maths")["Location"]
    response = client.post(location, {"accept_charter": "on", "accept_license": "on"})
    assert response["Location"] == "/relire/?filter=1&domains=maths"
