"""The build of a release (SPEC.md §6): in one snapshot, write the rows, the preferences, the card and
release.json into a temporary directory, check them, then move the directory into place (steps 2 to 4 of
`export.releases`), recording the progress on the `Release` row.
"""

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation

from collect.coverage import targets_by_domain
from collect.models import Domain, Level, TaskType

from .card import CardInfo, render_card, render_contributors
from .changes import ChangeTracker, published_ids
from .locks import _releases_root
from .models import REMOVAL_LABELS, Release, ReleasePhase
from .preferences import _preference_rows
from .rows import BATCH_ROWS, _HeldBack, _rows, _Statistics, _with_removal_reasons, published_pairs
from .verify import ReleaseCheckFailed, _verify
from .writer import (
    PREFERENCES,
    EmptyReleaseError,
    WrittenFile,
    describe_file,
    write_data_files,
    write_release_json,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 100_000
# The release row's progress is written at most this often: each write opens a database connection.
PROGRESS_WRITE_SECONDS = 1.0


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


def _card_labels() -> dict[str, dict[str, str]]:
    """The human names of the codes in the card's tables, in each language of the card."""
    labels = {}
    for language in ("fr", "en"):
        with translation.override(language):
            labels[language] = {
                str(code): str(label)
                for choices in (TaskType, Domain, Level)
                for code, label in choices.choices
            } | {code: str(label) for code, label in REMOVAL_LABELS.items()}
    return labels
