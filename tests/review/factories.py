"""Factory functions for the review app's tests, on top of tests/factories.py."""

from accounts.models import User
from collect.models import Pair
from review.models import Review, Verdict
from review.services import record_review
from tests.factories import make_user


def vote(
    pair: Pair,
    *,
    reviewer: User | None = None,
    verdict: str = Verdict.APPROVE,
    reasons: list[str] | None = None,
    **fields: object,
) -> Review:
    """A vote through the real service, on the pair's current revision."""
    if reasons is None:
        reasons = ["incomplete"] if verdict == Verdict.REJECT else []
    pair.refresh_from_db()
    return record_review(
        reviewer=reviewer or make_user(),
        pair=pair,
        revision_number=pair.revision_number,
        verdict=verdict,
        reasons=reasons,
        correctness=fields.pop("correctness", 4),
        fluency=fields.pop("fluency", 4),
        **fields,
    )
