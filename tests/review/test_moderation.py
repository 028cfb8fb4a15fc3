"""Moderators' decisions, suspensions and takedowns, and the audit log they write (SPEC §5)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from collect.models import RemovalReason, Status
from review.models import AuditAction, AuditEntry, ContactRequest, Report, Review, Verdict
from review.services import (
    InvalidAction,
    InvalidReview,
    decide_pair,
    handle_contact_request,
    moderator_edit,
    report_pair,
    set_coverage_targets,
    suspend_user,
    take_down,
)
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db


def test_a_moderator_validates_a_disputed_pair(moderator):
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.VALIDATE, reason="Réponse juste")
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert pair.validated_at is not None


def test_a_moderator_rejects_a_disputed_pair(moderator):
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.REJECT)
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED


def test_a_moderator_removes_a_pair_with_a_reason(moderator):
    pair = make_pair(status=Status.VALIDATED)
    decide_pair(
        moderator=moderator,
        pair=pair,
        action=AuditAction.REMOVE,
        reason="Numéro de sécurité sociale",
        removal_reason=RemovalReason.PERSONAL_DATA,
    )
    pair.refresh_from_db()
    assert pair.status == Status.REMOVED
    assert (pair.removal_reason, pair.removal_note) == (
        RemovalReason.PERSONAL_DATA,
        "Numéro de sécurité sociale",
    )


def test_removing_a_pair_needs_a_reason(moderator):
    pair = make_pair(status=Status.DISPUTED)
    with pytest.raises(InvalidReview):
        decide_pair(moderator=moderator, pair=pair, action=AuditAction.REMOVE, reason="")
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_a_rejected_pair_cannot_be_validated_by_decision(moderator):
    with pytest.raises(InvalidAction):
        decide_pair(moderator=moderator, pair=make_pair(status=Status.REJECTED), action=AuditAction.VALIDATE)


def test_a_contributor_cannot_decide_a_pair(contributor):
    with pytest.raises(PermissionDenied):
        decide_pair(
            moderator=contributor, pair=make_pair(status=Status.DISPUTED), action=AuditAction.VALIDATE
        )


def test_a_decision_closes_the_open_reports(moderator, contributor):
    pair = make_pair(status=Status.VALIDATED)
    report_pair(reporter=contributor, pair=pair, reason="Faux")
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.VALIDATE, reason="Vérifié")
    report = Report.objects.get(pair=pair)
    assert report.resolved_by == moderator
    assert report.resolution == AuditAction.VALIDATE


def test_keeping_a_reported_validated_pair_keeps_its_validation_date(moderator, contributor):
    pair = make_pair(status=Status.VALIDATED)
    validated_at = pair.validated_at
    report_pair(reporter=contributor, pair=pair, reason="Faux")
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.VALIDATE)
    pair.refresh_from_db()
    assert pair.validated_at == validated_at


def test_a_moderator_edit_creates_a_revision_back_in_review(moderator):
    pair = make_pair(status=Status.DISPUTED)
    answer = "Une réponse corrigée par la modération, complète et exacte."
    moderator_edit(moderator=moderator, pair=pair, data={"answer": answer}, reason="Coquille")
    pair.refresh_from_db()
    assert (pair.revision_number, pair.status, pair.answer) == (2, Status.PENDING, answer)
    assert pair.current_revision.created_by == moderator


def test_a_moderator_edit_can_validate_at_once(moderator):
    pair = make_pair(status=Status.DISPUTED)
    answer = "Une réponse corrigée par la modération, complète et exacte."
    moderator_edit(moderator=moderator, pair=pair, data={"answer": answer}, reason="Coquille", validate=True)
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert pair.validated_at is not None


def test_a_takedown_removes_a_published_pair(moderator):
    pair = make_pair(status=Status.VALIDATED)
    take_down(moderator=moderator, pair=pair, requester="Jeanne Martin", reason="Texte repris de son livre")
    pair.refresh_from_db()
    assert pair.status == Status.REMOVED
    assert pair.removal_reason == RemovalReason.TAKEDOWN
    assert "Jeanne Martin" in pair.removal_note


def test_only_a_published_pair_can_be_taken_down(moderator):
    with pytest.raises(InvalidAction):
        take_down(moderator=moderator, pair=make_pair(), requester="Jeanne", reason="Droit d'auteur")


def test_a_takedown_says_who_asked_and_why(moderator):
    with pytest.raises(InvalidAction):
        take_down(moderator=moderator, pair=make_pair(status=Status.VALIDATED), requester="", reason="x")


# Suspension


def test_suspending_an_author_withdraws_their_pending_pairs(moderator, contributor):
    pending = make_pair(author=contributor)
    validated = make_pair(author=contributor, status=Status.VALIDATED)
    suspend_user(moderator=moderator, user=contributor, reason="Spam")
    pending.refresh_from_db()
    validated.refresh_from_db()
    contributor.refresh_from_db()
    assert contributor.is_suspended
    assert pending.status == Status.WITHDRAWN
    assert validated.status == Status.VALIDATED


def test_suspension_takes_the_votes_out_of_open_quorums_and_recounts_them(moderator):
    spammer = make_user()
    pair = make_pair()
    vote(pair, reviewer=spammer, verdict=Verdict.APPROVE)
    vote(pair, verdict=Verdict.REJECT)
    vote(pair, verdict=Verdict.REJECT)
    pair.refresh_from_db()
    assert (pair.status, pair.approvals, pair.rejections) == (Status.PENDING, 1, 2)
    suspend_user(moderator=moderator, user=spammer, reason="Votes de complaisance")
    pair.refresh_from_db()
    assert (pair.status, pair.approvals, pair.rejections, pair.review_count) == (Status.REJECTED, 0, 2, 2)
    assert not Review.objects.get(reviewer=spammer).counts


def test_suspension_recounts_a_disputed_pair_without_deciding_it(moderator):
    spammer = make_user()
    pair = make_pair()
    vote(pair, reviewer=spammer)
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.STOP_REVIEW, reason="Douteux")
    AuditEntry.objects.all().delete()
    suspend_user(moderator=moderator, user=spammer, reason="Spam")
    pair.refresh_from_db()
    assert (pair.status, pair.review_count) == (Status.DISPUTED, 0)


def test_suspension_leaves_closed_quorums_alone(moderator):
    spammer = make_user()
    pair = make_pair()
    vote(pair, reviewer=spammer)
    vote(pair)
    suspend_user(moderator=moderator, user=spammer, reason="Spam")
    pair.refresh_from_db()
    assert (pair.status, pair.approvals) == (Status.VALIDATED, 2)


def test_a_moderator_cannot_suspend_themselves(moderator):
    with pytest.raises(InvalidAction):
        suspend_user(moderator=moderator, user=moderator, reason="Test")


def test_suspending_needs_a_reason(moderator, contributor):
    with pytest.raises(InvalidAction):
        suspend_user(moderator=moderator, user=contributor, reason="")


def test_an_account_cannot_be_suspended_twice(moderator):
    user = make_user(suspended_at=timezone.now())
    with pytest.raises(InvalidAction):
        suspend_user(moderator=moderator, user=user, reason="Encore")


# The audit log


def run_every_action(moderator: User, action: str) -> None:
    if action in (AuditAction.VALIDATE, AuditAction.REJECT):
        decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=action)
    elif action == AuditAction.REMOVE:
        decide_pair(
            moderator=moderator,
            pair=make_pair(status=Status.DISPUTED),
            action=action,
            reason="Hors sujet",
            removal_reason=RemovalReason.MODERATION,
        )
    elif action == AuditAction.STOP_REVIEW:
        decide_pair(moderator=moderator, pair=make_pair(status=Status.PENDING), action=action)
    elif action == AuditAction.EDIT:
        answer = "Une réponse corrigée par la modération, complète et exacte."
        moderator_edit(moderator=moderator, pair=make_pair(), data={"answer": answer}, reason="Coquille")
    elif action == AuditAction.SUSPEND:
        suspend_user(moderator=moderator, user=make_user(), reason="Spam")
    elif action == AuditAction.TAKEDOWN:
        take_down(
            moderator=moderator, pair=make_pair(status=Status.VALIDATED), requester="Jeanne", reason="Droits"
        )
    elif action == AuditAction.CONTACT_HANDLED:
        request = ContactRequest.objects.create(email="jeanne@example.org", message="Retirez ma paire.")
        handle_contact_request(moderator=moderator, request=request, note="Réponse envoyée")
    elif action == AuditAction.COVERAGE:
        set_coverage_targets(moderator=moderator, domain="maths", targets={("lycee", "code"): 5})


# A message received from the contact form is logged too, but a visitor sent it, not a moderator.
@pytest.mark.parametrize("action", [action for action in AuditAction.values if action != AuditAction.CONTACT])
def test_every_moderator_action_writes_one_audit_entry(moderator, action):
    run_every_action(moderator, action)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (moderator, action)
    assert entry.before != entry.after


def test_the_audit_entry_of_a_decision_records_the_state_before_and_after(moderator):
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.REJECT, reason="Faux")
    entry = AuditEntry.objects.get()
    assert (entry.pair, entry.reason) == (pair, "Faux")
    assert (entry.before["status"], entry.after["status"]) == (Status.DISPUTED, Status.REJECTED)


def test_the_audit_entry_of_an_edit_keeps_both_texts(moderator):
    pair = make_pair()
    old = pair.answer
    new = "Une réponse corrigée par la modération, complète et exacte."
    moderator_edit(moderator=moderator, pair=pair, data={"answer": new}, reason="Coquille")
    entry = AuditEntry.objects.get()
    assert (entry.before["answer"], entry.after["answer"]) == (old, new)


def test_the_audit_entry_of_a_suspension_names_the_account_and_its_withdrawn_pairs(moderator, contributor):
    pair = make_pair(author=contributor)
    suspend_user(moderator=moderator, user=contributor, reason="Spam")
    entry = AuditEntry.objects.get()
    assert entry.target_user == contributor
    assert entry.after["withdrawn_pairs"] == [str(pair.pk)]


def test_a_refused_action_writes_nothing_in_the_audit_log(moderator):
    with pytest.raises(InvalidReview):
        decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.REMOVE)
    assert not AuditEntry.objects.exists()
