"""The web forms' length caps on review comments, suggestions and reasons live in review.services, so every
door applies them (issue 13: the probe stored 1 MB of each through the API)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from review.models import Review
from review.services import InvalidReview, decide_pair, record_review
from tests.factories import hand_out, make_pair, make_user
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

REVIEWS_API = reverse("api:review_api:reviews")


def a_vote(reviewer, pair, **text: str) -> Review:
    hand_out(pair, reviewer)
    return record_review(
        reviewer=reviewer,
        pair=pair,
        revision_number=1,
        verdict="approve",
        reasons=[],
        correctness=4,
        fluency=4,
        **text,
    )


@pytest.mark.parametrize(
    ("field", "length"),
    [("comment", 4001), ("suggested_question", 2001), ("suggested_answer", 8001)],
)
def test_the_service_refuses_a_review_text_over_its_cap(field, length):
    with pytest.raises(InvalidReview):
        a_vote(make_user(), make_pair(), **{field: "x" * length})
    assert not Review.objects.exists()


@override_settings(MOISSON_ANSWER_MAX_LENGTH=100)
def test_the_suggested_answer_cap_follows_the_answer_setting():
    with pytest.raises(InvalidReview):
        a_vote(make_user(), make_pair(), suggested_answer="y" * 101)


def test_a_comment_at_its_cap_is_kept():
    review = a_vote(make_user(), make_pair(), comment="z" * 4000)
    assert len(review.comment) == 4000


def test_the_api_refuses_a_megabyte_comment():
    reviewer = make_user()
    pair = make_pair()
    hand_out(pair, reviewer)
    vote = {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": 4, "fluency": 4}
    response = api_client(reviewer).post(REVIEWS_API, vote | {"comment": "x" * 1_000_000}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["comment"]
    assert not Review.objects.exists()


def test_a_decision_reason_over_its_cap_is_refused(moderator):
    with pytest.raises(InvalidReview):
        decide_pair(moderator=moderator, pair=make_pair(), action="reject", reason="x" * 2001)
