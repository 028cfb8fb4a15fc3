"""The quorum rules of SPEC §4, as a table."""

import itertools

import pytest

from collect.models import Status
from review.quorum import decide

V, R, D, P = Status.VALIDATED, Status.REJECTED, Status.DISPUTED, None

# SPEC's defaults (2 approvals, margin 2, disputed at 5 reviews).
# Rows: approvals 0 to 6; columns: rejections 0 to 6.
DEFAULT_TABLE = [
    # r=0 r=1 r=2 r=3 r=4 r=5 r=6
    [P, P, R, R, R, R, R],  # a=0
    [P, P, P, R, R, R, R],  # a=1
    [V, P, P, D, R, R, R],  # a=2
    [V, V, D, D, D, R, R],  # a=3
    [V, V, V, D, D, D, R],  # a=4
    [V, V, V, V, D, D, D],  # a=5
    [V, V, V, V, V, D, D],  # a=6
]


@pytest.mark.parametrize(("approvals", "rejections"), list(itertools.product(range(7), range(7))))
def test_default_thresholds_follow_the_spec_table(approvals, rejections):
    expected = DEFAULT_TABLE[approvals][rejections]
    assert (
        decide(approvals=approvals, rejections=rejections, min_approvals=2, margin=2, dispute_after=5)
        == expected
    )


THRESHOLDS = list(itertools.product([1, 2, 3, 4], [1, 2, 3], [3, 5, 8]))


@pytest.mark.parametrize(("min_approvals", "margin", "dispute_after"), THRESHOLDS)
def test_a_pair_is_validated_exactly_when_both_approval_thresholds_are_met(
    min_approvals, margin, dispute_after
):
    needed = max(min_approvals, margin)
    rules = {"min_approvals": min_approvals, "margin": margin, "dispute_after": dispute_after}
    assert decide(approvals=needed, rejections=0, **rules) == Status.VALIDATED
    assert decide(approvals=needed - 1, rejections=0, **rules) != Status.VALIDATED
    assert decide(approvals=min_approvals + margin, rejections=min_approvals, **rules) == Status.VALIDATED
    assert decide(approvals=min_approvals + margin - 1, rejections=min_approvals, **rules) != Status.VALIDATED


@pytest.mark.parametrize(("min_approvals", "margin", "dispute_after"), THRESHOLDS)
def test_a_pair_is_rejected_exactly_when_rejections_lead_by_the_margin(min_approvals, margin, dispute_after):
    rules = {"min_approvals": min_approvals, "margin": margin, "dispute_after": dispute_after}
    assert decide(approvals=0, rejections=margin, **rules) == Status.REJECTED
    assert decide(approvals=1, rejections=margin + 1, **rules) == Status.REJECTED
    assert decide(approvals=1, rejections=margin, **rules) != Status.REJECTED


@pytest.mark.parametrize(("min_approvals", "margin", "dispute_after"), THRESHOLDS)
def test_a_tied_vote_is_disputed_once_it_reaches_the_dispute_threshold(min_approvals, margin, dispute_after):
    rules = {"min_approvals": min_approvals, "margin": margin, "dispute_after": dispute_after}
    enough = (dispute_after + 1) // 2
    assert decide(approvals=enough, rejections=enough, **rules) == Status.DISPUTED
    assert decide(approvals=enough - 1, rejections=enough - 1, **rules) is None


def test_no_vote_decides_nothing():
    assert decide(approvals=0, rejections=0, min_approvals=2, margin=2, dispute_after=5) is None
