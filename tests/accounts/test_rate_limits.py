"""allauth's limits per connection, sized for a class sharing one school address: a class signs up and signs
in at the teacher's word; beyond the limits, the answer is a French page (templates/429.html)."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from tests.factories import make_user
from tests.fixtures import signup

pytestmark = pytest.mark.django_db

CLASS_SIZE = 35


@pytest.fixture(autouse=True)
def _french(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "fr"


def sign_up(client: Client, username: str) -> int:
    return signup.sign_up(username, client=client).status_code


def test_a_whole_class_signs_up_from_one_school_address_within_a_minute() -> None:
    statuses = [sign_up(Client(), f"eleve{number}") for number in range(CLASS_SIZE)]

    assert statuses == [302] * CLASS_SIZE
    assert User.objects.count() == CLASS_SIZE


def test_a_whole_class_signs_in_from_one_school_address_within_a_minute() -> None:
    for number in range(CLASS_SIZE):
        make_user(username=f"eleve{number}", email_verified=True)

    statuses = [
        Client()
        .post(reverse("account_login"), {"login": f"eleve{number}", "password": "demo-moisson"})
        .status_code
        for number in range(CLASS_SIZE)
    ]

    assert statuses == [302] * CLASS_SIZE


def test_beyond_the_limit_the_answer_is_a_french_page() -> None:
    statuses = [sign_up(Client(), f"robot{number}") for number in range(61)]

    assert statuses[:60] == [302] * 60
    assert statuses[60] == 429
    page = Client().post(reverse("account_signup"), {"username": "encore"}, HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode().replace("\u00a0", " ")
    assert page.status_code == 429
    assert "Trop de tentatives en peu de temps" in text
    assert "Merci de patienter une minute" in text
