"""Workflows of a release (SPEC.md §6): start one, build it, cut one when enough pairs are new.

The site, the API, the admin, the `release` command and the Celery tasks all call these functions; the
`Release` row is the truth about a build. The pure parts live elsewhere: `writer` (rows → Parquet and
release.json), `card` (README.md, CONTRIBUTORS.md), `changes` (ids added and removed), `hub` (the Hub).

A build, step by step (`build_release`):
1. take the release's lock (a file lock, so the kernel frees it when a worker dies) and claim the row
   with a conditional update queued → building: a duplicate or redelivered task does nothing;
2. in one snapshot (REPEATABLE READ on PostgreSQL), stream the published pairs in id order into
   RELEASES_ROOT/.tmp-<version>-<random>/release, comparing their ids with the previous release's.
   A pair is published with its last validated revision (`Pair.published_revision`), so a correction
   in review never takes it out (SPEC §2); removed and withdrawn pairs leave. Every row passes the
   personal-data checks of `collect.checks` again: a row that fails is held back and listed
   (`held_back`, and `removed` with reason `personal_data` when the previous release had it). Then the
   `preferences` configuration: each published pair whose validated revision replaced a revision that
   reviewers rejected, that a moderator sent back, or whose suggested edit the author accepted, gives
   one (prompt, chosen, rejected) row;
3. load the result back with `datasets.load_dataset` and check its row counts against the database;
4. record the counts and files on the row, then `os.replace` the directory to RELEASES_ROOT/<version>:
   a release directory is complete or absent, never partial;
5. push it to the Hub when a repository and a token are configured, and mark the release published.
Any failure removes the temporary directory and marks the release failed with the error; starting it
again (`start_release` with its version) re-runs it. A release whose files were moved into place but
whose Hub push failed is only pushed again, from the same files.
"""

import contextlib
import datetime
import fcntl
import itertools
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huggingface_hub import HfApi

from accounts.models import User
from collect.checks import ERROR, find_personal_data
from collect.coverage import targets_by_domain
from collect.models import PAIR_FIELDS, Domain, Level, Pair, RemovalReason, Revision, Status, TaskType
from review.models import AuditAction, AuditEntry, Review, SuggestionState, Verdict

from . import hub
from .card import CardInfo, render_card, render_contributors
from .changes import ChangeTracker, published_ids
from .models import REMOVAL_LABELS, Release, ReleasePhase, ReleaseState, parse_version
from .writer import (
    PREFERENCE_SCHEMA,
    PREFERENCES,
    ROW_SCHEMA,
    EmptyReleaseError,
    WrittenFile,
    describe_file,
    sha256_of,
    write_data_files,
    write_release_json,
)

logger = logging.getLogger(__name__)

# Rows fetched from the database, and rows per Parquet row group: memory holds about this many rows.
BATCH_ROWS = 5000
PROGRESS_EVERY_ROWS = 100_000
# The release row's progress is written at most this often: each write opens a database connection.
PROGRESS_WRITE_SECONDS = 1.0
INTERRUPTED = "The build was interrupted (its worker stopped). Start the release again to re-run it."

# Pairs that leave releases for good, whichever revision was validated last.
LEFT_RELEASES = [Status.REMOVED, Status.WITHDRAWN]
# Sources of preference rows (the `source` column).
SUGGESTED_EDIT = "suggested_edit"
CORRECTION = "correction"

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


class ReleaseRefused(Exception):
    """A release cannot be started as asked; the message says why, for the person who asked."""


class ReleaseCheckFailed(Exception):
    """The files written do not match the database: they are not published."""


def published_pairs() -> QuerySet[Pair]:
    """The pairs a release publishes: every pair with a validated revision, unless removed or withdrawn.

    A pair whose correction is in review (pending, disputed) or was turned down keeps its last validated
    revision in releases (SPEC §2); only a removal (moderation, takedown) or a withdrawal takes it out.
    """
    return Pair.objects.filter(published_revision__isnull=False).exclude(status__in=LEFT_RELEASES)


def can_start_release(user: User) -> bool:
    # The same test as every role check (User.may): active, not suspended, holding the permission.
    return bool(user.is_authenticated and user.may("start_release"))


def next_version(kind: str | None = None) -> str:
    """The version after the newest release that did not fail: v1.0.0 for the very first one.

    Without a `kind`, SPEC §6 decides: major when the row schema changed since the newest published
    release (a column added, removed or retyped), minor otherwise (new data). A failed release keeps its
    version, so after v1.1.0 failed the suggestion is v1.1.0 again, and starting it re-runs that release.
    """
    releases = list(Release.objects.exclude(state=ReleaseState.FAILED))
    if not releases:
        return "v1.0.0"
    major, minor, patch = max(release.version_key for release in releases)
    if kind is None:
        published = [release for release in releases if release.is_published]
        newest = max(published, key=lambda release: release.version_key, default=None)
        kind = "major" if newest is not None and _row_schema_changed_since(newest) else "minor"
    if kind == "major":
        return f"v{major + 1}.0.0"
    if kind == "minor":
        return f"v{major}.{minor + 1}.0"
    if kind == "patch":
        return f"v{major}.{minor}.{patch + 1}"
    raise ValueError(f"unknown kind of release {kind!r}: major, minor or patch")


def _row_schema_changed_since(release: Release) -> bool:
    """Whether the rows this code writes differ in columns or types from those of `release`'s files.

    Read from the release's first data file; a release whose files are not on this disk says nothing."""
    files = release.data_files("train") or release.data_files("test")
    path = release.directory / files[0]["path"] if files else None
    if path is None or not path.is_file():
        return False

    def columns(schema: pa.Schema) -> list[tuple[str, str]]:
        # Parquet names a list's items "element" where pyarrow says "item": the same type.
        return [(f.name, str(f.type).replace("list<element:", "list<item:")) for f in schema]

    return columns(pq.read_schema(path)) != columns(ROW_SCHEMA)


def start_release(*, by: User | None, version: str | None = None, enqueue: bool = True) -> Release:
    """Queue release `version` (by default the next minor one) and enqueue its build on commit.

    Starting a failed release again re-runs it; starting a queued one enqueues it again (the build is
    idempotent, so this rescues a task the broker lost). Raises ReleaseRefused when a build is already
    running, when the version exists, or when it is not newer than every release that did not fail.
    """
    fail_interrupted_builds()
    with transaction.atomic():
        version = version or next_version()
        try:
            key = parse_version(version)
        except ValueError:
            raise ReleaseRefused(_("A version looks like v1.2.0.")) from None
        # Releases are compared with the last published one: two builds at once would both compare
        # with it and one changelog would be wrong. The unique version settles a race between two
        # people asking for the suggested version at the same moment.
        busy = Release.objects.active().exclude(version=version).first()
        if busy is not None:
            raise ReleaseRefused(
                _("Release %(version)s is in progress; wait until it is done.") % {"version": busy.version}
            )
        release = Release.objects.select_for_update().filter(version=version).first()
        if release is not None and release.state not in (ReleaseState.FAILED, ReleaseState.QUEUED):
            raise ReleaseRefused(_("Release %(version)s already exists.") % {"version": version})
        newest = max(
            (
                other.version_key
                for other in Release.objects.exclude(state=ReleaseState.FAILED).exclude(version=version)
            ),
            default=None,
        )
        if newest is not None and key <= newest:
            raise ReleaseRefused(
                _("The version must be newer than v%(newest)s.") % {"newest": ".".join(map(str, newest))}
            )
        if release is None:
            try:
                with transaction.atomic():
                    release = Release.objects.create(version=version, started_by=by)
            except IntegrityError:
                raise ReleaseRefused(
                    _("Release %(version)s already exists.") % {"version": version}
                ) from None
        elif release.state == ReleaseState.FAILED:
            release.state = ReleaseState.QUEUED
            release.phase = ReleasePhase.QUEUED
            release.started_by = by
            release.error = ""
            release.save(update_fields=["state", "phase", "started_by", "error"])
        if enqueue:
            # The tasks module calls this one: importing it here avoids an import cycle.
            from .tasks import build_release as build_release_task

            release_id = release.pk
            transaction.on_commit(lambda: build_release_task.delay(release_id))
    return release


def cut_release_if_due() -> Release | None:
    """Start the next minor release when RELEASE_MIN_NEW_PAIRS pairs were validated since the last one."""
    fail_interrupted_builds()
    if Release.objects.active().exists():
        return None
    last = Release.objects.latest_published()
    new_pairs = Pair.objects.validated()
    if last is not None:
        # Runs once a week (RELEASE_CHECK_EVERY_SECONDS): a scan of the validated pairs is acceptable.
        new_pairs = new_pairs.filter(validated_at__gt=last.started_at or last.created_at)
    count = new_pairs.count()
    if count < settings.RELEASE_MIN_NEW_PAIRS:
        logger.info(
            "No release due: %d new validated pairs, %d needed", count, settings.RELEASE_MIN_NEW_PAIRS
        )
        return None
    try:
        release = start_release(by=None)
    except ReleaseRefused as refused:  # a moderator started one at the same moment
        logger.info("No release started: %s", refused)
        return None
    logger.info("Release %s started: %d new validated pairs", release.version, count)
    return release


def fail_interrupted_builds() -> list[Release]:
    """Mark failed the releases left `building` by a worker that died (nobody holds their lock)."""
    failed = []
    for release in Release.objects.filter(state=ReleaseState.BUILDING):
        with _build_lock(release.version) as locked:
            if locked and _fail_interrupted(release):
                failed.append(release)
    return failed


def build_release(release_id: int) -> Release | None:
    """Build, check and publish a queued release; see the module docstring. Safe to call twice."""
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        logger.warning("Release %s does not exist: nothing to build", release_id)
        return None
    with _build_lock(release.version) as locked:
        if not locked:
            logger.info("Release %s is being built by another worker", release.version)
            return release
        claimed = Release.objects.filter(pk=release.pk, state=ReleaseState.QUEUED).update(
            state=ReleaseState.BUILDING,
            started_at=timezone.now(),
            finished_at=None,
            error="",
            phase=ReleasePhase.SNAPSHOT,
            rows_written=0,
            rows_expected=None,
        )
        release.refresh_from_db()
        if not claimed:
            # We hold the lock, so a release still `building` lost its worker: a redelivered task must
            # not silently start again from scratch (Zulip's rule); whoever starts it again decides.
            _fail_interrupted(release)
            release.refresh_from_db()
            logger.info("Release %s is %s: not building it", release.version, release.state)
            return release
        try:
            _build_and_publish(release)
        except BaseException as error:
            _remove_temporary_directories(release.version)
            release.mark_failed(_error_text(error))
            logger.exception("Release %s failed", release.version)
            if not isinstance(error, Exception):
                raise  # KeyboardInterrupt, SystemExit: the process is stopping, let it.
        else:
            release.mark_published()
            logger.info("Release %s published: %d pairs", release.version, release.total)
    return release


def hub_api() -> HfApi:
    """The Hub client; tests replace this function with a fake that records calls."""
    return HfApi(endpoint=settings.HF_ENDPOINT or None, token=settings.HF_TOKEN)


def hub_configured() -> bool:
    return bool(settings.HF_DATASET_REPO and settings.HF_TOKEN)


# The build itself.


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


def _build_and_publish(release: Release) -> None:
    if not release.directory.exists():
        _build(release)
    else:
        # Moved into place by an earlier attempt (os.replace is atomic, so it is complete) whose Hub
        # push failed: push the very same files again rather than a rebuild from a newer database.
        _check_files_on_disk(release)
    if hub_configured():
        _record_progress(release.pk, phase=ReleasePhase.PUBLISHING)
        _publish_to_hub(release)


def _build(release: Release) -> None:
    root = _releases_root()
    previous = Release.objects.latest_published()
    if previous is not None and not previous.directory.is_dir():
        raise FileNotFoundError(
            f"the files of the previous release {previous.version} are missing from {previous.directory}: "
            "they are needed to list the pairs added and removed since"
        )
    temporary = Path(tempfile.mkdtemp(prefix=f".tmp-{release.version}-", dir=root))
    try:
        out_dir = temporary / "release"
        with _snapshot():
            built = _write_release(release, previous, out_dir)
        total = sum(built.split_counts.values())
        _record_progress(release.pk, phase=ReleasePhase.VERIFYING, rows_written=total, rows_expected=total)
        _verify(
            out_dir,
            built.split_counts,
            preference_split_counts=built.preference_split_counts,
            cache_dir=temporary / "hf-cache",
        )
        release.previous = previous
        release.split_counts = built.split_counts
        release.task_type_counts = built.task_type_counts
        release.domain_counts = built.domain_counts
        release.level_counts = built.level_counts
        release.added_count = built.added_count
        release.removed_count = built.removed_count
        release.removals_by_reason = built.removals_by_reason
        release.files = built.files
        release.rows_written = release.rows_expected = total
        release.save(
            update_fields=[
                "rows_written",
                "rows_expected",
                "previous",
                "split_counts",
                "task_type_counts",
                "domain_counts",
                "level_counts",
                "added_count",
                "removed_count",
                "removals_by_reason",
                "files",
            ]
        )
        os.replace(out_dir, release.directory)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


@dataclass
class _Built:
    split_counts: dict[str, int]
    task_type_counts: dict[str, int]
    domain_counts: dict[str, int]
    level_counts: dict[str, int]
    added_count: int
    removed_count: int
    removals_by_reason: dict[str, int]
    files: list[dict]
    preference_split_counts: dict[str, int]


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


def _write_release(release: Release, previous: Release | None, out_dir: Path) -> _Built:
    """Write every file of the release into `out_dir`; runs inside the snapshot."""
    expected = published_pairs().count()
    _record_progress(release.pk, phase=ReleasePhase.WRITING, rows_written=0, rows_expected=expected)
    previous_ids = None
    if previous is not None:
        previous_ids = published_ids(previous.directory, [file["path"] for file in previous.files])
    changes = ChangeTracker(previous_ids)
    statistics = _Statistics()
    held_back = _HeldBack()
    held_back_in_order: list[str] = []
    try:
        result = write_data_files(
            _rows(changes, statistics, held_back_in_order),
            out_dir=out_dir,
            shard_rows=settings.RELEASE_SHARD_ROWS,
            test_share=settings.RELEASE_TEST_SHARE,
            batch_rows=BATCH_ROWS,
            on_progress=_progress_reporter(release, expected),
        )
    except EmptyReleaseError:
        raise EmptyReleaseError("there is no validated pair to publish") from None
    changes.finish()
    total = sum(result.counts.values())
    if total + len(held_back_in_order) != expected:
        raise ReleaseCheckFailed(
            f"{total} rows written and {len(held_back_in_order)} held back, but the snapshot holds "
            f"{expected} published pairs"
        )
    held_back.pair_ids = set(held_back_in_order)
    preference_sources: Counter = Counter()
    preferences = write_data_files(
        _preference_rows(held_back, preference_sources),
        out_dir=out_dir,
        shard_rows=settings.RELEASE_SHARD_ROWS,
        test_share=settings.RELEASE_TEST_SHARE,
        batch_rows=BATCH_ROWS,
        config=PREFERENCES,
    )
    preference_split_counts = dict(preferences.counts)
    preference_source_counts = _sorted_counts(preference_sources)

    removed = _with_removal_reasons(changes.removed, held_back=held_back.pair_ids)
    removals_by_reason = dict(sorted(Counter(reason for _pair_id, reason in removed).items()))
    split_counts = dict(result.counts)
    task_type_counts = _sorted_counts(statistics.task_types)
    domain_counts = _sorted_counts(statistics.domains)
    level_counts = _sorted_counts(statistics.levels)
    added_count = len(changes.added) if changes.compared else total
    date = timezone.localdate(release.started_at)

    card = CardInfo(
        version=release.version,
        date=date,
        license_code=settings.MOISSON_LICENSE,
        split_counts=split_counts,
        task_type_counts=task_type_counts,
        domain_counts=domain_counts,
        level_counts=level_counts,
        site_url=settings.SITE_URL,
        previous_version=previous.version if previous else None,
        added=added_count,
        removed=len(removed),
        removals_by_reason=removals_by_reason,
        held_back=len(held_back_in_order),
        preference_split_counts=preference_split_counts,
        preference_source_counts=preference_source_counts,
        preferences_held_back=len(held_back.preference_ids),
        hub_repo=settings.HF_DATASET_REPO or None,
        license_name=settings.MOISSON_LICENSE_NAME,
        license_url=settings.MOISSON_LICENSE_URL,
        labels=_card_labels(),
        quorum_min_approvals=settings.MOISSON_QUORUM_MIN_APPROVALS,
        quorum_margin=settings.MOISSON_QUORUM_MARGIN,
        dispute_after_reviews=settings.MOISSON_DISPUTE_AFTER_REVIEWS,
        coverage_targets=targets_by_domain(),
    )
    (out_dir / "README.md").write_text(render_card(card), encoding="utf-8")
    (out_dir / "CONTRIBUTORS.md").write_text(
        render_contributors(list(statistics.contributors.items())), encoding="utf-8"
    )
    files = [
        *result.files,
        *preferences.files,
        describe_file(out_dir, "README.md"),
        describe_file(out_dir, "CONTRIBUTORS.md"),
    ]
    meta = {
        "version": release.version,
        "date": date,
        "previous_version": previous.version if previous else None,
        "counts": {
            "total": total,
            "splits": split_counts,
            "task_types": task_type_counts,
            "domains": domain_counts,
            "levels": level_counts,
            "preferences": {
                "total": sum(preference_split_counts.values()),
                "splits": preference_split_counts,
                "sources": preference_source_counts,
            },
        },
        # None for the first release: there is nothing to compare with (every row is new).
        "added": changes.added if changes.compared else None,
        "removed": [{"id": pair_id, "reason": reason} for pair_id, reason in removed]
        if changes.compared
        else None,
        "removals_by_reason": removals_by_reason,
        # Rows that failed the personal-data checks at build time, whether or not they were published before.
        "held_back": held_back.entries(held_back_in_order),
        "files": [_file_entry(file) for file in sorted(files, key=lambda file: file.path)],
    }
    files.append(write_release_json(out_dir, meta))
    return _Built(
        split_counts=split_counts,
        task_type_counts=task_type_counts,
        domain_counts=domain_counts,
        level_counts=level_counts,
        added_count=added_count,
        removed_count=len(removed),
        removals_by_reason=removals_by_reason,
        files=[_file_entry(file) for file in sorted(files, key=lambda file: file.path)],
        preference_split_counts=preference_split_counts,
    )


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
    longer its pair's current one, counted like `review.services` counts a quorum.

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


def _verify(
    directory: Path,
    split_counts: dict[str, int],
    *,
    preference_split_counts: dict[str, int] | None = None,
    cache_dir: Path,
) -> None:
    """Load the release as a researcher would, both configurations, and check it holds what was written."""
    checks = [(None, split_counts, ROW_SCHEMA.names)]
    if preference_split_counts and any(preference_split_counts.values()):
        checks.append((PREFERENCES.name, preference_split_counts, PREFERENCE_SCHEMA.names))
    for config_name, counts, expected_columns in checks:
        loaded, columns = _load_counts(directory, config_name, cache_dir=cache_dir)
        expected = {split: count for split, count in counts.items() if count}
        label = config_name or "default"
        if loaded != expected:
            raise ReleaseCheckFailed(
                f"datasets.load_dataset found {loaded} rows in the {label} configuration, "
                f"the build wrote {expected}"
            )
        for split, names in columns.items():
            if names != expected_columns:
                raise ReleaseCheckFailed(
                    f"the {split} split of the {label} configuration has columns {names}, "
                    f"not {expected_columns}"
                )


def _load_counts(
    directory: Path, config_name: str | None, *, cache_dir: Path
) -> tuple[dict[str, int], dict[str, list[str]]]:
    # Imported here: `datasets` is heavy, and only the builder needs it.
    import datasets
    import pyarrow.dataset

    progress_bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # one bar per split in the worker's log says nothing useful
    try:
        with _offline_datasets():
            dataset = datasets.load_dataset(
                str(directory),
                config_name,
                cache_dir=str(cache_dir),
                # Pre-buffering keeps every column chunk of a shard it read until the shard ends: with
                # 250,000-row shards that alone is hundreds of MB. Reading without it gives the same rows.
                fragment_scan_options=pyarrow.dataset.ParquetFragmentScanOptions(pre_buffer=False),
            )
    finally:
        if progress_bars:
            datasets.enable_progress_bars()
    try:
        return (
            {split: dataset[split].num_rows for split in dataset},
            {split: dataset[split].column_names for split in dataset},
        )
    finally:
        del dataset


@contextlib.contextmanager
def _offline_datasets() -> Iterator[None]:
    """`datasets` must read the local directory only: never ask the Hub for anything while checking.

    Both libraries read these switches at import time into module constants, which are set here for the
    duration of the check and put back after, so that publishing to the Hub still works.
    """
    import datasets
    from huggingface_hub import constants

    saved_env = {name: os.environ.get(name) for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")}
    saved = (datasets.config.HF_DATASETS_OFFLINE, datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE)
    os.environ.update({name: "1" for name in saved_env})
    datasets.config.HF_DATASETS_OFFLINE = datasets.config.HF_HUB_OFFLINE = constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_DATASETS_OFFLINE, datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE = saved
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction that sees the database as it was at its first query, whatever commits meanwhile.

    On SQLite (the embedded mode) a transaction is already a snapshot, and it holds the write lock
    until the build's query ends, which is short with the small databases SQLite serves here.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Must be the transaction's first statement.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _publish_to_hub(release: Release) -> None:
    repo_id = settings.HF_DATASET_REPO
    last_pushed = max(
        Release.objects.published().filter(hub_repo=repo_id).exclude(hub_commit=""),
        key=lambda other: other.version_key,
        default=None,
    )
    result = hub.publish(
        release.directory,
        repo_id=repo_id,
        token=settings.HF_TOKEN,
        version=release.version,
        parent_commit=last_pushed.hub_commit if last_pushed else None,
        api=hub_api(),
    )
    release.hub_repo = repo_id
    release.hub_commit = result.commit_id
    release.save(update_fields=["hub_repo", "hub_commit"])


def _check_files_on_disk(release: Release) -> None:
    if not release.files:
        raise ReleaseCheckFailed(
            f"{release.directory} exists but the release recorded no files: move it away, then start again"
        )
    for file in release.files:
        path = release.directory / file["path"]
        if not path.is_file() or path.stat().st_size != file["size"] or sha256_of(path) != file["sha256"]:
            raise ReleaseCheckFailed(f"{path} is missing or differs from the file the build recorded")


# Locks and temporary directories.


def _releases_root() -> Path:
    root = Path(settings.RELEASES_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def _build_lock(version: str) -> Iterator[bool]:
    """Hold the build lock of `version`, or yield False at once when someone else holds it.

    A lock on a file rather than in the database: the kernel releases it when the process holding it
    dies, which is how a redelivered task knows that the worker building the release is gone.
    """
    with open(_releases_root() / f".lock-{version}", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _fail_interrupted(release: Release) -> bool:
    """Mark failed a release still `building` whose lock the caller holds; True when it was."""
    failed = Release.objects.filter(pk=release.pk, state=ReleaseState.BUILDING).update(
        state=ReleaseState.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    if failed:
        _remove_temporary_directories(release.version)
        logger.warning("Release %s was interrupted: marked failed", release.version)
    return bool(failed)


def _remove_temporary_directories(version: str) -> None:
    for directory in _releases_root().glob(f".tmp-{version}-*"):
        shutil.rmtree(directory, ignore_errors=True)


# Small pieces.


def _progress_reporter(release: Release, expected: int) -> Callable[[int], None]:
    """Log the rows written every PROGRESS_EVERY_ROWS, and record them on the row every second or so."""
    last_logged = 0
    started = last_recorded = time.monotonic()

    def report(written: int) -> None:
        nonlocal last_logged, last_recorded
        now = time.monotonic()
        if written - last_logged >= PROGRESS_EVERY_ROWS or written == expected:
            last_logged = written
            logger.info(
                "Release %s: %d/%d rows written (%.0f s)", release.version, written, expected, now - started
            )
        if now - last_recorded >= PROGRESS_WRITE_SECONDS or written == expected:
            last_recorded = now
            _record_progress(release.pk, rows_written=written)

    return report


def _record_progress(release_id: int, **fields: object) -> None:
    """Write the build's progress on its row so that the release page and the API show it at once.

    The rows are written inside one long snapshot transaction (REPEATABLE READ on PostgreSQL): an update
    made in it would stay invisible until the build ends. Django gives each thread its own connection, so
    a short-lived thread writes through another connection, in its own transaction, then closes it.
    Progress is only a courtesy: a failed write is logged, and never waits for a lock nor fails the build.

    On SQLite a transaction holds the database's write lock (`transaction_mode` IMMEDIATE), so nothing can
    be written beside the snapshot: there, only the phases around it are recorded.
    """
    if connection.vendor == "sqlite" and connection.in_atomic_block:
        return

    def write() -> None:
        try:
            with transaction.atomic():
                row = Release.objects.select_for_update(skip_locked=True).filter(pk=release_id)
                if row.values_list("pk", flat=True):
                    Release.objects.filter(pk=release_id).update(**fields)
        except DatabaseError as error:
            logger.warning("Progress of release %s not recorded: %s", release_id, error)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=write, name=f"release-{release_id}-progress")
    thread.start()
    thread.join()


def _sorted_counts(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items()))


def _file_entry(file: WrittenFile) -> dict:
    return asdict(file)


def _card_labels() -> dict[str, str]:
    # The card is read by French speakers first; English labels are the fallback without a catalogue.
    with translation.override("fr"):
        labels = {
            str(code): str(label) for choices in (TaskType, Domain, Level) for code, label in choices.choices
        }
        return labels | {code: str(label) for code, label in REMOVAL_LABELS.items()}


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:4000]
