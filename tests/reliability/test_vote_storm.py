"""Vote storms on PostgreSQL (issue 13, battery): many reviewers on one pair at the same instant, and one
reviewer sending the same vote many times at once. Each reviewer's vote counts exactly once, and the pair ends
in the state its counted votes give, whatever the interleaving.

Threads are released together by a barrier; each has its own database connection, so the row locks and the
unique constraint of review.services do the work, as under gunicorn workers.
"""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from collect.models import Pair, Status
from review import quorum
from review.models import Review, Verdict
from review.services import AlreadyReviewed, StaleRevision, record_review
from tests.factories import hand_out, make_pair, make_user
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writes, so nothing races",
    ),
    pytest.mark.django_db(transaction=True),
]

REVIEWERS = 50
SAME_VOTE_TIMES = 20


def ballot(reviewer: User, pair: Pair, verdict: str) -> Callable[[], object]:
    """A vote on `pair`, handed to `reviewer` now, to be cast during the storm."""
    hand_out(pair, reviewer)
    return lambda: record_review(
        reviewer=reviewer,
        pair=pair,
        revision_number=1,
        verdict=verdict,
        reasons=["incomplete"] if verdict == Verdict.REJECT else [],
        correctness=4,
        fluency=4,
    )


def verdict_of(n: int) -> str:
    return Verdict.REJECT if n % 4 == 0 else Verdict.APPROVE


def assert_summary_matches_the_votes(pair: Pair) -> None:
    """The pair's counters are exactly the votes stored on its revision: nothing lost, nothing twice."""
    reviews = Review.objects.filter(pair=pair, revision=pair.current_revision)
    approvals = reviews.filter(verdict=Verdict.APPROVE).count()
    rejections = reviews.filter(verdict=Verdict.REJECT).count()
    assert (pair.approvals, pair.rejections, pair.review_count) == (approvals, rejections, reviews.count())
    assert reviews.values("reviewer").distinct().count() == reviews.count()


@override_settings(
    MOISSON_QUORUM_MIN_APPROVALS=1000, MOISSON_QUORUM_MARGIN=1000, MOISSON_DISPUTE_AFTER_REVIEWS=1000
)
def test_fifty_reviewers_at_once_each_count_exactly_once():
    pair = make_pair()
    reviewers = [make_user() for _ in range(REVIEWERS)]
    verdicts = [verdict_of(n) for n in range(REVIEWERS)]
    results = run_together([ballot(r, pair, v) for r, v in zip(reviewers, verdicts, strict=True)])
    assert [type(result).__name__ for result in results] == ["Review"] * REVIEWERS
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    assert (pair.approvals, pair.rejections) == (
        verdicts.count(Verdict.APPROVE),
        verdicts.count(Verdict.REJECT),
    )
    assert_summary_matches_the_votes(pair)


def test_fifty_reviewers_at_once_under_the_real_quorum_leave_the_state_the_votes_give():
    pair = make_pair()
    reviewers = [make_user() for _ in range(REVIEWERS)]
    verdicts = [verdict_of(n) for n in range(REVIEWERS)]
    results = run_together([ballot(r, pair, v) for r, v in zip(reviewers, verdicts, strict=True)])
    recorded = [result for result in results if isinstance(result, Review)]
    # Once decided, the pair leaves review: every later vote is refused, none is half-written.
    assert all(isinstance(result, Review | StaleRevision) for result in results)
    pair.refresh_from_db()
    # Which decision depends on the order the votes arrived in (five undecided votes dispute the pair).
    assert pair.status in (Status.VALIDATED, Status.REJECTED, Status.DISPUTED)
    assert len(recorded) == pair.review_count
    assert_summary_matches_the_votes(pair)
    # The state is the one the quorum rules give for these counted votes, reached at the last of them.
    assert pair.status == quorum.decide(
        approvals=pair.approvals, rejections=pair.rejections, min_approvals=2, margin=2, dispute_after=5
    )


def test_the_same_vote_sent_twenty_times_at_once_counts_once():
    pair = make_pair()
    reviewer = make_user()
    results = run_together([ballot(reviewer, pair, Verdict.APPROVE) for _ in range(SAME_VOTE_TIMES)])
    assert sorted(type(result).__name__ for result in results) == ["AlreadyReviewed"] * (
        SAME_VOTE_TIMES - 1
    ) + ["Review"]
    assert all(isinstance(result, Review | AlreadyReviewed) for result in results)
    pair.refresh_from_db()
    assert (pair.status, pair.review_count, pair.approvals) == (Status.PENDING, 1, 1)
    assert Review.objects.filter(pair=pair, reviewer=reviewer).count() == 1


def test_the_same_vote_posted_twenty_times_at_once_to_the_api_counts_once(settings):
    # Twenty requests in flight in one process: the overload guard (moisson/overload.py) would turn some
    # away with a 503 before they reach the vote; this test is about the vote, so the guard is off.
    settings.MOISSON_MAX_IN_FLIGHT = 0
    pair = make_pair()
    reviewer = make_user()
    hand_out(pair, reviewer)
    token = Token.objects.create(user=reviewer).key
    url = reverse("api:review_api:reviews")
    body = {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": 4, "fluency": 4}

    def post() -> int:
        return (
            Client()
            .post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
            .status_code
        )

    codes = run_together([post for _ in range(SAME_VOTE_TIMES)])
    assert sorted(codes) == [201] + [409] * (SAME_VOTE_TIMES - 1)
    pair.refresh_from_db()
    assert (pair.review_count, Review.objects.filter(pair=pair).count()) == (1, 1)


def test_fifty_reviewers_each_sending_their_vote_twice_at_once_count_once_each():
    pair = make_pair()
    reviewers = [make_user() for _ in range(REVIEWERS // 2)]
    with override_settings(
        MOISSON_QUORUM_MIN_APPROVALS=1000, MOISSON_QUORUM_MARGIN=1000, MOISSON_DISPUTE_AFTER_REVIEWS=1000
    ):
        calls = [ballot(r, pair, Verdict.APPROVE) for r in reviewers for _ in range(2)]
        results = run_together(calls)
    assert sorted(type(result).__name__ for result in results) == ["AlreadyReviewed"] * len(reviewers) + [
        "Review"
    ] * len(reviewers)
    pair.refresh_from_db()
    assert pair.review_count == len(reviewers)
    assert_summary_matches_the_votes(pair)
