"""What moderators do (SPEC §5): decide on a pair, correct it, suspend an account, take a pair down, set the
coverage targets. The queue they work from is a read, `Pair.objects.in_moderation()`.

Every moderator action writes its AuditEntry in the same transaction as the change it records.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from collect import coverage
from collect.models import Pair, RemovalReason, Status
from collect.services import revise_pair
from moisson.text import normalize_text

from .errors import (
    REASON_MAX_LENGTH,
    InvalidAction,
    InvalidReview,
    OwnPair,
    _check_length,
    _require_moderator,
)
from .models import (
    AuditAction,
    AuditEntry,
    Report,
    Review,
)
from .reports import _stop_review
from .voting import _apply_quorum, _count_votes, _publish

# What a moderator may decide, from which states. A validated pair that was reported can be "validated"
# again: it stays published and its reports are closed.
DECISIONS = {
    AuditAction.VALIDATE: [Status.PENDING, Status.DISPUTED, Status.VALIDATED],
    AuditAction.REJECT: [Status.PENDING, Status.DISPUTED],
    AuditAction.REMOVE: [Status.PENDING, Status.DISPUTED, Status.VALIDATED, Status.REJECTED],
    # A reported pair stays in review until a moderator stops it (or enough people reported it).
    AuditAction.STOP_REVIEW: [Status.PENDING],
}


# A decision is taken by a moderator on someone else's pair; once taken, the votes are no longer blind.
DECIDED = [Status.VALIDATED, Status.REJECTED, Status.REMOVED]
EDITABLE_BY_MODERATORS = [Status.PENDING, Status.DISPUTED, Status.VALIDATED, Status.REJECTED]


def decide_pair(
    *,
    moderator: User,
    pair: Pair,
    action: str,
    reason: str = "",
    removal_reason: str = "",
) -> Pair:
    """A moderator validates, rejects or removes a pair; its open reports are closed with the decision. Or
    they stop its review (it becomes disputed and waits for their decision; its reports stay open).

    `action` is AuditAction.VALIDATE, REJECT, REMOVE or STOP_REVIEW; removing needs a reason and the kind of
    removal (`removal_reason`, a RemovalReason). Nobody decides on their own pair (OwnPair).
    """
    _require_moderator(moderator)
    reason = normalize_text(reason).strip()
    if action not in DECISIONS:
        raise InvalidAction(_("Unknown decision."))
    _check_length(reason, REASON_MAX_LENGTH, _("The reason is too long: at most %(limit)d characters."))
    if action == AuditAction.REMOVE:
        if not reason:
            raise InvalidReview(_("Give a reason to remove a pair."))
        if removal_reason not in RemovalReason.values:
            raise InvalidReview(_("Choose the kind of removal."))
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        _refuse_own_pair(moderator, pair)
        if pair.status not in DECISIONS[action]:
            raise InvalidAction(_("This decision is not possible in the pair's current state."))
        before = _pair_state(pair)
        if action == AuditAction.STOP_REVIEW:
            _stop_review(pair)
            _audit(moderator=moderator, action=action, pair=pair, reason=reason, before=before)
            return pair
        now = timezone.now()
        if action == AuditAction.VALIDATE:
            pair.validated_at = pair.validated_at if pair.status == Status.VALIDATED else now
            pair.status = Status.VALIDATED
            _publish(pair)
        elif action == AuditAction.REJECT:
            pair.status = Status.REJECTED
        else:
            pair.status = Status.REMOVED
            pair.removal_reason = removal_reason
            pair.removal_note = reason
        pair.decided_at = now
        pair.held_by = None
        pair.held_until = None
        pair.save(
            update_fields=[
                "status",
                "validated_at",
                "decided_at",
                "removal_reason",
                "removal_note",
                "held_by",
                "held_until",
                "updated_at",
                "published_revision",
                "published_at",
            ]
        )
        _close_reports(pair=pair, moderator=moderator, resolution=action, at=now)
        _audit(moderator=moderator, action=action, pair=pair, reason=reason, before=before)
    return pair


def moderator_edit(*, moderator: User, pair: Pair, data: dict, reason: str, validate: bool = False) -> Pair:
    """A moderator corrects a pair: a new revision, validated at once or sent back to review.

    Raises collect's SubmissionRefused when the new text fails a blocking check or changes nothing, and
    OwnPair when a moderator would validate their own pair.
    """
    _require_moderator(moderator)
    reason = normalize_text(reason).strip()
    if not reason:
        raise InvalidAction(_("Say why you edit this pair."))
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if validate:
            _refuse_own_pair(moderator, pair)
        if pair.status not in EDITABLE_BY_MODERATORS:
            raise InvalidAction(_("This pair can no longer be edited."))
        before = _pair_state(pair, text=True)
        pair = revise_pair(
            pair=pair,
            data=data,
            by=moderator,
            note=reason[:200],
            status=Status.VALIDATED if validate else Status.PENDING,
        )
        now = timezone.now()
        pair.decided_at = now if validate else None
        pair.validated_at = now if validate else None
        if validate:
            _publish(pair)
        pair.save(update_fields=["decided_at", "validated_at", "published_revision", "published_at"])
        _close_reports(pair=pair, moderator=moderator, resolution=AuditAction.EDIT, at=now)
        _audit(
            moderator=moderator, action=AuditAction.EDIT, pair=pair, reason=reason, before=before, text=True
        )
    return pair


def suspend_user(*, moderator: User, user: User, reason: str) -> User:
    """Suspend an account: its pending pairs are withdrawn and its votes leave every open quorum, which is
    counted again (and may settle a pair that the suspended votes were holding back)."""
    _require_moderator(moderator)
    reason = normalize_text(reason).strip()
    if not reason:
        raise InvalidAction(_("Give a reason to suspend an account."))
    if user.pk == moderator.pk:
        raise InvalidAction(_("You cannot suspend your own account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_suspended:
            raise InvalidAction(_("This account is already suspended."))
        now = timezone.now()
        user.suspended_at = now
        user.suspension_reason = reason
        user.save(update_fields=["suspended_at", "suspension_reason"])

        withdrawn = list(
            Pair.objects.select_for_update()
            .filter(author=user, status=Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Pair.objects.filter(pk__in=withdrawn).update(
            status=Status.WITHDRAWN, held_by=None, held_until=None, updated_at=now
        )

        voted_on = list(Review.objects.filter(reviewer=user, counts=True).values_list("pair_id", flat=True))
        Review.objects.filter(reviewer=user, counts=True).update(counts=False)
        recounted = []
        open_pairs = (
            Pair.objects.select_for_update()
            .filter(pk__in=voted_on, status__in=[Status.PENDING, Status.DISPUTED])
            .order_by("pk")
        )
        for pair in open_pairs:
            status_before = pair.status
            _count_votes(pair)
            _apply_quorum(pair)
            recounted.append(
                {
                    "pair": str(pair.pk),
                    "status_before": status_before,
                    "status_after": pair.status,
                    "approvals": pair.approvals,
                    "rejections": pair.rejections,
                }
            )
        AuditEntry.objects.create(
            actor=moderator,
            action=AuditAction.SUSPEND,
            target_user=user,
            reason=reason,
            before={"suspended_at": None},
            after={
                "suspended_at": now.isoformat(),
                "withdrawn_pairs": [str(pk) for pk in withdrawn],
                "recounted_pairs": recounted,
            },
        )
    return user


def take_down(*, moderator: User, pair: Pair, requester: str, reason: str) -> Pair:
    """Someone asked for a published pair to be removed: it becomes `removed`; the next release drops it."""
    _require_moderator(moderator)
    requester = normalize_text(requester).strip()
    reason = normalize_text(reason).strip()
    if not requester or not reason:
        raise InvalidAction(_("Say who asked for the takedown and why."))
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if pair.status != Status.VALIDATED:
            raise InvalidAction(_("Only a published (validated) pair can be taken down."))
        before = _pair_state(pair)
        now = timezone.now()
        pair.status = Status.REMOVED
        pair.removal_reason = RemovalReason.TAKEDOWN
        pair.removal_note = f"{requester}: {reason}"
        pair.decided_at = now
        pair.save(update_fields=["status", "removal_reason", "removal_note", "decided_at", "updated_at"])
        _close_reports(pair=pair, moderator=moderator, resolution=AuditAction.TAKEDOWN, at=now)
        _audit(
            moderator=moderator,
            action=AuditAction.TAKEDOWN,
            pair=pair,
            reason=reason,
            before=before,
            extra={"requester": requester},
        )
    return pair


def set_coverage_targets(
    *, moderator: User, domain: str, targets: dict[tuple[str, str], int], reason: str = ""
) -> dict[str, int]:
    """A moderator sets the coverage targets of one domain; the change is written to the audit log."""
    _require_moderator(moderator)
    with transaction.atomic():
        try:
            changed = coverage.set_targets(by=moderator, domain=domain, targets=targets)
        except ValueError:
            raise InvalidAction(_("These targets are not valid.")) from None
        if changed:
            AuditEntry.objects.create(
                actor=moderator,
                action=AuditAction.COVERAGE,
                reason=reason.strip(),
                before={},
                after={"domain": domain, "targets": changed},
            )
    return changed


def _refuse_own_pair(moderator: User, pair: Pair) -> None:
    if pair.author_id is not None and pair.author_id == moderator.pk:
        raise OwnPair(_("You cannot decide on your own pair: another moderator will."))


def _close_reports(*, pair: Pair, moderator: User, resolution: str, at: datetime) -> None:
    Report.objects.open().filter(pair=pair).update(
        resolved_at=at, resolved_by=moderator, resolution=resolution
    )


def _pair_state(pair: Pair, *, text: bool = False) -> dict:
    state = {
        "status": pair.status,
        "revision": pair.revision_number,
        "review_count": pair.review_count,
        "approvals": pair.approvals,
        "rejections": pair.rejections,
        "removal_reason": pair.removal_reason,
    }
    if text:
        state.update(question=pair.question, context=pair.context, answer=pair.answer)
    return state


def _audit(
    *,
    moderator: User,
    action: str,
    pair: Pair,
    reason: str,
    before: dict,
    text: bool = False,
    extra: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=moderator,
        action=action,
        pair=pair,
        target_user=None,
        reason=reason,
        before=before,
        after={**_pair_state(pair, text=text), **(extra or {})},
    )
