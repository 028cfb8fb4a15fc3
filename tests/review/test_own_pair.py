"""Nobody decides on their own pair, whatever their role (issue 13), and nobody skips it: through the
services, the API and the web pages."""

import pytest
from django.urls import reverse

from collect.models import Pair, RemovalReason, Status
from review.models import AuditAction, AuditEntry, Skip
from review.services import OwnPair, StaleRevision, decide_pair, moderator_edit, skip_pair
from tests.factories import make_pair, make_user
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

NEW_ANSWER = "Une réponse corrigée par la modération, complète, exacte et bien rédigée."


def decide_url(pair: Pair) -> str:
    return reverse("api:review_api:decide", kwargs={"pk": pair.pk})


@pytest.mark.parametrize("action", [AuditAction.VALIDATE, AuditAction.REJECT, AuditAction.REMOVE])
def test_a_moderator_cannot_decide_on_their_own_pair(moderator, action):
    pair = make_pair(author=moderator, status=Status.DISPUTED)
    with pytest.raises(OwnPair):
        decide_pair(
            moderator=moderator,
            pair=pair,
            action=action,
            reason="Moi",
            removal_reason=RemovalReason.MODERATION,
        )
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED
    assert not AuditEntry.objects.exists()


def test_a_moderator_cannot_edit_and_validate_their_own_pair(moderator):
    pair = make_pair(author=moderator)
    with pytest.raises(OwnPair):
        moderator_edit(
            moderator=moderator, pair=pair, data={"answer": NEW_ANSWER}, reason="Moi", validate=True
        )
    pair.refresh_from_db()
    assert (pair.status, pair.revision_number) == (Status.PENDING, 1)


def test_a_moderator_may_edit_their_own_pair_and_send_it_back_to_review(moderator):
    pair = make_pair(author=moderator)
    moderator_edit(moderator=moderator, pair=pair, data={"answer": NEW_ANSWER}, reason="Coquille")
    pair.refresh_from_db()
    assert (pair.status, pair.revision_number) == (Status.PENDING, 2)


def test_the_api_refuses_a_decision_on_ones_own_pair(moderator):
    pair = make_pair(author=moderator, status=Status.DISPUTED)
    response = api_client(moderator).post(decide_url(pair), {"action": "validate"}, format="json")
    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_the_web_refuses_a_decision_on_ones_own_pair(moderator_client, moderator):
    pair = make_pair(author=moderator, status=Status.DISPUTED)
    response = moderator_client.post(reverse("review:moderate", args=[pair.pk]), {"action": "validate"})
    assert response.status_code == 200
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_the_web_refuses_an_edit_and_validate_of_ones_own_pair(moderator_client, moderator):
    pair = make_pair(author=moderator)
    moderator_client.post(
        reverse("review:moderate", args=[pair.pk]),
        {
            "action": "edit",
            "question": pair.question,
            "context": "",
            "answer": NEW_ANSWER,
            "reason": "Moi",
            "validate": "on",
        },
    )
    pair.refresh_from_db()
    assert (pair.status, pair.revision_number) == (Status.PENDING, 1)


def test_the_api_records_the_kind_of_removal(moderator):
    pair = make_pair(status=Status.DISPUTED)
    response = api_client(moderator).post(
        decide_url(pair),
        {"action": "remove", "reason": "Numéro de téléphone", "removal_reason": "personal_data"},
        format="json",
    )
    assert response.status_code == 200
    pair.refresh_from_db()
    assert (pair.status, pair.removal_reason) == (Status.REMOVED, RemovalReason.PERSONAL_DATA)


def test_the_api_refuses_a_removal_without_its_kind(moderator):
    pair = make_pair(status=Status.DISPUTED)
    response = api_client(moderator).post(
        decide_url(pair), {"action": "remove", "reason": "Spam"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["removal_reason"]


# Skipping


def test_nobody_skips_their_own_pair():
    pair = make_pair()
    with pytest.raises(OwnPair):
        skip_pair(reviewer=pair.author, pair=pair)
    assert not Skip.objects.exists()


def test_only_a_pending_pair_can_be_skipped():
    with pytest.raises(StaleRevision):
        skip_pair(reviewer=make_user(), pair=make_pair(status=Status.VALIDATED))
    assert not Skip.objects.exists()


def test_the_web_skip_refuses_ones_own_pair_with_a_message(contributor_client, contributor):
    pair = make_pair(author=contributor)
    response = contributor_client.post(reverse("review:skip"), {"pair": str(pair.pk)}, follow=True)
    assert response.redirect_chain[0][0] == reverse("review:next")
    assert [str(m) for m in response.context["messages"]] == ["Vous ne pouvez pas relire votre propre paire."]
    assert not Skip.objects.exists()


def test_the_web_skip_refuses_a_pair_not_awaiting_review(contributor_client):
    pair = make_pair(status=Status.VALIDATED)
    contributor_client.post(reverse("review:skip"), {"pair": str(pair.pk)})
    assert not Skip.objects.exists()


def test_the_web_skip_does_not_reveal_someone_elses_draft(contributor_client):
    pair = make_pair(status=Status.DRAFT)
    assert contributor_client.post(reverse("review:skip"), {"pair": str(pair.pk)}).status_code == 404
