"""A build killed with its worker is cleaned when a worker starts again (issue 13)."""

import time
from pathlib import Path

import pytest
from celery.signals import worker_ready
from django.db import connection

import export.locks
from export import tasks  # noqa: F401  (the worker imports it at start: that connects the receiver)
from export.models import Release, ReleaseState
from export.services import INTERRUPTED
from tests.workers import needs_real_worker, running_worker

WAIT_SECONDS = 120


def killed_build(releases_root: Path) -> tuple[Release, Path]:
    """What `kill -9` leaves of a build: the row `building`, a half-written temporary directory."""
    release = Release.objects.create(version="v1.0.0", state=ReleaseState.BUILDING)
    temporary = releases_root / ".tmp-v1.0.0-abc123"
    (temporary / "data").mkdir(parents=True)
    (temporary / "data" / "train-00000-of-00001.parquet").write_bytes(b"half written")
    return release, temporary


@pytest.mark.django_db
def test_worker_ready_fails_the_build_a_killed_worker_left_and_removes_its_files(releases_root: Path) -> None:
    release, temporary = killed_build(releases_root)

    worker_ready.send(sender=None)  # what Celery sends once a worker is up

    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert release.error == INTERRUPTED
    assert not temporary.exists()


@pytest.mark.django_db
def test_worker_ready_leaves_published_releases_and_their_files_alone(releases_root: Path) -> None:
    release = Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
    (releases_root / "v1.0.0").mkdir(parents=True)

    worker_ready.send(sender=None)

    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED
    assert (releases_root / "v1.0.0").is_dir()


@pytest.mark.worker
@needs_real_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_cleans_a_killed_build_when_it_starts(tmp_path: Path, releases_root: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process cannot see pytest's SQLite test database")
    release, temporary = killed_build(releases_root)
    log = tmp_path / "worker.log"
    with running_worker(releases_root=releases_root, log=log, name="export-start-test"):
        deadline = time.monotonic() + WAIT_SECONDS
        while release.state == ReleaseState.BUILDING:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
            release.refresh_from_db()

    assert release.state == ReleaseState.FAILED
    assert not temporary.exists()


@pytest.mark.django_db
def test_the_files_of_an_interrupted_build_are_gone_before_it_shows_failed(
    releases_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page or a script polling the release must never see it `failed` with its files still on disk.
    release, temporary = killed_build(releases_root)
    seen_while_removing = []
    remove = export.locks._remove_temporary_directories

    def remove_and_look(version: str) -> None:
        seen_while_removing.append(Release.objects.get(pk=release.pk).state)
        remove(version)

    monkeypatch.setattr(export.locks, "_remove_temporary_directories", remove_and_look)

    worker_ready.send(sender=None)

    assert seen_while_removing == [ReleaseState.BUILDING]
    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert not temporary.exists()
