"""Text is normalised where it enters, whichever door it comes through (issue 13; issue 12, bug 1)."""

import pytest
from django.urls import reverse

from collect.models import Pair, Status
from tests.factories import make_pair, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

MULTI_LINE = "Première étape : on pose l'opération.  \r\nDeuxième étape : on\u200b calcule.\r\nRésultat : 12."
STORED = "Première étape : on pose l'opération.\nDeuxième étape : on calcule.\nRésultat : 12."


def test_the_web_form_stores_a_browsers_crlf_answer_with_lf(contributor_client, contributor):
    data = pair_text() | {"answer": MULTI_LINE, "accept_license": "on", "declaration": "on"}

    contributor_client.post(reverse("collect:write"), data)

    pair = Pair.objects.get(author=contributor)
    assert (pair.status, pair.answer, pair.current_revision.answer) == (Status.PENDING, STORED, STORED)


def test_the_api_stores_the_same_text_as_the_web_form(contributor):
    response = api_client(contributor).post(
        reverse("api:collect_api:pairs-list"), pair_text() | {"answer": MULTI_LINE}, format="json"
    )

    assert response.status_code == 201
    assert Pair.objects.get(pk=response.json()["id"]).answer == STORED


def test_the_live_check_sees_a_copy_disguised_with_invisible_characters(contributor_client):
    original = make_pair()

    response = contributor_client.post(
        reverse("collect:live_check"),
        {
            "question": original.question.replace(" ", " \u200b"),
            "answer": original.answer.replace("e", "e\u00ad"),
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert "existe déjà" in response.content.decode()


def test_an_unsure_contact_is_accepted_with_a_warning_kept_for_reviewers(contributor):
    answer = pair_text()["answer"] + " Pour en parler : jean.dupont at gmail dot com."

    response = api_client(contributor).post(
        reverse("api:collect_api:pairs-list"), pair_text() | {"answer": answer}, format="json"
    )

    assert response.status_code == 201
    revision = Pair.objects.get(pk=response.json()["id"]).current_revision
    assert [(finding["code"], finding["level"]) for finding in revision.findings] == [("email", "warning")]
