from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from collect.models import Domain, Level, Pair, Status
from collect.services import submit_pair
from review.models import Report, Review, SuggestionState, Verdict
from review.services import (
    AlreadyReviewed,
    InvalidAction,
    InvalidReview,
    NotAllowed,
    OwnPair,
    StaleRevision,
    accept_suggestion,
    dismiss_suggestion,
    next_pair_for,
    record_review,
    report_pair,
    skip_pair,
)
from tests.factories import make_pair, make_user, pair_text, vote

pytestmark = pytest.mark.django_db


def aged(pair: Pair, *, minutes: int) -> Pair:
    Pair.objects.filter(pk=pair.pk).update(submitted_at=timezone.now() - timedelta(minutes=minutes))
    return pair


# next_pair_for


def test_next_pair_is_never_the_reviewers_own(contributor):
    make_pair(author=contributor)
    assert next_pair_for(contributor) is None


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_next_pair_is_the_one_with_fewest_reviews_then_the_oldest(contributor):
    reviewed = aged(make_pair(), minutes=30)
    vote(reviewed)
    older = aged(make_pair(), minutes=20)
    aged(make_pair(), minutes=10)
    assert next_pair_for(contributor) == older


def test_next_pair_skips_a_pair_already_reviewed(contributor):
    pair = make_pair()
    vote(pair, reviewer=contributor)
    assert next_pair_for(contributor) is None


def test_next_pair_skips_a_pair_the_reviewer_passed_on(contributor):
    pair = make_pair()
    skip_pair(reviewer=contributor, pair=pair)
    assert next_pair_for(contributor) is None


def test_next_pair_still_hands_out_a_pair_someone_else_reported(contributor):
    pair = make_pair()
    Report.objects.create(pair=pair, reporter=make_user(), reason="Données personnelles")
    assert next_pair_for(contributor) == pair


def test_next_pair_skips_a_pair_the_reviewer_reported(contributor):
    pair = make_pair()
    Report.objects.create(pair=pair, reporter=contributor, reason="Données personnelles")
    assert next_pair_for(contributor) is None


def test_next_pair_skips_pairs_of_suspended_authors(contributor):
    make_pair(author=make_user(suspended_at=timezone.now()))
    assert next_pair_for(contributor) is None


def test_next_pair_is_held_for_the_reviewer(contributor):
    pair = make_pair()
    next_pair_for(contributor)
    pair.refresh_from_db()
    assert pair.held_by == contributor
    assert pair.held_until > timezone.now() + timedelta(seconds=200)


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_a_held_pair_goes_to_another_reviewer_only_when_nothing_else_remains(contributor, other_contributor):
    first = aged(make_pair(), minutes=10)
    second = make_pair()
    assert next_pair_for(contributor) == first
    assert next_pair_for(other_contributor) == second


def test_a_pair_held_by_someone_else_is_not_handed_out(contributor, other_contributor):
    make_pair()
    next_pair_for(contributor)
    assert next_pair_for(other_contributor) is None


def test_an_expired_hold_frees_the_pair(contributor, other_contributor):
    pair = make_pair()
    next_pair_for(contributor)
    Pair.objects.filter(pk=pair.pk).update(held_until=timezone.now() - timedelta(seconds=1))
    assert next_pair_for(other_contributor) == pair


def test_the_reviewer_gets_back_the_pair_they_hold(contributor):
    held = make_pair()
    next_pair_for(contributor)
    aged(make_pair(), minutes=60)
    assert next_pair_for(contributor) == held


def test_taking_another_pair_releases_the_previous_hold(contributor):
    first = make_pair(domain=Domain.MATHS)
    make_pair(domain=Domain.HEALTH)
    next_pair_for(contributor, domains=[Domain.MATHS])
    next_pair_for(contributor, domains=[Domain.HEALTH])
    first.refresh_from_db()
    assert first.held_by is None


def test_next_pair_can_be_restricted_to_domains(contributor):
    aged(make_pair(domain=Domain.MATHS), minutes=10)
    health = make_pair(domain=Domain.HEALTH)
    assert next_pair_for(contributor, domains=[Domain.HEALTH]) == health


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_a_level_filter_keeps_pairs_without_a_level(contributor):
    aged(make_pair(level=Level.HIGH_SCHOOL), minutes=20)
    any_level = aged(make_pair(level=""), minutes=10)
    college = make_pair(level=Level.MIDDLE_SCHOOL)
    assert next_pair_for(contributor, levels=[Level.MIDDLE_SCHOOL]) == any_level
    skip_pair(reviewer=contributor, pair=any_level)
    assert next_pair_for(contributor, levels=[Level.MIDDLE_SCHOOL]) == college


def test_the_profile_preferences_apply_by_default():
    reviewer = make_user(review_domains=[Domain.HEALTH])
    aged(make_pair(domain=Domain.MATHS), minutes=10)
    health = make_pair(domain=Domain.HEALTH)
    assert next_pair_for(reviewer) == health


def test_an_empty_filter_overrides_the_profile_preferences():
    reviewer = make_user(review_domains=[Domain.HEALTH])
    maths = make_pair(domain=Domain.MATHS)
    assert next_pair_for(reviewer, domains=[]) == maths


def test_a_new_revision_can_be_handed_to_a_former_reviewer(contributor):
    pair = make_pair()
    vote(pair, reviewer=contributor)
    submit_pair(author=pair.author, data=pair_text(), pair=pair)
    assert next_pair_for(contributor) == pair


# record_review


def test_a_vote_is_recorded_on_the_current_revision(contributor):
    pair = make_pair()
    review = vote(pair, reviewer=contributor)
    assert review.revision == pair.current_revision
    pair.refresh_from_db()
    assert (pair.review_count, pair.approvals, pair.rejections) == (1, 1, 0)


def test_author_cannot_review_own_pair(contributor):
    pair = make_pair(author=contributor)
    with pytest.raises(OwnPair):
        vote(pair, reviewer=contributor)
    assert not Review.objects.exists()


def test_own_pair_refusal_is_a_permission_error(contributor):
    with pytest.raises(PermissionDenied):
        vote(make_pair(author=contributor), reviewer=contributor)


def test_a_second_vote_on_the_same_revision_is_refused(contributor):
    pair = make_pair()
    vote(pair, reviewer=contributor)
    with pytest.raises(AlreadyReviewed):
        vote(pair, reviewer=contributor, verdict=Verdict.REJECT)
    assert Review.objects.count() == 1


def test_the_database_refuses_two_reviews_of_one_revision_by_one_reviewer(contributor):
    review = vote(make_pair(), reviewer=contributor)
    with pytest.raises(IntegrityError):
        Review.objects.create(
            pair=review.pair,
            revision=review.revision,
            reviewer=contributor,
            verdict="approve",
            correctness=3,
            fluency=3,
        )


def test_the_database_refuses_a_rating_above_five(contributor):
    pair = make_pair()
    with pytest.raises(IntegrityError):
        Review.objects.create(
            pair=pair,
            revision=pair.current_revision,
            reviewer=contributor,
            verdict="approve",
            correctness=6,
            fluency=3,
        )


def test_a_vote_on_a_stale_revision_is_refused(contributor):
    pair = make_pair()
    submit_pair(author=pair.author, data=pair_text(), pair=pair)
    with pytest.raises(StaleRevision):
        record_review(
            reviewer=contributor,
            pair=pair,
            revision_number=1,
            verdict="approve",
            reasons=[],
            correctness=4,
            fluency=4,
        )


def test_a_vote_on_a_pair_no_longer_pending_is_refused(contributor):
    with pytest.raises(StaleRevision):
        vote(make_pair(status=Status.VALIDATED), reviewer=contributor)


def test_a_rejection_needs_a_reason(contributor):
    with pytest.raises(InvalidReview):
        vote(make_pair(), reviewer=contributor, verdict=Verdict.REJECT, reasons=[])


def test_an_unknown_reason_is_refused(contributor):
    with pytest.raises(InvalidReview):
        vote(make_pair(), reviewer=contributor, verdict=Verdict.REJECT, reasons=["boring"])


@pytest.mark.parametrize("rating", [0, 6])
def test_ratings_go_from_one_to_five(contributor, rating):
    with pytest.raises(InvalidReview):
        vote(make_pair(), reviewer=contributor, correctness=rating)


def test_a_suspended_reviewer_cannot_vote():
    reviewer = make_user(suspended_at=timezone.now())
    with pytest.raises(NotAllowed):
        vote(make_pair(), reviewer=reviewer)


def test_reasons_of_an_approval_are_dropped(contributor):
    review = vote(make_pair(), reviewer=contributor, reasons=["incomplete"])
    assert review.reasons == []


def test_two_approvals_validate_the_pair_with_its_vote_summary():
    pair = make_pair()
    vote(pair, correctness=5, fluency=4)
    vote(pair, correctness=4, fluency=3)
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert pair.validated_at is not None
    assert (pair.review_count, pair.approvals, pair.rejections) == (2, 2, 0)
    assert (pair.correctness_mean, pair.fluency_mean) == (4.5, 3.5)


def test_two_rejections_reject_the_pair():
    pair = make_pair()
    vote(pair, verdict=Verdict.REJECT)
    vote(pair, verdict=Verdict.REJECT)
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED
    assert pair.validated_at is None


def test_five_split_votes_send_the_pair_to_the_moderators():
    pair = make_pair()
    for verdict in ["approve", "reject", "approve", "reject", "reject"]:
        vote(pair, verdict=verdict)
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


@override_settings(MOISSON_QUORUM_MIN_APPROVALS=3)
def test_the_quorum_follows_the_settings():
    pair = make_pair()
    vote(pair)
    vote(pair)
    pair.refresh_from_db()
    assert pair.status == Status.PENDING


def test_voting_releases_the_hold(contributor):
    pair = make_pair()
    next_pair_for(contributor)
    vote(pair, reviewer=contributor)
    pair.refresh_from_db()
    assert pair.held_by is None


def test_a_suggested_edit_is_kept_open_for_the_author(contributor):
    review = vote(
        make_pair(), reviewer=contributor, suggested_answer="Une réponse corrigée, bien plus complète."
    )
    assert review.suggestion_state == SuggestionState.OPEN


def test_a_suggestion_identical_to_the_text_is_no_suggestion(contributor):
    pair = make_pair()
    review = vote(pair, reviewer=contributor, suggested_question=pair.question)
    assert review.suggestion_state == SuggestionState.NONE
    assert review.suggested_question == ""


# Reports


def test_a_single_report_lists_a_pending_pair_for_moderators_but_keeps_it_in_review(contributor):
    pair = make_pair()
    report_pair(reporter=contributor, pair=pair, reason="Contient un numéro de téléphone")
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    assert pair in Pair.objects.in_moderation()


def test_reporting_a_validated_pair_keeps_it_published_until_a_moderator_decides(contributor):
    pair = make_pair(status=Status.VALIDATED)
    report_pair(reporter=contributor, pair=pair, reason="Réponse fausse")
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert Report.objects.open().filter(pair=pair).exists()


def test_reporting_twice_keeps_one_open_report(contributor):
    pair = make_pair()
    report_pair(reporter=contributor, pair=pair, reason="Spam")
    report_pair(reporter=contributor, pair=pair, reason="Spam encore")
    assert Report.objects.filter(pair=pair).count() == 1


def test_a_report_needs_a_reason(contributor):
    with pytest.raises(InvalidReview):
        report_pair(reporter=contributor, pair=make_pair(), reason="  ")


def test_a_withdrawn_pair_cannot_be_reported(contributor):
    with pytest.raises(InvalidAction):
        report_pair(reporter=contributor, pair=make_pair(status=Status.WITHDRAWN), reason="Spam")


# Suggestions


def suggestion_on(pair: Pair, **fields: object) -> Review:
    fields.setdefault("suggested_answer", "Une réponse améliorée par un relecteur attentif et précis.")
    return vote(pair, verdict=Verdict.REJECT, reasons=["incomplete"], **fields)


def test_accepting_a_suggestion_makes_a_new_revision_back_in_review(contributor):
    pair = make_pair(author=contributor)
    review = suggestion_on(pair)
    accept_suggestion(author=contributor, review=review)
    pair.refresh_from_db()
    review.refresh_from_db()
    assert (pair.revision_number, pair.status, pair.review_count) == (2, Status.PENDING, 0)
    assert pair.answer == review.suggested_answer
    assert review.suggestion_state == SuggestionState.ACCEPTED


def test_accepting_a_suggestion_on_a_rejected_pair_sends_it_back_to_review(contributor):
    pair = make_pair(author=contributor)
    review = suggestion_on(pair)
    vote(pair, verdict=Verdict.REJECT)
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED
    accept_suggestion(author=contributor, review=review)
    pair.refresh_from_db()
    assert pair.status == Status.PENDING


def test_only_the_author_can_accept_a_suggestion(contributor, other_contributor):
    review = suggestion_on(make_pair(author=contributor))
    with pytest.raises(NotAllowed):
        accept_suggestion(author=other_contributor, review=review)


def test_a_suggestion_on_an_older_revision_cannot_be_accepted(contributor):
    pair = make_pair(author=contributor)
    review = suggestion_on(pair)
    submit_pair(author=contributor, data=pair_text(), pair=pair)
    with pytest.raises(StaleRevision):
        accept_suggestion(author=contributor, review=review)


def test_dismissing_a_suggestion_leaves_the_pair_alone(contributor):
    pair = make_pair(author=contributor)
    review = suggestion_on(pair)
    dismiss_suggestion(author=contributor, review=review)
    review.refresh_from_db()
    pair.refresh_from_db()
    assert review.suggestion_state == SuggestionState.DISMISSED
    assert pair.revision_number == 1


def test_a_handled_suggestion_cannot_be_handled_again(contributor):
    review = suggestion_on(make_pair(author=contributor))
    dismiss_suggestion(author=contributor, review=review)
    with pytest.raises(InvalidAction):
        accept_suggestion(author=contributor, review=review)
