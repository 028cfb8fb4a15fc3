import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collect.models import Domain, Pair, Status
from collect.services import submit_pair
from review.models import Report, Review, Skip
from tests.factories import make_pair, make_user, pair_text, vote
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

NEXT_URL = reverse("api:review_api:next")
SKIP_URL = reverse("api:review_api:skip")
REVIEWS_URL = reverse("api:review_api:reviews")


def report_url(pair: Pair) -> str:
    return reverse("api:review_api:report", kwargs={"pk": pair.pk})


def a_vote(pair: Pair, **fields: object) -> dict:
    return {
        "pair": str(pair.pk),
        "revision": pair.revision_number,
        "verdict": "approve",
        "correctness": 4,
        "fluency": 5,
    } | fields


# The next pair ------------------------------------------------------------------------------------------


def test_the_next_pair_is_handed_out_without_its_author_nor_its_votes(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    vote(pair)
    response = other_api.get(NEXT_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(pair.pk)
    assert set(body) == {
        "id",
        "revision",
        "question",
        "context",
        "answer",
        "task_type",
        "domain",
        "level",
        "final_answer",
        "final_answer_checked",
        "held_until",
        "warnings",
    }


def test_nothing_to_review_is_a_204(other_api):
    response = other_api.get(NEXT_URL)
    assert response.status_code == 204
    assert response.content == b""


def test_ones_own_pair_is_never_handed_out(contributor_api, contributor):
    make_pair(author=contributor, status=Status.PENDING)
    assert contributor_api.get(NEXT_URL).status_code == 204


def test_the_next_pair_can_be_chosen_by_domain(other_api, contributor):
    make_pair(author=contributor, status=Status.PENDING, domain=Domain.SCIENCES)
    maths = make_pair(author=contributor, status=Status.PENDING, domain=Domain.MATHS)
    response = other_api.get(NEXT_URL, {"domain": "maths"})
    assert response.json()["id"] == str(maths.pk)


def test_a_domain_asked_many_times_is_asked_once(other_api, contributor):
    # Each length of list would otherwise be one more statement compiled and kept (moisson.compiled).
    maths = make_pair(author=contributor, status=Status.PENDING, domain=Domain.MATHS)
    with CaptureQueriesContext(connection) as queries:
        response = other_api.get(NEXT_URL, {"domain": ["maths"] * 50})
    assert response.json()["id"] == str(maths.pk)
    assert all(query["sql"].count("'maths'") <= 1 for query in queries.captured_queries)


def test_reviewing_needs_the_charter_accepted(contributor):
    make_pair(author=contributor, status=Status.PENDING)
    assert api_client(make_user(accepted=False)).get(NEXT_URL).status_code == 403


# Skipping -----------------------------------------------------------------------------------------------


def test_skipping_the_held_pair_means_it_is_not_handed_out_again(other_api, other_contributor, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    other_api.get(NEXT_URL)
    assert other_api.post(SKIP_URL, {}, format="json").status_code == 204
    assert Skip.objects.filter(pair=pair, reviewer=other_contributor).exists()
    assert other_api.get(NEXT_URL).status_code == 204


def test_a_named_pair_can_be_skipped(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert other_api.post(SKIP_URL, {"pair": str(pair.pk)}, format="json").status_code == 204


def test_skipping_with_nothing_held_is_a_400_naming_the_pair_field(other_api):
    response = other_api.post(SKIP_URL, {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["pair"]


def test_ones_own_pair_cannot_be_skipped(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert contributor_api.post(SKIP_URL, {"pair": str(pair.pk)}, format="json").status_code == 403


# Voting -------------------------------------------------------------------------------------------------


def test_a_vote_is_recorded_and_answers_the_pairs_state(other_api, other_contributor, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert other_api.get(NEXT_URL).json()["id"] == str(pair.pk)
    response = other_api.post(REVIEWS_URL, a_vote(pair), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Review.objects.get(pair=pair).reviewer == other_contributor


def test_the_vote_reaching_the_quorum_answers_validated(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    vote(pair)
    other_api.get(NEXT_URL)
    response = other_api.post(REVIEWS_URL, a_vote(pair), format="json")
    assert response.json()["status"] == "validated"


def test_nobody_reviews_their_own_pair(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_api.post(REVIEWS_URL, a_vote(pair), format="json")
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_second_vote_on_the_same_revision_is_a_409(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    other_api.get(NEXT_URL)
    other_api.post(REVIEWS_URL, a_vote(pair), format="json")
    response = other_api.post(REVIEWS_URL, a_vote(pair, verdict="reject", reasons=["spam"]), format="json")
    assert response.status_code == 409
    assert Review.objects.count() == 1


def test_a_vote_on_a_revision_since_replaced_is_a_409(other_api, contributor):
    pair = submit_pair(author=contributor, data=pair_text())
    stale = a_vote(pair)
    submit_pair(author=contributor, data=pair_text(), pair=pair)
    assert other_api.post(REVIEWS_URL, stale, format="json").status_code == 409


def test_a_rejection_needs_a_reason(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = other_api.post(REVIEWS_URL, a_vote(pair, verdict="reject"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_ratings_go_from_one_to_five(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = other_api.post(REVIEWS_URL, a_vote(pair, correctness=6), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["correctness"]


def test_an_unknown_rejection_reason_is_refused(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = other_api.post(REVIEWS_URL, a_vote(pair, verdict="reject", reasons=["boring"]), format="json")
    assert list(response.json()["errors"]) == ["reasons"]


def test_someone_elses_draft_cannot_be_voted_on(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.DRAFT)
    response = other_api.post(REVIEWS_URL, a_vote(pair, revision=1), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["pair"]


def test_reviews_are_not_listed(other_api):
    assert other_api.get(REVIEWS_URL).status_code == 405


# Reporting ----------------------------------------------------------------------------------------------


def test_reporting_a_pending_pair_lists_it_for_moderators_and_keeps_it_in_review(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = other_api.post(report_url(pair), {"reason": "Contient une adresse."}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Report.objects.open().filter(pair=pair).exists()


def test_reporting_a_validated_pair_keeps_it_published(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.VALIDATED)
    response = other_api.post(report_url(pair), {"reason": "Réponse fausse."}, format="json")
    assert response.json()["status"] == "validated"
    assert Report.objects.open().filter(pair=pair).exists()


def test_a_report_needs_a_reason(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.VALIDATED)
    response = other_api.post(report_url(pair), {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]


def test_someone_elses_draft_cannot_be_reported(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.DRAFT)
    assert other_api.post(report_url(pair), {"reason": "Spam"}, format="json").status_code == 404


def test_a_withdrawn_pair_cannot_be_reported(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.WITHDRAWN)
    assert other_api.post(report_url(pair), {"reason": "Spam"}, format="json").status_code == 409
