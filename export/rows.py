"""The rows of the `default` configuration (SPEC.md §6): the published pairs, read from the database in id
order, with the personal-data checks run again on each.
"""

import datetime
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet

from collect.models import PAIR_FIELDS, Pair, RemovalReason, Status
from moisson.findings import ERROR
from moisson.personal_data import find_personal_data
from review.models import Review, Verdict

from .changes import ChangeTracker

# Rows fetched from the database, and rows per Parquet row group: memory holds about this many rows.
BATCH_ROWS = 5000
# Pairs that leave releases for good, whichever revision was validated last.
LEFT_RELEASES = [Status.REMOVED, Status.WITHDRAWN]
# The columns of a row, read straight from the database in one query: the text is the published
# revision's; the author's pseudonym comes through a join, and only counts when the author opted in.
# E-mail addresses are never selected. The vote summary on the pair is the current revision's: the
# published one's when they are the same revision, otherwise it is counted apart (`_correction_votes`).
_PAIR_COLUMNS = (
    "id",
    *(f"published_revision__{name}" for name in PAIR_FIELDS),
    "license",
    "author__pseudonym",
    "author__attribution_opt_in",
    "created_at",
    "published_at",
    "published_revision__number",
    "review_count",
    "approvals",
    "correctness_mean",
    "fluency_mean",
    "published_revision_id",
    "current_revision_id",
    # Whether the published revision's final answer was checked; the source belongs to the pair.
    "published_revision__final_answer_checked",
    "source",
    "source_id",
)


def published_pairs() -> QuerySet[Pair]:
    """The pairs a release publishes: every pair with a validated revision, unless removed or withdrawn.

    A pair whose correction is in review (pending, disputed) or was turned down keeps its last validated
    revision in releases (SPEC §2); only a removal (moderation, takedown) or a withdrawal takes it out.
    """
    return Pair.objects.filter(published_revision__isnull=False).exclude(status__in=LEFT_RELEASES)


@dataclass
class _Statistics:
    """Counts gathered while the rows stream by, for the card, release.json and the Release row."""

    task_types: Counter = field(default_factory=Counter)
    domains: Counter = field(default_factory=Counter)
    levels: Counter = field(default_factory=Counter)
    contributors: Counter = field(default_factory=Counter)

    def add(self, row: dict) -> None:
        self.task_types[row["task_type"]] += 1
        self.domains[row["domain"]] += 1
        self.levels[row["level"] or "none"] += 1
        if row["author"]:
            self.contributors[row["author"]] += 1


@dataclass
class _HeldBack:
    """Rows that failed the personal-data checks at build time: not published, listed in release.json."""

    pair_ids: set[str] = field(default_factory=set)
    preference_ids: list[str] = field(default_factory=list)

    def entries(self, pair_ids_in_order: list[str]) -> list[dict]:
        reason = RemovalReason.PERSONAL_DATA.value
        return [
            *({"id": pair_id, "config": "default", "reason": reason} for pair_id in pair_ids_in_order),
            *({"id": row_id, "config": "preferences", "reason": reason} for row_id in self.preference_ids),
        ]


def _rows(changes: ChangeTracker, statistics: _Statistics, held_back: list[str]) -> Iterator[dict]:
    """The published pairs as rows of SPEC.md §6, in id order; a row that fails the personal-data checks
    is held back (its id appended to `held_back`) rather than published."""
    correction_votes = _correction_votes()
    for (
        pair_id,
        question,
        context,
        answer,
        task_type,
        domain,
        level,
        final_answer,
        license,
        pseudonym,
        opted_in,
        created_at,
        validated_at,
        revision,
        review_count,
        approvals,
        correctness_mean,
        fluency_mean,
        published_revision_id,
        current_revision_id,
        final_answer_checked,
        source,
        source_id,
    ) in _published_pair_values():
        pair_id = str(pair_id)
        if validated_at is None:
            raise ValueError(f"published pair {pair_id} has no validation date")
        if published_revision_id != current_revision_id:
            # A correction is in review: the row shows the votes on the revision it publishes.
            review_count, approvals, correctness_mean, fluency_mean = correction_votes.get(
                published_revision_id, (0, 0, None, None)
            )
        if _has_personal_data(question=question, context=context, answer=answer):
            held_back.append(pair_id)
            continue
        row = {
            "id": pair_id,
            "question": question,
            "context": context,
            "answer": answer,
            "task_type": task_type,
            "domain": domain,
            "level": level or None,
            "license": license or settings.MOISSON_LICENSE,
            "author": pseudonym if opted_in and pseudonym else None,
            "created_at": created_at.astimezone(datetime.UTC),
            "validated_at": validated_at.astimezone(datetime.UTC),
            "revision": revision,
            "review_count": review_count,
            "approvals": approvals,
            "correctness_mean": correctness_mean,
            "fluency_mean": fluency_mean,
            "final_answer": final_answer or None,
            "final_answer_checked": final_answer_checked,
            "source": source or None,
            "source_id": source_id or None,
        }
        changes.see(pair_id)
        statistics.add(row)
        yield row


def _has_personal_data(**texts: str) -> bool:
    """The checks a pair passes when it is written (SPEC §3), run again on what is about to be published:
    the rules may have improved since, and a row may have reached the database another way."""
    return any(
        finding.level == ERROR
        for field_name, text in texts.items()
        if text
        for finding in find_personal_data(text, field=field_name)
    )


def _published_pair_values() -> Iterator[tuple]:
    """The `_PAIR_COLUMNS` of every published pair, in id order, BATCH_ROWS at a time: never all at once.

    SQLite: Django's `iterator()`. PostgreSQL: the very same SQL through a psycopg server-side cursor
    in binary format, which reads a million rows in about half the time of Django's text-format
    iterator (bench/README.md); the values are the same (uuid.UUID, str, aware datetimes). A named
    cursor lives in the current transaction: the snapshot's.
    """
    pairs = published_pairs().order_by("id").values_list(*_PAIR_COLUMNS)
    if connection.vendor != "postgresql":
        yield from pairs.iterator(chunk_size=BATCH_ROWS)
        return
    sql, params = pairs.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor(name=f"release_{uuid.uuid4().hex}", binary=True) as cursor:
        cursor.itersize = BATCH_ROWS
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield from batch


def _correction_votes() -> dict[int, tuple[int, int, float | None, float | None]]:
    """(review_count, approvals, correctness_mean, fluency_mean) of each published revision that is no
    longer its pair's current one, counted like `review.voting` counts a quorum.

    Only pairs whose correction is in review are here, a few at any time: the dict stays small.
    """
    revisions = (
        published_pairs().exclude(published_revision=F("current_revision")).values("published_revision_id")
    )
    votes = (
        Review.objects.counted()
        .filter(revision_id__in=revisions)
        .values("revision_id")
        .annotate(
            approvals=Count("pk", filter=Q(verdict=Verdict.APPROVE)),
            reviews=Count("pk"),
            correctness=Avg("correctness"),
            fluency=Avg("fluency"),
        )
        .order_by()
    )
    return {
        vote["revision_id"]: (vote["reviews"], vote["approvals"], vote["correctness"], vote["fluency"])
        for vote in votes
    }


def _with_removal_reasons(pair_ids: list[str], *, held_back: set[str]) -> list[tuple[str, str]]:
    """Each removed id with why: held back for personal data, the moderators' removal reason, else the
    pair's state now."""
    reasons: dict[str, str] = {}
    for start in range(0, len(pair_ids), 1000):
        chunk = pair_ids[start : start + 1000]
        for pair_id, status, removal_reason in Pair.objects.filter(id__in=chunk).values_list(
            "id", "status", "removal_reason"
        ):
            pair_id = str(pair_id)
            reasons[pair_id] = (
                RemovalReason.PERSONAL_DATA if pair_id in held_back else removal_reason or status
            )
    return [(pair_id, reasons.get(pair_id, "deleted")) for pair_id in pair_ids]
