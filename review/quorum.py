"""Quorum of peer review (SPEC §4): the votes of one revision in, a decision out.

A pair is validated once it has at least `min_approvals` approvals and approvals exceed rejections by at
least `margin`; it is rejected once rejections exceed approvals by at least `margin`; it is disputed (sent to
the moderators) when it reaches `dispute_after` reviews without either. The thresholds are the settings
MOISSON_QUORUM_MIN_APPROVALS, MOISSON_QUORUM_MARGIN and MOISSON_DISPUTE_AFTER_REVIEWS, read by
review.voting; this module knows nothing of settings, the database or HTTP, so the rules are tested alone.
"""

# The outcomes, spelled as the values of collect.models.Status that review.voting gives the pair.
VALIDATED = "validated"
REJECTED = "rejected"
DISPUTED = "disputed"


def decide(
    *, approvals: int, rejections: int, min_approvals: int, margin: int, dispute_after: int
) -> str | None:
    """The state the votes lead to, or None while the pair should stay in review."""
    if approvals >= min_approvals and approvals - rejections >= margin:
        return VALIDATED
    if rejections - approvals >= margin:
        return REJECTED
    if approvals + rejections >= dispute_after:
        return DISPUTED
    return None
