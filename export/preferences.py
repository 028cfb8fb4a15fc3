"""The rows of the `preferences` configuration (SPEC.md §6): one (prompt, chosen, rejected) row per
published pair whose validated revision replaced one that reviewers or a moderator turned down.
"""

import datetime
import itertools
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q

from collect.models import Revision
from review.models import AuditAction, AuditEntry, Review, SuggestionState, Verdict

from .rows import LEFT_RELEASES, _has_personal_data, _HeldBack

# Sources of preference rows (the `source` column).
SUGGESTED_EDIT = "suggested_edit"
CORRECTION = "correction"
# Candidates for the `preferences` configuration: the revision each published revision replaced.
_PREFERENCE_BATCH = 1000


def _preference_rows(held_back: _HeldBack, sources: Counter) -> Iterator[dict]:
    """The (prompt, chosen, rejected) rows of the review history, in pair id order (SPEC §6).

    For each published pair whose validated revision n replaced revision n - 1:
    - `suggested_edit` when revision n is a reviewer's suggestion on n - 1 that the author accepted;
    - `correction` when revision n - 1 was rejected (more counted rejections than approvals, or a
      moderator's rejection) or sent back by a moderator's edit that wrote revision n.
    The chosen answer is always the validated one, the prompt its question; the rejected answer is
    revision n - 1's. A row whose two answers are the same teaches nothing and is left out. A row is
    held back when its pair was (personal data), or when the rejected answer fails the same checks.
    """
    candidates = (
        Revision.objects.filter(
            pair__published_revision__isnull=False,
            number=F("pair__published_revision__number") - 1,
        )
        .exclude(pair__status__in=LEFT_RELEASES)
        .annotate(
            accepted=Exists(
                Review.objects.filter(revision=OuterRef("pk"), suggestion_state=SuggestionState.ACCEPTED)
            ),
            approvals=Count("reviews", filter=Q(reviews__counts=True, reviews__verdict=Verdict.APPROVE)),
            rejections=Count("reviews", filter=Q(reviews__counts=True, reviews__verdict=Verdict.REJECT)),
        )
        .order_by("pair_id")
        .values_list(
            "pair_id",
            "number",
            "answer",
            "accepted",
            "approvals",
            "rejections",
            "pair__published_revision__number",
            "pair__published_revision__question",
            "pair__published_revision__context",
            "pair__published_revision__answer",
            "pair__license",
            "pair__published_at",
        )
    )
    # One query read in batches (a server-side cursor on PostgreSQL), each batch with one query for the
    # moderators' actions on its pairs: memory holds a batch.
    stream = candidates.iterator(chunk_size=_PREFERENCE_BATCH)
    while batch := list(itertools.islice(stream, _PREFERENCE_BATCH)):
        moderated = _moderator_actions([row[0] for row in batch])
        for (
            pair_id,
            number,
            rejected_answer,
            accepted,
            approvals,
            rejections,
            chosen_number,
            question,
            context,
            chosen_answer,
            license,
            validated_at,
        ) in batch:
            if accepted:
                source = SUGGESTED_EDIT
            elif (
                rejections > approvals
                or (pair_id, AuditAction.REJECT, number) in moderated
                or (pair_id, AuditAction.EDIT, chosen_number) in moderated
            ):
                source = CORRECTION
            else:
                continue  # the author rewrote a pending pair on their own: nobody judged the change
            if rejected_answer.strip() == chosen_answer.strip():
                continue
            row_id = f"{pair_id}-r{chosen_number}-r{number}"
            if str(pair_id) in held_back.pair_ids or _has_personal_data(answer=rejected_answer):
                held_back.preference_ids.append(row_id)
                continue
            sources[source] += 1
            yield {
                "id": row_id,
                "pair_id": str(pair_id),
                "question": question,
                "context": context,
                "chosen_answer": chosen_answer,
                "rejected_answer": rejected_answer,
                "source": source,
                "license": license or settings.MOISSON_LICENSE,
                "validated_at": validated_at.astimezone(datetime.UTC),
            }


def _moderator_actions(pair_ids: list) -> set[tuple]:
    """(pair id, action, revision number after it) of the moderators' rejections and edits of these pairs."""
    entries = AuditEntry.objects.filter(
        pair_id__in=pair_ids, action__in=[AuditAction.REJECT, AuditAction.EDIT]
    ).values_list("pair_id", "action", "after")
    return {(pair_id, action, after.get("revision")) for pair_id, action, after in entries}
