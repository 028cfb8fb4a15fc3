"""Issue 12, bug 1: a review of a multi-line answer must not record a suggested edit identical to it."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from collect.models import Pair
from review.models import Review, SuggestionState
from tests.factories import make_pair, make_user, vote
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

MULTI_LINE_ANSWER = (
    "Si 5 machines fabriquent 5 objets en 5 minutes, chaque machine fabrique un objet en 5 minutes.\n"
    "Donc 100 machines fabriquent 100 objets en 5 minutes aussi.\n"
    "La réponse est 5 minutes."
)


def as_browser_sends_it(text: str) -> str:
    """Browsers send a textarea's line breaks as CRLF (HTML's form submission rules)."""
    return text.replace("\n", "\r\n")


def multi_line_pair() -> Pair:
    return make_pair(answer=MULTI_LINE_ANSWER)


def test_the_web_review_form_with_an_untouched_multi_line_answer_records_no_suggestion():
    pair = multi_line_pair()
    reviewer = make_user()
    client = Client()
    client.force_login(reviewer)
    client.get(reverse("review:next"))

    client.post(
        reverse("review:next"),
        {
            "pair": str(pair.pk),
            "revision": pair.revision_number,
            "verdict": "approve",
            "correctness": "4",
            "fluency": "5",
            "comment": "",
            "suggested_question": as_browser_sends_it(pair.question),
            "suggested_answer": as_browser_sends_it(pair.answer),
        },
    )

    review = Review.objects.get(pair=pair, reviewer=reviewer)
    assert review.suggested_answer == ""
    assert review.suggestion_state == SuggestionState.NONE


def test_the_api_with_a_crlf_copy_of_the_answer_records_no_suggestion():
    pair = multi_line_pair()
    reviewer = make_user()
    client = api_client(reviewer)
    client.get(reverse("api:review_api:next"))

    response = client.post(
        reverse("api:review_api:reviews"),
        {
            "pair": str(pair.pk),
            "revision": pair.revision_number,
            "verdict": "approve",
            "correctness": 4,
            "fluency": 5,
            "suggested_answer": as_browser_sends_it(pair.answer) + "  \r\n",
        },
        format="json",
    )

    assert response.status_code == 201
    assert Review.objects.get(pair=pair, reviewer=reviewer).suggestion_state == SuggestionState.NONE


def test_the_service_ignores_a_suggestion_differing_only_by_invisible_characters():
    pair = multi_line_pair()

    review = vote(pair, suggested_answer=pair.answer.replace("machines", "ma\u00adchines\u200b"))

    assert review.suggestion_state == SuggestionState.NONE


def test_the_service_keeps_a_real_suggestion_normalised():
    pair = multi_line_pair()
    suggested = as_browser_sends_it(pair.answer.replace("aussi", "également"))

    review = vote(pair, suggested_answer=suggested)

    assert review.suggestion_state == SuggestionState.OPEN
    assert review.suggested_answer == pair.answer.replace("aussi", "également")


def test_the_migration_clears_recorded_suggestions_identical_to_the_judged_text():
    from importlib import import_module

    migration = import_module("review.migrations.0003_clean_suggestions_identical_to_the_text")
    pair = multi_line_pair()
    fake = vote(pair, comment="Très bien.")
    real = vote(pair, suggested_answer="Une tout autre réponse, bien plus détaillée et argumentée.")
    # What the bug recorded before the fix: the answer with the browser's line breaks.
    Review.objects.filter(pk=fake.pk).update(
        suggested_answer=as_browser_sends_it(pair.answer), suggestion_state=SuggestionState.OPEN
    )

    migration.clean_identical_suggestions(apps, None)

    fake.refresh_from_db()
    real.refresh_from_db()
    assert (fake.suggested_answer, fake.suggestion_state) == ("", SuggestionState.NONE)
    assert real.suggestion_state == SuggestionState.OPEN


def test_a_comment_and_a_report_reason_are_stored_normalised():
    from review.models import Report
    from review.services import report_pair

    pair = multi_line_pair()
    review = vote(pair, comment="Très clair.\u200b  \r\nMerci\u202e !")
    report = report_pair(reporter=make_user(), pair=pair, reason="Données\u00ad personnelles\r\nici.")

    assert Review.objects.get(pk=review.pk).comment == "Très clair.\nMerci !"
    assert Report.objects.get(pk=report.pk).reason == "Données personnelles\nici."


def test_a_moderators_edit_and_a_takedown_are_stored_normalised(moderator):
    from review.models import AuditEntry
    from review.services import moderator_edit, take_down

    pair = multi_line_pair()
    moderator_edit(
        moderator=moderator,
        pair=pair,
        data={"answer": as_browser_sends_it(MULTI_LINE_ANSWER.replace("aussi", "également")) + "\u200b"},
        reason="Reformulation\r\n",
        validate=True,
    )
    take_down(moderator=moderator, pair=pair, requester="Jean\u200b Dupont ", reason="À sa\r\ndemande")

    pair = Pair.objects.get(pk=pair.pk)
    assert pair.answer == MULTI_LINE_ANSWER.replace("aussi", "également")
    assert pair.removal_note == "Jean Dupont: À sa\ndemande"
    assert AuditEntry.objects.filter(pair=pair, reason="Reformulation").exists()
