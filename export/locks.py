"""The build lock of a release and its temporary directories (SPEC.md §6).

A lock on a file rather than in the database: the kernel releases it when the process holding it dies, which
is how a redelivered task knows that the worker building the release is gone. The web processes and the
worker must therefore share RELEASES_ROOT.
"""

import contextlib
import fcntl
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Release, ReleaseState

logger = logging.getLogger(__name__)

INTERRUPTED = "The build was interrupted (its worker stopped). Start the release again to re-run it."


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
    """Mark failed a release still `building` whose lock the caller holds; True when it was.

    Its files go first: whoever sees the release `failed` (a page, a test, the next build) finds nothing
    of it left on disk. Holding the lock, nobody else writes them meanwhile.
    """
    building = Release.objects.filter(pk=release.pk, state=ReleaseState.BUILDING)
    if not building.exists():
        return False
    _remove_temporary_directories(release.version)
    failed = building.update(state=ReleaseState.FAILED, error=INTERRUPTED, finished_at=timezone.now())
    if failed:
        logger.warning("Release %s was interrupted: marked failed", release.version)
    return bool(failed)


def _remove_temporary_directories(version: str) -> None:
    for directory in _releases_root().glob(f".tmp-{version}-*"):
        shutil.rmtree(directory, ignore_errors=True)
