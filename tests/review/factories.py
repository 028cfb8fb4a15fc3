"""Factory functions for the review app's tests, on top of tests/factories.py."""

from accounts.models import User
from collect.models import Pair
from review import services
from review.models import Review, Verdict
from review.services import record_review
from tests.factories import make_user


def hand_out(pair: Pair, reviewer: User) -> None:
    """Hand `pair` to `reviewer` as next_pair_for does once it chose it (a vote counts only for a pair
    handed out), for tests that need a given pair handed to given reviewers."""
    pair.refresh_from_db()
    services.hand_out(reviewer=reviewer, pair=pair)


def vote(
    pair: Pair,
    *,
    reviewer: User | None = None,
    verdict: str = Verdict.APPROVE,
    reasons: list[str] | None = None,
    **fields: object,
) -> Review:
    """A vote through the real service, on the pair's current revision, handed to the reviewer first."""
    if reasons is None:
        reasons = ["incomplete"] if verdict == Verdict.REJECT else []
    reviewer = reviewer or make_user()
    hand_out(pair, reviewer)
    pair.refresh_from_db()
    return record_review(
        reviewer=reviewer,
        pair=pair,
        revision_number=pair.revision_number,
        verdict=verdict,
        reasons=reasons,
        correctness=fields.pop("correctness", 4),
        fluency=fields.pop("fluency", 4),
        **fields,
    )
