"""Pages in French show states, verdicts and reasons by their French labels, never by their codes."""

import pytest
from django.test import Client
from django.urls import reverse

from collect.models import RemovalReason, Status
from review.models import AuditAction, RejectionReason, Verdict
from review.services import decide_pair
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db


def french_page(client: Client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    return response.content.decode()


def test_audit_log_names_states_before_and_after_in_french(moderator, moderator_client: Client) -> None:
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(
        moderator=moderator,
        pair=pair,
        action=AuditAction.REMOVE,
        reason="Texte copié d'un manuel.",
        removal_reason=RemovalReason.COPYRIGHT,
    )

    page = french_page(moderator_client, reverse("review:audit"))

    assert "Chez les modérateurs → Supprimée" in page
    assert "disputed" not in page and "removed" not in page


def test_a_review_reads_as_an_outcome_on_the_authors_page(contributor, contributor_client: Client) -> None:
    pair = make_pair(author=contributor)
    vote(pair, verdict=Verdict.REJECT, reasons=[RejectionReason.POOR_FRENCH])
    vote(pair, verdict=Verdict.APPROVE)

    page = french_page(contributor_client, reverse("collect:detail", args=[pair.pk]))

    assert "Rejetée" in page and "Approuvée" in page
    assert "Approuver" not in page and "Rejeter" not in page
    assert "poor_french" not in page


def test_the_dashboard_lists_my_verdicts_as_outcomes(contributor, contributor_client: Client) -> None:
    vote(make_pair(author=make_user()), reviewer=contributor, verdict=Verdict.APPROVE)

    page = french_page(contributor_client, reverse("review:dashboard"))

    assert "Approuvée" in page
    assert "Approuver" not in page


def test_moderation_page_shows_votes_and_reasons_in_french(moderator_client: Client) -> None:
    pair = make_pair(status=Status.PENDING)
    vote(pair, verdict=Verdict.REJECT, reasons=[RejectionReason.FACTUALLY_WRONG])

    page = french_page(moderator_client, reverse("review:moderate", args=[pair.pk]))

    assert "Rejetée" in page and "Erreur sur les faits" in page
    assert "factually_wrong" not in page


def test_my_pairs_show_states_in_french(contributor, contributor_client: Client) -> None:
    make_pair(author=contributor, status=Status.DISPUTED)

    page = french_page(contributor_client, reverse("collect:mine"))

    assert "Chez les modérateurs" in page
    assert ">disputed<" not in page


def test_the_moderation_history_gives_each_reason_in_french_typography(moderator, moderator_client) -> None:
    pair = make_pair(status=Status.DISPUTED)
    reason = "Texte copié depuis un manuel."
    decide_pair(
        moderator=moderator,
        pair=pair,
        action=AuditAction.REMOVE,
        reason=reason,
        removal_reason=RemovalReason.COPYRIGHT,
    )

    page = french_page(moderator_client, reverse("review:moderate", args=[pair.pk]))

    assert f"\u00a0: {reason}" in page
    assert f": {reason}" not in page.replace(f"\u00a0: {reason}", "")
