"""Concurrent reviewers on PostgreSQL: row locks and SKIP LOCKED, proved with real threads.

SQLite serialises every write transaction, so there is nothing to race there: these tests need PostgreSQL.
"""

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import User
from collect.models import Pair, Status
from review.models import Review, Verdict
from review.services import AlreadyReviewed, StaleRevision, next_pair_for, record_review, suspend_user
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


def voter(reviewer: User, pair: Pair, verdict: str = Verdict.APPROVE) -> Callable[[], object]:
    """A vote to cast later, on a pair handed to the reviewer now (votes count only on pairs handed out)."""
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


@override_settings(
    MOISSON_QUORUM_MIN_APPROVALS=100, MOISSON_QUORUM_MARGIN=100, MOISSON_DISPUTE_AFTER_REVIEWS=100
)
def test_concurrent_votes_on_one_pair_are_all_counted_once():
    pair = make_pair()
    reviewers = [make_user() for _ in range(16)]
    verdicts = [Verdict.APPROVE if n % 3 else Verdict.REJECT for n in range(16)]
    results = run_together([voter(r, pair, v) for r, v in zip(reviewers, verdicts, strict=True)])
    assert all(isinstance(result, Review) for result in results)
    pair.refresh_from_db()
    assert pair.review_count == 16 == Review.objects.filter(pair=pair).count()
    assert (pair.approvals, pair.rejections) == (
        verdicts.count(Verdict.APPROVE),
        verdicts.count(Verdict.REJECT),
    )


def test_concurrent_approvals_validate_the_pair_exactly_once():
    pair = make_pair()
    results = run_together([voter(make_user(), pair) for _ in range(12)])
    recorded = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, StaleRevision)]
    assert (len(recorded), len(refused)) == (2, 10)
    pair.refresh_from_db()
    assert (pair.status, pair.approvals, pair.review_count) == (Status.VALIDATED, 2, 2)


def test_one_reviewer_voting_twice_at_once_is_counted_once():
    pair = make_pair()
    reviewer = make_user()
    results = run_together([voter(reviewer, pair), voter(reviewer, pair, Verdict.REJECT)])
    assert sorted(type(r).__name__ for r in results) == ["AlreadyReviewed", "Review"]
    assert any(isinstance(r, AlreadyReviewed) for r in results)
    pair.refresh_from_db()
    assert pair.review_count == 1 == Review.objects.filter(pair=pair).count()


def test_concurrent_reviewers_are_handed_different_pairs():
    pairs = [make_pair() for _ in range(10)]
    reviewers = [make_user() for _ in range(10)]
    results = run_together([lambda r=r: next_pair_for(r) for r in reviewers])
    assert all(isinstance(result, Pair) for result in results)
    assert {result.pk for result in results} == {pair.pk for pair in pairs}


@override_settings(MOISSON_REVIEW_PICK_AMONG=3)
def test_while_the_first_pairs_are_all_being_handed_out_the_next_free_one_is():
    pairs = [make_pair() for _ in range(5)]
    locked, done = threading.Event(), threading.Event()

    def hand_out_the_first_three_elsewhere() -> None:
        # Another reviewer's hand-out, still running: their rows locked, not yet marked as held.
        with transaction.atomic():
            list(Pair.objects.filter(pk__in=[pair.pk for pair in pairs[:3]]).select_for_update())
            locked.set()
            done.wait(timeout=30)
        connection.close()

    elsewhere = threading.Thread(target=hand_out_the_first_three_elsewhere)
    elsewhere.start()
    try:
        assert locked.wait(timeout=30)
        assert next_pair_for(make_user()) == pairs[3]
    finally:
        done.set()
        elsewhere.join()


def make_moderator_by_permission() -> User:
    """A moderator without the "moderators" group: that group comes from a data migration, which the flush
    between transactional tests removes (permissions are recreated, the group is not)."""
    user = make_user()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="moderate"))
    return User.objects.get(pk=user.pk)


def test_a_vote_racing_the_voters_suspension_never_stays_counted():
    moderator = make_moderator_by_permission()
    for _ in range(5):
        spammer = make_user()
        pair = make_pair()
        run_together(
            [voter(spammer, pair), lambda s=spammer: suspend_user(moderator=moderator, user=s, reason="Spam")]
        )
        pair.refresh_from_db()
        assert not Review.objects.filter(reviewer=spammer, counts=True).exists()
        assert pair.review_count == Review.objects.filter(pair=pair, counts=True).count() == 0
