"""Workflows of peer review and moderation (SPEC §4–5).

The web pages, the API and the management commands call these functions, so a vote or a moderator's decision
follows the same rules whichever door it comes through. Every function that changes a pair locks its row
first: two reviewers voting at the same moment are counted one after the other, never over each other.
Every moderator action writes its AuditEntry in the same transaction as the change it records.
"""

import hashlib
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from collect import coverage
from collect.coverage import LEVEL_WHEN_NONE, Cell, most_needed
from collect.final_answer import FINAL_ANSWER_TASK_TYPES, normalise
from collect.models import Pair, RemovalReason, Status
from collect.services import revise_pair
from collect.text import normalize_text

from . import quorum
from .models import (
    AuditAction,
    AuditEntry,
    ContactKind,
    ContactRequest,
    Handout,
    RejectionReason,
    Report,
    Review,
    Skip,
    SuggestionState,
    Verdict,
)

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
# The same caps as the web forms, here so that every door (API, commands) gets them.
COMMENT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
EDITABLE_BY_MODERATORS = [Status.PENDING, Status.DISPUTED, Status.VALIDATED, Status.REJECTED]
REPORTABLE = [Status.PENDING, Status.VALIDATED, Status.DISPUTED]
# A suggestion turns into a new revision that goes back to review; a validated pair is corrected through
# its author's own edit or a moderator, so that the published text never changes behind the releases' back.
SUGGESTION_ACCEPTABLE = [Status.PENDING, Status.REJECTED]
# How many of the most needed coverage cells a reviewer who asks for them is served from, in turn.
REVIEW_NEEDED_CELLS = 5

# A pair's public id written anywhere in a text (a link to its page, or the id alone).
UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class ReviewRefused(Exception):
    """The action is not possible; str(exc) is a message for the person who tried."""


class OwnPair(ReviewRefused, PermissionDenied):
    """Nobody reviews their own pair."""


class NotAllowed(ReviewRefused, PermissionDenied):
    """The person may not do this: suspended, not the author, not a moderator."""


class StaleRevision(ReviewRefused):
    """The pair changed (new revision) or left review since the page was shown."""


class AlreadyReviewed(ReviewRefused):
    """This reviewer already judged this revision."""


class NotHanded(ReviewRefused):
    """A vote on a pair not handed to this reviewer (or whose hold lapsed and went to someone else)."""


class InvalidReview(ReviewRefused, ValueError):
    """What was sent is incomplete or malformed (a rejection without a reason, a text over its cap...)."""


class InvalidAction(ReviewRefused, ValueError):
    """A moderator or author action that the pair's state or the input does not allow."""


class TooManyMessages(ReviewRefused):
    """The contact form was used too often from one address: a flood, or a robot."""


# Handing out pairs


def reviewable_by(
    reviewer: User, *, domains: list[str] | tuple = (), levels: list[str] | tuple = ()
) -> QuerySet[Pair]:
    """Pending pairs this reviewer may judge: not theirs, not already judged (this revision) nor skipped,
    not reported by them, not by a suspended author; restricted to some domains and levels when given (a pair
    without a school level suits every level)."""
    pairs = (
        Pair.objects.awaiting_review()
        .exclude(author=reviewer)
        .filter(
            ~Exists(Review.objects.filter(reviewer=reviewer, revision=OuterRef("current_revision"))),
            ~Exists(Skip.objects.filter(reviewer=reviewer, pair=OuterRef("pk"))),
            # Someone else's report does not stop the review (see report_pair); one's own is one's judgement.
            ~Exists(Report.objects.open().filter(pair=OuterRef("pk"), reporter=reviewer)),
            # A join, not a subquery: the planner then checks each candidate's author by primary key
            # instead of scanning every account for suspended ones.
            author__suspended_at__isnull=True,
        )
    )
    if domains:
        pairs = pairs.filter(domain__in=domains)
    if levels:
        pairs = pairs.filter(Q(level__in=levels) | Q(level=""))
    return pairs


def review_queue(
    reviewer: User, *, domains: list[str] | tuple = (), levels: list[str] | tuple = (), now: datetime
) -> QuerySet[Pair]:
    """The pairs nobody holds, in the order they are handed out: fewest reviews, then oldest.

    This order is the one of the partial index "pair_review_queue", so that taking the first row reads a
    handful of index entries even with a million pending pairs.
    """
    return (
        reviewable_by(reviewer, domains=domains, levels=levels)
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
        .order_by("review_count", "submitted_at")
    )


def next_pair_for(
    reviewer: User,
    *,
    domains: list[str] | None = None,
    levels: list[str] | None = None,
    by_need: bool = False,
) -> Pair | None:
    """The pair to hand to this reviewer now, held for them for MOISSON_REVIEW_HOLD_SECONDS.

    The pair they already hold comes first (reloading the page shows the same pair); otherwise the pending
    pair with the fewest reviews, then the oldest, that nobody else holds. `domains` and `levels` default to
    the reviewer's profile preferences; an empty list means "all". With `by_need`, pairs of the most
    needed coverage cells (collect.coverage) come first, most needed cell first.
    """
    domains = reviewer.review_domains if domains is None else domains
    levels = reviewer.review_levels if levels is None else levels
    now = timezone.now()
    with transaction.atomic():
        candidates = reviewable_by(reviewer, domains=domains, levels=levels)
        pair = candidates.filter(held_by=reviewer, held_until__gt=now).first()
        if pair is None:
            free = review_queue(reviewer, domains=domains, levels=levels, now=now)
            # One needed cell at a time, each an ordered range of the index pair_review_queue_by_cell;
            # then the whole queue, when no needed cell has a pair for this reviewer.
            cells = most_needed(REVIEW_NEEDED_CELLS) if by_need else []
            queues = [free.filter(part) for cell in cells for part in _cell_filters(cell)]
            for queue in [*queues, free]:
                if connection.features.has_select_for_update_skip_locked:
                    # Concurrent reviewers skip the row another one is taking instead of queueing behind it.
                    queue = queue.select_for_update(skip_locked=True, of=("self",))
                pair = queue.first()
                if pair is not None:
                    break
            if pair is None:
                return None
        hand_out(reviewer=reviewer, pair=pair, now=now)
    return pair


def hand_out(*, reviewer: User, pair: Pair, now: datetime | None = None) -> None:
    """Hold `pair` for `reviewer` and record that it was handed to them, so that their vote counts.

    Called by next_pair_for, which chose the pair; and by seed_demo, which builds demo states. No door lets
    a client name the pair it is handed: that is what stops accounts from choosing the pairs they judge.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # One pair held per reviewer: taking a new one lets the previous one go.
        Pair.objects.filter(held_by=reviewer).exclude(pk=pair.pk).update(held_by=None, held_until=None)
        pair.held_by = reviewer
        pair.held_until = now + timedelta(seconds=settings.MOISSON_REVIEW_HOLD_SECONDS)
        pair.save(update_fields=["held_by", "held_until"])
        # One row per reviewer and pair, in one statement even if the same reviewer asks twice at once.
        Handout.objects.bulk_create(
            [Handout(pair=pair, reviewer=reviewer, revision_number=pair.revision_number, handed_at=now)],
            update_conflicts=True,
            unique_fields=["reviewer", "pair"],
            update_fields=["revision_number", "handed_at"],
        )


def _cell_filters(cell: Cell) -> list[Q]:
    """The parts of a coverage cell, each one ordered range of pair_review_queue_by_cell. Pairs without a
    level count in the LEVEL_WHEN_NONE column: asked as one `level IN (...)`, PostgreSQL would walk the
    whole review queue instead (250 ms with 150,000 pending pairs, against 0.1 ms per range)."""
    levels = [cell.level, ""] if cell.level == LEVEL_WHEN_NONE else [cell.level]
    return [Q(domain=cell.domain, task_type=cell.task_type, level=level) for level in levels]


def pending_count() -> int:
    return Pair.objects.awaiting_review().count()


# Voting


def record_review(
    *,
    reviewer: User,
    pair: Pair,
    revision_number: int,
    verdict: str,
    reasons: list[str],
    correctness: int,
    fluency: int,
    comment: str = "",
    suggested_question: str = "",
    suggested_answer: str = "",
    suggested_final_answer: str = "",
) -> Review:
    """Record one vote on the revision the reviewer saw, then apply the quorum in the same transaction.

    A vote counts only for a pair handed to the reviewer by next_pair_for: they still hold it, or it was
    handed to them less than MOISSON_REVIEW_HOLD_SECONDS ago.

    Raises OwnPair, NotAllowed (suspended reviewer), StaleRevision (the pair changed or left review),
    AlreadyReviewed, NotHanded, or InvalidReview (e.g. a rejection without a reason, a text over its cap).
    """
    reasons = _clean_vote(verdict=verdict, reasons=reasons, correctness=correctness, fluency=fluency)
    _check_length(comment, COMMENT_MAX_LENGTH, _("The comment is too long: at most %(limit)d characters."))
    _check_length(
        suggested_question,
        settings.MOISSON_QUESTION_MAX_LENGTH,
        _("The suggested question is too long: at most %(limit)d characters."),
    )
    _check_length(
        suggested_answer,
        settings.MOISSON_ANSWER_MAX_LENGTH,
        _("The suggested answer is too long: at most %(limit)d characters."),
    )
    with transaction.atomic():
        # Lock order everywhere: the user's row, then the pair's. suspend_user takes them in the same order,
        # so a vote racing a suspension is either counted before it or refused after it.
        suspended_at = (
            User.objects.select_for_update().values_list("suspended_at", flat=True).get(pk=reviewer.pk)
        )
        if suspended_at is not None:
            raise NotAllowed(_("Your account is suspended."))
        pair = Pair.objects.select_for_update(of=("self",)).select_related("current_revision").get(pk=pair.pk)
        if pair.author_id == reviewer.pk:
            raise OwnPair(_("You cannot review your own pair."))
        if (
            pair.status != Status.PENDING
            or pair.revision_number != revision_number
            or pair.current_revision_id is None
        ):
            raise StaleRevision(_("This pair changed or is no longer awaiting review."))
        if Review.objects.filter(reviewer=reviewer, revision_id=pair.current_revision_id).exists():
            raise AlreadyReviewed(_("You have already reviewed this pair."))
        if not _was_handed(reviewer=reviewer, pair=pair):
            raise NotHanded(
                _(
                    "This pair was not handed to you for review, or it has been handed to someone else "
                    "since. Ask for the next pair to review."
                )
            )
        revision = pair.current_revision
        suggested_question = _suggestion(suggested_question, revision.question)
        suggested_answer = _suggestion(suggested_answer, revision.answer)
        # Leaving the final answer as shown confirms it; another value is a correction for the author.
        suggested_final_answer = normalise(suggested_final_answer)[:100]
        if (
            suggested_final_answer == revision.final_answer
            or revision.task_type not in FINAL_ANSWER_TASK_TYPES
        ):
            suggested_final_answer = ""
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    pair=pair,
                    revision=revision,
                    reviewer=reviewer,
                    verdict=verdict,
                    reasons=reasons,
                    correctness=correctness,
                    fluency=fluency,
                    comment=normalize_text(comment).strip(),
                    suggested_question=suggested_question,
                    suggested_answer=suggested_answer,
                    suggested_final_answer=suggested_final_answer,
                    suggestion_state=SuggestionState.OPEN
                    if suggested_question or suggested_answer or suggested_final_answer
                    else SuggestionState.NONE,
                )
        except IntegrityError:
            raise AlreadyReviewed(_("You have already reviewed this pair.")) from None
        if pair.held_by_id == reviewer.pk:
            pair.held_by = None
            pair.held_until = None
        _count_votes(pair)
        _apply_quorum(pair)
    return review


def skip_pair(*, reviewer: User, pair: Pair) -> None:
    """The reviewer passes: the pair is not handed to them again and is free for others at once.

    Raises OwnPair, or StaleRevision when the pair is not awaiting review.
    """
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if pair.author_id == reviewer.pk:
            raise OwnPair(_("You cannot review your own pair."))
        if pair.status != Status.PENDING:
            raise StaleRevision(_("This pair is not awaiting review."))
        Skip.objects.bulk_create([Skip(reviewer=reviewer, pair=pair)], ignore_conflicts=True)
        Handout.objects.filter(reviewer=reviewer, pair=pair).delete()
        Pair.objects.filter(pk=pair.pk, held_by=reviewer).update(held_by=None, held_until=None)


def report_pair(*, reporter: User, pair: Pair, reason: str) -> Report:
    """Someone signals a problem: the pair appears in the moderators' queue. Its review goes on, so that one
    account cannot pull any pair out of review; it stops (the pair becomes disputed) when a moderator says so
    or when MOISSON_REPORTS_TO_SUSPEND_REVIEW people (not suspended) reported it. A validated pair stays
    published until a moderator decides.

    Raises NotAllowed (suspended, terms not accepted), OwnPair, InvalidReview (no reason, too long) or
    InvalidAction (the pair cannot be reported in its state).
    """
    reason = normalize_text(reason).strip()
    if not reason:
        raise InvalidReview(_("Say what is wrong with this pair."))
    _check_length(reason, REASON_MAX_LENGTH, _("The reason is too long: at most %(limit)d characters."))
    if reporter.is_suspended:
        raise NotAllowed(_("Your account is suspended."))
    if not reporter.has_accepted_terms:
        raise NotAllowed(_("Please read and accept the charter and the licence first."))
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if pair.author_id == reporter.pk:
            raise OwnPair(_("You cannot report your own pair; you can withdraw or edit it instead."))
        if pair.status not in REPORTABLE:
            raise InvalidAction(_("This pair can no longer be reported."))
        report = Report.objects.open().filter(pair=pair, reporter=reporter).first()
        if report is not None:
            return report
        report = Report.objects.create(pair=pair, reporter=reporter, reason=reason)
        reporters = Report.objects.open().filter(pair=pair, reporter__suspended_at__isnull=True).count()
        if pair.status == Status.PENDING and reporters >= settings.MOISSON_REPORTS_TO_SUSPEND_REVIEW:
            _stop_review(pair)
    return report


# Suggested edits, handled by the author


def accept_suggestion(*, author: User, review: Review) -> Pair:
    """The author takes a reviewer's suggested text: a new revision, judged afresh.

    Raises NotAllowed, InvalidAction, StaleRevision, or collect's SubmissionRefused when the suggested text
    fails a blocking check (personal data, duplicate).
    """
    with transaction.atomic():
        pair, review = _lock_suggestion(author=author, review=review)
        if review.revision_id != pair.current_revision_id:
            raise StaleRevision(_("Your pair changed since this suggestion was made."))
        if pair.status not in SUGGESTION_ACCEPTABLE:
            raise InvalidAction(
                _("Suggestions can be accepted only while the pair is in review or rejected.")
            )
        data = {}
        if review.suggested_question:
            data["question"] = review.suggested_question
        if review.suggested_answer:
            data["answer"] = review.suggested_answer
        if review.suggested_final_answer:
            data["final_answer"] = review.suggested_final_answer
        pair = revise_pair(pair=pair, data=data, by=author, note=_("Reviewer's suggestion accepted"))
        review.suggestion_state = SuggestionState.ACCEPTED
        review.save(update_fields=["suggestion_state"])
    return pair


def dismiss_suggestion(*, author: User, review: Review) -> Review:
    with transaction.atomic():
        _, review = _lock_suggestion(author=author, review=review)
        review.suggestion_state = SuggestionState.DISMISSED
        review.save(update_fields=["suggestion_state"])
    return review


# Moderation


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


# Messages from anyone: the public contact form (takedown requests and questions)

# Per client address and per hour: enough for a person with several requests, not for a robot.
CONTACT_MESSAGES_PER_HOUR = 5


def receive_contact_request(
    *, client_ip: str, kind: str, email: str, message: str, name: str = "", pair_reference: str = ""
) -> ContactRequest:
    """Record a message for the moderators, log it and acknowledge it to its sender by e-mail.

    Nobody needs an account to reach the moderators (someone whose text was published without their
    consent may have none); the rate limit, keyed on the client's address, keeps robots from flooding them.
    """
    if not _allow_contact_message(client_ip):
        raise TooManyMessages(
            _("You have sent several messages in a short time. Please try again in an hour.")
        )
    if kind not in ContactKind.values:
        raise InvalidAction(_("Choose the subject of your message."))
    found = UUID_IN_TEXT.search(pair_reference)
    pair = Pair.objects.filter(pk=found.group(0)).first() if found else None
    with transaction.atomic():
        request = ContactRequest.objects.create(
            kind=kind,
            name=name.strip(),
            email=email.strip(),
            pair_reference=pair_reference.strip(),
            pair=pair,
            message=message.strip(),
        )
        AuditEntry.objects.create(
            actor=None,
            action=AuditAction.CONTACT,
            pair=pair,
            reason=str(ContactKind(kind).label),
            after={"contact_request": request.pk, "kind": kind},
        )
        transaction.on_commit(lambda: _acknowledge(request))
    return request


def handle_contact_request(*, moderator: User, request: ContactRequest, note: str) -> ContactRequest:
    """A moderator answered or acted on a message: it leaves the queue, and the log says what was done."""
    _require_moderator(moderator)
    note = note.strip()
    if not note:
        raise InvalidAction(_("Say what was done with this message."))
    with transaction.atomic():
        request = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if request.handled_at is not None:
            raise InvalidAction(_("This message has already been handled."))
        request.handled_at = timezone.now()
        request.handled_by = moderator
        request.handling_note = note
        request.save(update_fields=["handled_at", "handled_by", "handling_note"])
        AuditEntry.objects.create(
            actor=moderator,
            action=AuditAction.CONTACT_HANDLED,
            pair=request.pair,
            reason=note,
            after={"contact_request": request.pk, "kind": request.kind},
        )
    return request


def _allow_contact_message(client_ip: str) -> bool:
    # A hash, so that the cache holds no address in clear.
    key = "contact-rate:" + hashlib.sha256(client_ip.encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= CONTACT_MESSAGES_PER_HOUR


def _acknowledge(request: ContactRequest) -> None:
    body = _(
        "Hello,\n\n"
        "We have received your message about: %(kind)s.\n"
        "A moderator will read it and answer you at this address. For a takedown request, the pair is "
        "removed from the site as soon as the request is confirmed, and the next release of the dataset "
        "no longer contains it.\n\n"
        "Your message:\n%(message)s\n\n"
        "The %(site)s team"
    ) % {"kind": ContactKind(request.kind).label, "message": request.message, "site": settings.SITE_NAME}
    send_mail(
        subject=_("[%(site)s] We have received your message") % {"site": settings.SITE_NAME},
        message=body,
        from_email=None,
        recipient_list=[request.email],
    )


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


# Reading: the contributor's dashboard and the leaderboard


def contributor_summary(user: User) -> dict:
    """What a contributor did, and how often their votes agreed with the final decision on the revision
    they judged (validated or rejected pairs only)."""
    pairs = Pair.objects.of(user).aggregate(
        written=Count("pk", filter=~Q(status=Status.DRAFT)),
        validated=Count("pk", filter=Q(status=Status.VALIDATED)),
    )
    # A vote is compared with the decision on the revision it judged, not with a later rewrite.
    decided = Q(pair__status__in=[Status.VALIDATED, Status.REJECTED], revision=F("pair__current_revision"))
    agreed = Q(verdict=Verdict.APPROVE, pair__status=Status.VALIDATED) | Q(
        verdict=Verdict.REJECT, pair__status=Status.REJECTED
    )
    reviews = Review.objects.filter(reviewer=user).aggregate(
        reviewed=Count("pk"),
        decided=Count("pk", filter=decided),
        agreed=Count("pk", filter=decided & agreed),
    )
    decided = reviews["decided"]
    return {
        **pairs,
        "reviewed": reviews["reviewed"],
        "decided": decided,
        "agreed": reviews["agreed"],
        "agreement_rate": reviews["agreed"] / decided if decided else None,
    }


def standings(*, since: datetime | None, limit: int = 20) -> dict[str, list[dict]]:
    """Credited contributors (attribution opt-in) ranked by validated pairs and by reviews since a date."""
    credited = Q(attribution_opt_in=True) & ~Q(pseudonym="")
    writer_filter = Q(pairs__status=Status.VALIDATED)
    review_filter = Q(reviews__counts=True)
    if since is not None:
        writer_filter &= Q(pairs__validated_at__gte=since)
        review_filter &= Q(reviews__created_at__gte=since)
    writers = (
        User.objects.filter(credited)
        .annotate(n=Count("pairs", filter=writer_filter))
        .filter(n__gt=0)
        .order_by("-n", "pseudonym")
        .values("pseudonym", "n")[:limit]
    )
    reviewers = (
        User.objects.filter(credited)
        .annotate(n=Count("reviews", filter=review_filter))
        .filter(n__gt=0)
        .order_by("-n", "pseudonym")
        .values("pseudonym", "n")[:limit]
    )
    return {"writers": list(writers), "reviewers": list(reviewers)}


# Inside


def _clean_vote(*, verdict: str, reasons: list[str], correctness: int, fluency: int) -> list[str]:
    if verdict not in Verdict.values:
        raise InvalidReview(_("Choose to approve or to reject."))
    unknown = set(reasons) - set(RejectionReason.values)
    if unknown:
        raise InvalidReview(
            _("Unknown rejection reason: %(reasons)s.") % {"reasons": ", ".join(sorted(unknown))}
        )
    if verdict == Verdict.REJECT and not reasons:
        raise InvalidReview(_("Give at least one reason to reject."))
    for rating in (correctness, fluency):
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidReview(_("Ratings go from 1 to 5."))
    if verdict == Verdict.APPROVE:
        return []
    return [reason for reason in RejectionReason.values if reason in reasons]


def _suggestion(suggested: str, current: str) -> str:
    """A suggested text is kept only when it changes something.

    Both sides are normalised first: a browser sends an untouched textarea back with CRLF line breaks, and
    a "suggestion" that only differs by them (or by invisible characters) would offer the author a new
    revision of the very same text.
    """
    suggested = normalize_text(suggested).strip()
    return suggested if suggested and suggested != normalize_text(current).strip() else ""


def _count_votes(pair: Pair) -> None:
    """Recount the vote summary of the pair's current revision from the reviews themselves."""
    tally = (
        Review.objects.counted()
        .filter(revision_id=pair.current_revision_id)
        .aggregate(
            approvals=Count("pk", filter=Q(verdict=Verdict.APPROVE)),
            rejections=Count("pk", filter=Q(verdict=Verdict.REJECT)),
            correctness=Avg("correctness"),
            fluency=Avg("fluency"),
        )
    )
    pair.approvals = tally["approvals"]
    pair.rejections = tally["rejections"]
    pair.review_count = tally["approvals"] + tally["rejections"]
    pair.correctness_mean = tally["correctness"]
    pair.fluency_mean = tally["fluency"]


def _apply_quorum(pair: Pair) -> None:
    """Decide a pending pair from its vote summary, and save the summary (and the decision, if any)."""
    fields = ["review_count", "approvals", "rejections", "correctness_mean", "fluency_mean"]
    fields += ["held_by", "held_until"]
    decision = None
    if pair.status == Status.PENDING:
        decision = quorum.decide(
            approvals=pair.approvals,
            rejections=pair.rejections,
            min_approvals=settings.MOISSON_QUORUM_MIN_APPROVALS,
            margin=settings.MOISSON_QUORUM_MARGIN,
            dispute_after=settings.MOISSON_DISPUTE_AFTER_REVIEWS,
        )
    if decision is not None:
        now = timezone.now()
        pair.status = decision
        pair.held_by = None
        pair.held_until = None
        fields += ["status", "updated_at"]
        if decision in (Status.VALIDATED, Status.REJECTED):
            pair.decided_at = now
            fields.append("decided_at")
        if decision == Status.VALIDATED:
            pair.validated_at = now
            fields += ["validated_at", *_publish(pair)]
    pair.save(update_fields=fields)


def _publish(pair: Pair) -> list[str]:
    """Releases publish the revision just validated, until a correction of it is validated (SPEC §2)."""
    pair.published_revision_id = pair.current_revision_id
    pair.published_at = pair.validated_at
    return ["published_revision", "published_at"]


def _lock_suggestion(*, author: User, review: Review) -> tuple[Pair, Review]:
    pair = Pair.objects.select_for_update().get(pk=review.pair_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if pair.author_id != author.pk:
        raise NotAllowed(_("Only the author of the pair can handle its suggestions."))
    if review.suggestion_state != SuggestionState.OPEN:
        raise InvalidAction(_("This suggestion was already handled."))
    return pair, review


def _was_handed(*, reviewer: User, pair: Pair) -> bool:
    """Whether next_pair_for handed this revision to the reviewer, who still holds it (nobody else was handed
    it since) or was handed it within the hold time."""
    handout = Handout.objects.filter(
        reviewer=reviewer, pair=pair, revision_number=pair.revision_number
    ).first()
    if handout is None:
        return False
    if pair.held_by_id == reviewer.pk:
        return True
    return handout.handed_at >= timezone.now() - timedelta(seconds=settings.MOISSON_REVIEW_HOLD_SECONDS)


def _check_length(text: str, limit: int, message: str) -> None:
    if len(text) > limit:
        raise InvalidReview(message % {"limit": limit})


def _stop_review(pair: Pair) -> None:
    """The pair leaves review and waits in the moderators' queue (disputed). The caller holds its lock."""
    pair.status = Status.DISPUTED
    pair.held_by = None
    pair.held_until = None
    pair.save(update_fields=["status", "held_by", "held_until", "updated_at"])


def _refuse_own_pair(moderator: User, pair: Pair) -> None:
    if pair.author_id is not None and pair.author_id == moderator.pk:
        raise OwnPair(_("You cannot decide on your own pair: another moderator will."))


def _require_moderator(user: User) -> None:
    if not user.is_moderator:
        raise NotAllowed(_("This action is reserved for moderators."))


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


def moderation_queue() -> QuerySet[Pair]:
    """Disputed pairs and pairs with an open report, oldest first (SPEC §5): the web page and the API."""
    # Few pairs have an open report: fetching their ids first lets both halves of the filter use an index.
    reported = list(Report.objects.open().values_list("pair_id", flat=True).distinct())
    return Pair.objects.filter(Q(status=Status.DISPUTED) | Q(pk__in=reported)).order_by("submitted_at", "pk")
