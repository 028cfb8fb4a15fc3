"""Workflows of a release (SPEC.md §6): start one, build it, cut one when enough pairs are new.

The site, the API, the admin, the `release` command and the Celery tasks all call these functions; the
`Release` row is the truth about a build. The steps live beside: `build` (the snapshot and the files),
`rows` and `preferences` (the rows of each configuration), `verify` (the check), `publish` (the Hub push)
and `locks`. The pure parts live elsewhere: `writer` (rows → Parquet and release.json), `card` (README.md,
CONTRIBUTORS.md), `changes` (ids added and removed), `hub` (the Hub).

A build, step by step (`build_release`):
1. take the release's lock (a file lock, so the kernel frees it when a worker dies) and claim the row
   with a conditional update queued → building: a duplicate or redelivered task does nothing;
2. in one snapshot (REPEATABLE READ on PostgreSQL), stream the published pairs in id order into
   RELEASES_ROOT/.tmp-<version>-<random>/release, comparing their ids with the previous release's.
   A pair is published with its last validated revision (`Pair.published_revision`), so a correction
   in review never takes it out (SPEC §2); removed and withdrawn pairs leave. Every row passes the
   personal-data checks of `moisson.personal_data` again: a row that fails is held back and listed
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

import logging

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from collect.models import Pair

from .build import _build, _record_progress
from .locks import _build_lock, _fail_interrupted, _remove_temporary_directories
from .models import Release, ReleasePhase, ReleaseState, parse_version
from .publish import _check_files_on_disk, _publish_to_hub, hub_configured
from .writer import (
    ROW_SCHEMA,
)

logger = logging.getLogger(__name__)


class ReleaseRefused(Exception):
    """A release cannot be started as asked; the message says why, for the person who asked."""


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


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:4000]
