"""Handing out pairs and voting on them (SPEC §4).

A vote counts only on a pair handed to its reviewer; it locks the pair's row, so two reviewers voting at the
same moment are counted one after the other, never over each other, and the quorum is applied in the same
transaction.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Exists, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from collect.coverage import LEVEL_WHEN_NONE, Cell, most_needed
from collect.final_answer import FINAL_ANSWER_TASK_TYPES, normalise
from collect.models import Pair, Status
from moisson.compiled import CompiledQuery, Param
from moisson.text import normalize_text

from . import quorum
from .errors import (
    COMMENT_MAX_LENGTH,
    AlreadyReviewed,
    InvalidReview,
    NotAllowed,
    NotHanded,
    OwnPair,
    StaleRevision,
    TooManySkips,
    _check_length,
)
from .models import Handout, RejectionReason, Review, Skip, SuggestionState, Verdict

# How many of the most needed coverage cells a reviewer who asks for them is served from, in turn.
REVIEW_NEEDED_CELLS = 5
# The period of MOISSON_REVIEW_SKIPS_PER_HOUR.
SKIP_WINDOW = timedelta(hours=1)


def next_pair_for(
    reviewer: User,
    *,
    domains: list[str] | None = None,
    levels: list[str] | None = None,
    by_need: bool = False,
) -> Pair | None:
    """The pair to hand to this reviewer now, held for them for MOISSON_REVIEW_HOLD_SECONDS.

    The pair they already hold comes first (reloading the page shows the same pair); otherwise a pair drawn
    at random among the first MOISSON_REVIEW_PICK_AMONG pending pairs that nobody else holds, fewest reviews
    first, then oldest. `domains` and `levels` default to the reviewer's profile preferences; an empty list
    means "all". With `by_need`, pairs of the most needed coverage cells (collect.coverage) come first, most
    needed cell first.

    Raises TooManySkips, instead of handing out a new pair, to a reviewer who passed on
    MOISSON_REVIEW_SKIPS_PER_HOUR pairs within the last hour (the pair they hold stays theirs).
    """
    # Sets of choices: the same choice twice changes nothing, and would only make one more statement.
    domains = sorted(set(reviewer.review_domains if domains is None else domains))
    levels = sorted(set(reviewer.review_levels if levels is None else levels))
    now = timezone.now()
    # The statements below are the ORM's (see the queries at the end of this module), compiled once per
    # process thread and shape: on launch day, building and compiling them cost more than running them.
    values = {"reviewer": reviewer.pk, "domains": domains, "levels": levels, "now": now}
    shape = _queue_shape(domains=domains, levels=levels)
    with transaction.atomic():
        # What the reviewer holds, in one light query. Usually nothing (a vote lets its pair go): then neither
        # the check of a held pair below nor letting go of an older hold costs a query.
        held = dict(HELD.rows(reviewer=reviewer.pk))
        pair = None
        if any(until is not None and until > now for until in held.values()):
            # Still to be reviewable by them (not skipped, reported, withdrawn... since, and in the asked
            # domains). The revision comes with the pair: the page and the API show its warnings.
            pair = STILL_HELD.first(shape[:2], **values)
        if pair is None:
            values["since"] = now - SKIP_WINDOW
            # One needed cell at a time, each an ordered range of the index pair_review_queue_by_cell;
            # then the whole queue, when no needed cell has a pair for this reviewer.
            cells = most_needed(REVIEW_NEEDED_CELLS) if by_need else []
            for part in [*(part for cell in cells for part in _cell_parts(cell)), None]:
                pair = DRAWN.first((*shape, part is not None), **values, **(part or {}))
                if pair is not None:
                    break
            if pair is None:
                _refuse_if_skipped_too_much(reviewer=reviewer, now=now)
                if _locks_rows() and settings.MOISSON_REVIEW_PICK_AMONG > 1:
                    # Or every one of the first pairs was being handed to other reviewers at this very moment
                    # (as many at once as MOISSON_REVIEW_PICK_AMONG): the first pair nobody is taking, if any.
                    pair = FIRST_FREE.first(shape, **values)
            if pair is None:
                return None
        hand_out(reviewer=reviewer, pair=pair, now=now, holds_others=bool(held.keys() - {pair.pk}))
    return pair


def _queue_shape(*, domains: list[str], levels: list[str]) -> tuple:
    """What changes the SQL of the hand-out's statements rather than their values."""
    return (
        len(domains),
        len(levels),
        settings.MOISSON_REVIEW_PICK_AMONG,
        settings.MOISSON_REVIEW_SKIPS_PER_HOUR,
        _locks_rows(),
    )


def _drawn(queue: QuerySet[Pair], *, now: datetime | Param) -> QuerySet[Pair]:
    """The first MOISSON_REVIEW_PICK_AMONG pairs of `queue`, in random order: the first of them that the
    database locks is the pair handed out. Empty when all of them are being handed to others right now.

    Handing out the very first pair would let someone who skips pair after pair walk the queue in a known
    order, down to the pair a friend wrote (docs/RELIABILITY.md, "Threat model", step 4). The database draws
    (ORDER BY RANDOM()) as it locks the row: one statement, one row locked. Drawing in Python would mean
    reading the candidates under a lock first, and a reviewer asking at the same moment would then find them
    all locked. The draw only has to be unknown to the reviewer, who sees one pair of it: PostgreSQL seeds
    RANDOM() from the system's random source (on SQLite, in development, Django calls Python's random()).
    """
    among = settings.MOISSON_REVIEW_PICK_AMONG
    if among == 1:
        return queue
    # The candidates are the first entries of the queue's index range (LIMIT), read without a lock. Around
    # them, only what someone else may change at this moment is checked again (a hand-out, a decision, a
    # withdrawal), which PostgreSQL re-checks on a row it locks just after it changed: repeating all of the
    # queue's conditions doubled the time to plan the statement (4.5 ms against 1.5 ms).
    return (
        Pair.objects.awaiting_review()
        .not_held(now)
        .filter(pk__in=queue.values("pk")[:among])
        .select_related("current_revision")
        .order_by("?")
    )


def _locks_rows() -> bool:
    return connection.features.has_select_for_update_skip_locked


def _locked(queue: QuerySet[Pair]) -> QuerySet[Pair]:
    if _locks_rows():
        # Concurrent reviewers skip the row another one is taking instead of queueing behind it.
        return queue.select_for_update(skip_locked=True, of=("self",))
    return queue


def _recent_skips(reviewer: User | Param, since: datetime | Param) -> QuerySet[Skip]:
    """The reviewer's skips since `since` (SKIP_WINDOW ago): a range of the index skip_recent."""
    return Skip.objects.filter(reviewer=reviewer, created_at__gt=since)


def _unless_skipped_too_much(
    queue: QuerySet[Pair], *, reviewer: User | Param, since: datetime | Param
) -> QuerySet[Pair]:
    """`queue`, empty for a reviewer who passed on MOISSON_REVIEW_SKIPS_PER_HOUR pairs since `since`.

    A condition of the queue's own read rather than a statement before it: most hand-outs follow a vote,
    not a skip, and this costs them no round trip. It does not depend on the pair, so the database checks it
    once per read, on at most MOISSON_REVIEW_SKIPS_PER_HOUR entries of skip_recent ("is there an N-th skip
    within the hour").
    """
    cap = settings.MOISSON_REVIEW_SKIPS_PER_HOUR
    if cap <= 0:
        return queue
    return queue.filter(~Exists(_recent_skips(reviewer, since)[cap - 1 :]))


def _refuse_if_skipped_too_much(*, reviewer: User, now: datetime) -> None:
    """Raise TooManySkips if the reviewer passed on MOISSON_REVIEW_SKIPS_PER_HOUR pairs within the hour, with
    the time until fewer remain: an hour after the N-th most recent. Called once the queue gave nothing."""
    cap = settings.MOISSON_REVIEW_SKIPS_PER_HOUR
    if cap <= 0:
        return
    newest_first = _recent_skips(reviewer, now - SKIP_WINDOW).order_by("-created_at")
    nth = next(iter(newest_first.values_list("created_at", flat=True)[cap - 1 : cap]), None)
    if nth is None:
        return
    seconds = max(1, math.ceil((nth + SKIP_WINDOW - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "You have skipped many pairs in a short time. You can review others again in %(minutes)d minute.",
        "You have skipped many pairs in a short time. You can review others again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    raise TooManySkips(message, retry_after=seconds)


def hand_out(*, reviewer: User, pair: Pair, now: datetime | None = None, holds_others: bool = True) -> None:
    """Hold `pair` for `reviewer` and record that it was handed to them, so that their vote counts.

    Called by next_pair_for, which chose the pair; and by seed_demo, which builds demo states. No door lets
    a client name the pair it is handed: that is what stops accounts from choosing the pairs they judge.
    `holds_others=False` when the caller just read that the reviewer holds no other pair.
    """
    now = now or timezone.now()
    # No savepoint: next_pair_for calls this inside its own transaction, and nothing here is retried.
    with transaction.atomic(savepoint=False):
        if holds_others and pair.held_by_id != reviewer.pk:
            # One pair held per reviewer: taking a new one lets the previous one go. (Asking again for the
            # pair one holds, as a page reload does, has nothing to let go.)
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


def _cell_parts(cell: Cell) -> list[dict[str, str]]:
    """The parts of a coverage cell, each one ordered range of pair_review_queue_by_cell, as the values of
    the hand-out's statement for a cell. Pairs without a level count in the LEVEL_WHEN_NONE column: asked as
    one `level IN (...)`, PostgreSQL would walk the whole review queue instead (250 ms with 150,000 pending
    pairs, against 0.1 ms per range)."""
    levels = [cell.level, ""] if cell.level == LEVEL_WHEN_NONE else [cell.level]
    return [
        {"cell_domain": cell.domain, "cell_task_type": cell.task_type, "cell_level": level}
        for level in levels
    ]


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
        account = REVIEWER_LOCKED.rows(reviewer=reviewer.pk)
        if not account or account[0][0] is not None:
            raise NotAllowed(_("Your account is suspended."))
        pair = PAIR_LOCKED.first(pair=pair.pk)
        if pair is None:
            raise StaleRevision(_("This pair changed or is no longer awaiting review."))
        if pair.author_id == reviewer.pk:
            raise OwnPair(_("You cannot review your own pair."))
        if (
            pair.status != Status.PENDING
            or pair.revision_number != revision_number
            or pair.current_revision_id is None
        ):
            raise StaleRevision(_("This pair changed or is no longer awaiting review."))
        if VOTED.rows(reviewer=reviewer.pk, revision=pair.current_revision_id):
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
        # No savepoint: a unique constraint refusing a second vote ends the whole transaction anyway.
        try:
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
    tally = TALLY.rows(revision=pair.current_revision_id)
    approvals, rejections, correctness, fluency = tally[0] if tally else (0, 0, None, None)
    pair.approvals = approvals
    pair.rejections = rejections
    pair.review_count = approvals + rejections
    pair.correctness_mean = correctness
    pair.fluency_mean = fluency


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
        # The quorum's outcomes are plain strings: Status() refuses one that is not a state of a pair.
        pair.status = decision = Status(decision)
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


def _was_handed(*, reviewer: User, pair: Pair) -> bool:
    """Whether next_pair_for handed this revision to the reviewer, who still holds it (nobody else was handed
    it since) or was handed it within the hold time."""
    handouts = HANDED_AT.rows(reviewer=reviewer.pk, pair=pair.pk, revision_number=pair.revision_number)
    if not handouts:
        return False
    if pair.held_by_id == reviewer.pk:
        return True
    ((handed_at,),) = handouts
    return handed_at >= timezone.now() - timedelta(seconds=settings.MOISSON_REVIEW_HOLD_SECONDS)


# The hand-out's statements (next_pair_for), built by the ORM with Params where the values go and compiled
# once per thread and shape (moisson.compiled): the reviewer's id, their domains and levels, the time, and a
# coverage cell's parts are values; how many domains and levels, the settings read and whether the database
# locks rows are the shape.


def _reviewer() -> Param:
    return Param("reviewer", User._meta.pk)


def _preferences(domain_count: int, level_count: int) -> dict[str, list[Param]]:
    pair = Pair._meta
    return {
        "domains": Param.items("domains", pair.get_field("domain"), domain_count),
        "levels": Param.items("levels", pair.get_field("level"), level_count),
    }


def _now() -> Param:
    return Param("now", Pair._meta.get_field("held_until"))


def _free(domain_count: int, level_count: int) -> QuerySet[Pair]:
    """The review queue for the reviewer: pairs nobody holds, unless they skipped too much this hour."""
    queue = Pair.objects.review_queue(_reviewer(), **_preferences(domain_count, level_count), now=_now())
    since = Param("since", Skip._meta.get_field("created_at"))
    return _unless_skipped_too_much(queue, reviewer=_reviewer(), since=since).select_related(
        "current_revision"
    )


def _in_cell(queue: QuerySet[Pair]) -> QuerySet[Pair]:
    pair = Pair._meta
    return queue.filter(
        domain=Param("cell_domain", pair.get_field("domain")),
        task_type=Param("cell_task_type", pair.get_field("task_type")),
        level=Param("cell_level", pair.get_field("level")),
    )


def _build_drawn(
    domain_count: int, level_count: int, _among: int, _cap: int, _locks: bool, in_cell: bool
) -> QuerySet[Pair]:
    queue = _free(domain_count, level_count)
    return _locked(_drawn(_in_cell(queue) if in_cell else queue, now=_now()))[:1]


# The reviewer's holds: (pair id, held until).
HELD = CompiledQuery(lambda: Pair.objects.filter(held_by=_reviewer()).values_list("pk", "held_until"))
# The pair the reviewer holds, if it is still reviewable by them.
STILL_HELD = CompiledQuery(
    lambda domain_count, level_count: (
        Pair.objects.reviewable_by(_reviewer(), **_preferences(domain_count, level_count))
        .filter(held_by=_reviewer(), held_until__gt=_now())
        .select_related("current_revision")
        .order_by("pk")[:1]
    )
)
# A pair drawn among the first of the queue (or of one part of a coverage cell), locked for the reviewer.
DRAWN = CompiledQuery(_build_drawn)
# The first pair of the queue nobody is taking right now.
FIRST_FREE = CompiledQuery(
    lambda domain_count, level_count, _among, _cap, _locks: _locked(_free(domain_count, level_count))[:1]
)


# A vote's reads (record_review), compiled the same way: the reviewer's, the pair's and the revision's ids are
# the values. They cost a vote less than half of what the ORM spent building the same statements each time.


def _pair() -> Param:
    return Param("pair", Pair._meta.pk)


def _revision() -> Param:
    return Param("revision", Review._meta.get_field("revision").target_field)


# The reviewer's row, locked (the lock order of record_review), and whether they are suspended.
REVIEWER_LOCKED = CompiledQuery(
    lambda: User.objects.select_for_update().filter(pk=_reviewer()).values_list("suspended_at")
)
# The pair voted on, locked, with its current revision.
PAIR_LOCKED = CompiledQuery(
    lambda: Pair.objects.select_for_update(of=("self",)).select_related("current_revision").filter(pk=_pair())
)
# Whether the reviewer already voted on the revision.
VOTED = CompiledQuery(
    lambda: Review.objects.filter(reviewer=_reviewer(), revision=_revision()).values(a=Value(1))[:1]
)
# When the reviewer was handed this revision of the pair, if they were.
HANDED_AT = CompiledQuery(
    lambda: (
        Handout.objects.filter(
            reviewer=_reviewer(),
            pair=_pair(),
            revision_number=Param("revision_number", Handout._meta.get_field("revision_number")),
        )
        .order_by("pk")
        .values_list("handed_at")[:1]
    )
)
# The vote summary of a revision: approvals, rejections, mean correctness and fluency (no row without votes).
TALLY = CompiledQuery(
    lambda: (
        Review.objects.counted()
        .filter(revision=_revision())
        .order_by()
        .values("revision")
        .annotate(
            approvals=Count("pk", filter=Q(verdict=Verdict.APPROVE)),
            rejections=Count("pk", filter=Q(verdict=Verdict.REJECT)),
            correctness=Avg("correctness"),
            fluency=Avg("fluency"),
        )
        .values_list("approvals", "rejections", "correctness", "fluency")
    )
)
