"""Suggested edits, handled by the pair's author (SPEC §4): accepted as a new revision, or dismissed."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from collect.models import Pair, Status
from collect.services import revise_pair

from .errors import InvalidAction, NotAllowed, StaleRevision
from .models import (
    Review,
    SuggestionState,
)

# A suggestion turns into a new revision that goes back to review; a validated pair is corrected through
# its author's own edit or a moderator, so that the published text never changes behind the releases' back.
SUGGESTION_ACCEPTABLE = [Status.PENDING, Status.REJECTED]


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


def _lock_suggestion(*, author: User, review: Review) -> tuple[Pair, Review]:
    pair = Pair.objects.select_for_update().get(pk=review.pair_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if pair.author_id != author.pk:
        raise NotAllowed(_("Only the author of the pair can handle its suggestions."))
    if review.suggestion_state != SuggestionState.OPEN:
        raise InvalidAction(_("This suggestion was already handled."))
    return pair, review
