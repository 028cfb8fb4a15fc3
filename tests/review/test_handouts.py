"""A vote counts only for a pair handed to its reviewer (issue 13, "Review that cannot be gamed"): they
still hold it, or it was handed to them within the hold time. Naming any pending pair's id is refused."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from collect.models import Pair, Status
from collect.services import submit_pair
from review.models import Handout, Review
from review.services import NotHanded, next_pair_for, record_review, skip_pair
from tests.factories import make_pair, make_user, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

NEXT = reverse("review:next")
NEXT_API = reverse("api:review_api:next")
REVIEWS_API = reverse("api:review_api:reviews")


def approve(reviewer, pair: Pair) -> Review:
    pair.refresh_from_db()
    return record_review(
        reviewer=reviewer,
        pair=pair,
        revision_number=pair.revision_number,
        verdict="approve",
        reasons=[],
        correctness=4,
        fluency=4,
    )


def api_vote(pair: Pair) -> dict:
    return {
        "pair": str(pair.pk),
        "revision": pair.revision_number,
        "verdict": "approve",
        "correctness": 4,
        "fluency": 4,
    }


def test_a_vote_on_a_pair_never_handed_out_is_refused():
    pair = make_pair()
    with pytest.raises(NotHanded):
        approve(make_user(), pair)
    assert not Review.objects.exists()


def test_a_vote_on_the_pair_handed_out_counts():
    reviewer = make_user()
    pair = make_pair()
    assert next_pair_for(reviewer) == pair
    approve(reviewer, pair)
    pair.refresh_from_db()
    assert pair.review_count == 1


def test_a_vote_after_the_hold_lapsed_counts_while_nobody_else_took_the_pair():
    reviewer = make_user()
    pair = make_pair()
    next_pair_for(reviewer)
    Handout.objects.update(handed_at=timezone.now() - timedelta(hours=1))
    Pair.objects.filter(pk=pair.pk).update(held_until=timezone.now() - timedelta(minutes=55))
    approve(reviewer, pair)
    assert Review.objects.filter(reviewer=reviewer).exists()


def test_a_vote_after_the_pair_went_to_someone_else_past_the_hold_time_is_refused():
    slow, quick = make_user(), make_user()
    pair = make_pair()
    next_pair_for(slow)
    Handout.objects.update(handed_at=timezone.now() - timedelta(hours=1))
    Pair.objects.filter(pk=pair.pk).update(held_until=timezone.now() - timedelta(minutes=55))
    assert next_pair_for(quick) == pair
    with pytest.raises(NotHanded):
        approve(slow, pair)


def test_a_pair_released_within_the_hold_time_can_still_be_voted_on():
    reviewer = make_user()
    first = make_pair()
    next_pair_for(reviewer)
    skip_target = make_pair()
    # Taking another pair lets the first one go, yet it was handed out a moment ago.
    Pair.objects.filter(pk=first.pk).update(held_by=None, held_until=None)
    assert skip_target != first
    approve(reviewer, first)
    assert Review.objects.filter(reviewer=reviewer, pair=first).exists()


def test_a_new_revision_must_be_handed_out_again():
    reviewer = make_user()
    pair = submit_pair(author=make_user(), data=pair_text())
    next_pair_for(reviewer)
    submit_pair(author=pair.author, data=pair_text(), pair=pair)
    with pytest.raises(NotHanded):
        approve(reviewer, pair)


def test_a_skipped_pair_cannot_be_voted_on():
    reviewer = make_user()
    pair = make_pair()
    next_pair_for(reviewer)
    skip_pair(reviewer=reviewer, pair=pair)
    with pytest.raises(NotHanded):
        approve(reviewer, pair)


@override_settings(MOISSON_REVIEW_HOLD_SECONDS=300)
def test_asking_again_for_the_held_pair_does_not_make_a_second_handout():
    reviewer = make_user()
    make_pair()
    next_pair_for(reviewer)
    next_pair_for(reviewer)
    assert Handout.objects.count() == 1


# The API


def test_the_api_refuses_a_vote_on_an_arbitrary_pending_pair_with_a_clear_409():
    pair = make_pair()
    response = api_client(make_user()).post(REVIEWS_API, api_vote(pair), format="json")
    assert response.status_code == 409
    assert "Demandez la paire suivante" in response.json()["detail"]
    assert not Review.objects.exists()


def test_the_api_accepts_a_vote_on_the_pair_it_handed_out():
    client = api_client(make_user())
    pair = make_pair()
    assert client.get(NEXT_API).json()["id"] == str(pair.pk)
    assert client.post(REVIEWS_API, api_vote(pair), format="json").status_code == 201


def test_the_api_refuses_a_vote_on_a_pair_handed_to_someone_else():
    holder, other = make_user(), make_user()
    pair = make_pair()
    api_client(holder).get(NEXT_API)
    assert api_client(other).get(NEXT_API).status_code == 204
    assert api_client(other).post(REVIEWS_API, api_vote(pair), format="json").status_code == 409


# The web page


def test_the_web_refuses_a_vote_on_a_pair_not_handed_out_with_a_message(contributor_client):
    pair = make_pair()
    data = {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": "4", "fluency": "4"}
    response = contributor_client.post(NEXT, data, follow=True)
    assert response.redirect_chain[0][0] == NEXT
    assert any("Demandez la paire suivante" in str(m) for m in response.context["messages"])
    assert not Review.objects.exists()
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
