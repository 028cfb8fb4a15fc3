"""The author's declaration and the licence (SPEC §3, issue 12 "Friction"), checked by submit_pair for every
door. The licence is accepted once at the terms step; a pair asks for it again only when it changed since."""

import pytest
from django.test import override_settings
from django.urls import reverse

from collect.models import Pair, Status
from collect.services import SubmissionRefused, submit_pair
from tests.factories import make_user, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

WRITE = reverse("collect:write")
LIST_URL = reverse("api:collect_api:pairs-list")
NEW_LICENSE = {"MOISSON_LICENSE": "CC-BY-SA-4.0", "MOISSON_LICENSE_NAME": "CC BY-SA 4.0"}


def form_data(**overrides: object) -> dict:
    return pair_text() | {"declaration": "on", "action": "submit"} | overrides


def refusal_codes(refused: pytest.ExceptionInfo[SubmissionRefused]) -> list[str]:
    return [finding.code for finding in refused.value.evaluation.errors]


# The service


def test_the_service_refuses_a_submission_without_the_declaration():
    author = make_user()
    with pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=author, data=pair_text() | {"declaration": False})
    assert refusal_codes(refused) == ["declaration"]
    assert refused.value.pair.status == Status.DRAFT


def test_the_service_records_the_licence_on_the_pair_without_asking_again():
    pair = submit_pair(author=make_user(), data=pair_text())
    assert (pair.status, pair.license) == (Status.PENDING, "CC-BY-4.0")


def test_accepting_the_terms_records_the_licence_and_its_date():
    author = make_user()
    assert author.terms_license == "CC-BY-4.0"
    assert author.license_accepted_at == author.terms_accepted_at


def test_the_service_asks_again_when_the_licence_changed_since_it_was_accepted():
    author = make_user()
    with override_settings(**NEW_LICENSE), pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=author, data=pair_text())
    assert refusal_codes(refused) == ["license"]


def test_accepting_the_new_licence_on_a_pair_records_it_for_the_person_and_the_pair():
    author = make_user()
    with override_settings(**NEW_LICENSE):
        pair = submit_pair(author=author, data=pair_text() | {"accept_license": True})
        author.refresh_from_db()
        assert author.has_accepted_current_license
    assert pair.license == "CC-BY-SA-4.0"
    assert author.terms_license == "CC-BY-SA-4.0"
    assert author.license_accepted_at > author.terms_accepted_at


# The web form


def test_the_writing_page_has_no_licence_checkbox_once_the_licence_is_accepted(contributor_client):
    response = contributor_client.get(WRITE)
    assert b'name="declaration"' in response.content
    assert b'name="accept_license"' not in response.content


def test_the_writing_page_shows_the_licence_checkbox_when_the_licence_changed(contributor_client):
    with override_settings(**NEW_LICENSE):
        response = contributor_client.get(WRITE)
    assert b'name="accept_license"' in response.content


def test_the_web_form_submits_without_the_licence_checkbox(contributor_client, contributor):
    contributor_client.post(WRITE, form_data())
    assert Pair.objects.get(author=contributor).status == Status.PENDING


def test_the_web_form_refuses_a_changed_licence_left_unticked(contributor_client, contributor):
    with override_settings(**NEW_LICENSE):
        response = contributor_client.post(WRITE, form_data())
    assert response.status_code == 200
    assert Pair.objects.get(author=contributor).status == Status.DRAFT


# The API


def test_the_api_submits_without_the_licence_once_accepted(contributor):
    response = api_client(contributor).post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 201
    assert response.json()["license"] == "CC-BY-4.0"


def test_the_api_refuses_a_changed_licence_not_accepted(contributor):
    with override_settings(**NEW_LICENSE):
        response = api_client(contributor).post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["accept_license"]


def test_the_api_accepts_a_changed_licence_with_accept_license(contributor):
    with override_settings(**NEW_LICENSE):
        response = api_client(contributor).post(
            LIST_URL, pair_text() | {"accept_license": True}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["license"] == "CC-BY-SA-4.0"
