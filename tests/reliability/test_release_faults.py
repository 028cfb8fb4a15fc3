"""Release faults (issue 13, "Battery"): a worker killed mid-build, the Hub failing between commit and
tag, and the privacy of what a release publishes.

The worker tests start real Celery workers on Redis against PostgreSQL (MOISSON_REAL_WORKER=1, as in
tests/export/test_worker.py and .ci/run). The Hub is the one thing outside the machine: its fake
(tests/export/fake_hub.py) checks every call against the real client's signatures.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

import export.locks
import export.publish
from accounts.services import delete_account
from collect.models import Pair, Revision, Status
from export.models import Release, ReleaseState
from export.services import start_release
from moisson.celery import app
from moisson.personal_data import find_personal_data
from tests.export.fake_hub import FakeHub
from tests.factories import (
    correction_history,
    make_release,
    make_user,
    make_validated_pairs,
    suggested_edit_history,
)
from tests.workers import needs_real_worker, start_worker, stop_worker

WAIT_SECONDS = 120
REPO = "moisson/moisson-fr"


@pytest.fixture(autouse=True)
def releases_root(settings: Settings, tmp_path: Path) -> Path:
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = ""
    settings.HF_TOKEN = ""
    return settings.RELEASES_ROOT


# A worker killed in the middle of a build.


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    """The workers a test starts, stopped whatever happens."""
    app.control.purge()  # messages left by an interrupted earlier run
    started: list[subprocess.Popen] = []
    yield started
    for worker in started:
        stop_worker(worker)


def wait_for(condition: object, *, log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n" + log.read_text(
            errors="replace"
        )
        time.sleep(0.2)


def state_of(release: Release) -> str:
    release.refresh_from_db()
    return release.state


def temporary_directories(releases_root: Path, release: Release) -> list[Path]:
    return sorted(releases_root.glob(f".tmp-{release.version}-*"))


def written_files(releases_root: Path, release: Release) -> list[Path]:
    return [path for path in releases_root.glob(f".tmp-{release.version}-*/release/*") if path.is_file()]


STALLED_WORKER = [sys.executable, str(Path(__file__).with_name("stalled_worker.py"))]


def start_a_build_and_kill_its_worker(
    *, releases_root: Path, log: Path, workers: list[subprocess.Popen], whole_worker: bool
) -> Release:
    """Start a release on a worker that stalls once the files are written, and SIGKILL it then: the pool
    child alone, or the whole worker (parent and child) as the kernel's out-of-memory killer or a
    power cut would."""
    author = make_user()
    make_validated_pairs(5, author=author)
    stalled = start_worker(command=STALLED_WORKER, releases_root=releases_root, log=log, name="faults")
    workers.append(stalled)
    release = start_release(by=None)  # committed at once: the task is sent now
    wait_for(lambda: written_files(releases_root, release), log=log, what="the build to write its files")
    assert state_of(release) == ReleaseState.BUILDING
    if whole_worker:
        os.killpg(stalled.pid, signal.SIGKILL)
        stalled.wait()
    else:
        child = int(
            subprocess.run(
                ["pgrep", "-P", str(stalled.pid)], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        os.kill(child, signal.SIGKILL)
    return release


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@needs_real_worker
def test_a_whole_worker_killed_mid_build_publishes_nothing_and_the_next_worker_start_cleans_up(
    releases_root: Path, tmp_path: Path, workers: list[subprocess.Popen]
) -> None:
    log = tmp_path / "workers.log"
    release = start_a_build_and_kill_its_worker(
        releases_root=releases_root, log=log, workers=workers, whole_worker=True
    )

    # Nothing is published; the killed build left its row and its temporary directory behind.
    assert not release.directory.exists()
    assert state_of(release) == ReleaseState.BUILDING
    assert temporary_directories(releases_root, release)

    workers.append(start_worker(releases_root=releases_root, log=log, name="faults"))
    wait_for(lambda: state_of(release) == ReleaseState.FAILED, log=log, what="the next worker to clean up")

    assert release.error == export.locks.INTERRUPTED
    assert temporary_directories(releases_root, release) == []
    assert not release.directory.exists()
    again = start_release(by=None, version=release.version)
    wait_for(lambda: state_of(again) == ReleaseState.PUBLISHED, log=log, what="the release started again")
    assert again.total == 5


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@needs_real_worker
def test_a_pool_process_killed_mid_build_is_failed_by_its_redelivered_task_and_publishes_nothing(
    releases_root: Path, tmp_path: Path, workers: list[subprocess.Popen]
) -> None:
    log = tmp_path / "workers.log"
    release = start_a_build_and_kill_its_worker(
        releases_root=releases_root, log=log, workers=workers, whole_worker=False
    )

    # acks_late + reject_on_worker_lost: the message comes back to the worker's new pool process, which
    # finds the release `building` with its lock free and fails it rather than building it silently.
    wait_for(lambda: state_of(release) == ReleaseState.FAILED, log=log, what="the redelivered task")

    assert release.error == export.locks.INTERRUPTED
    assert temporary_directories(releases_root, release) == []
    assert not release.directory.exists()


# The Hub failing between the commit and the tag.


def use_fake_hub(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    hub = FakeHub()
    settings.HF_DATASET_REPO = REPO
    settings.HF_TOKEN = "hf_test"
    monkeypatch.setattr(export.publish, "hub_api", lambda: hub)
    return hub


@pytest.mark.django_db
def test_a_retry_after_the_hub_failed_between_commit_and_tag_adds_only_the_tag(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also in tests/export/test_build.py (fake Hub) and tests/export/test_hub.py (the real client
    against a local server); here with both configurations in the commit."""
    hub = use_fake_hub(settings, monkeypatch)
    suggested_edit_history()
    correction_history()
    hub.fail_next_tag = True
    failed = make_release()
    commit_id, _title, files = hub.head(REPO)
    hub.calls.clear()

    release = make_release(version=failed.version)

    assert (failed.state, release.state) == (ReleaseState.FAILED, ReleaseState.PUBLISHED)
    assert hub.call_names().count("create_commit") == 0
    assert hub.call_names().count("create_tag") == 1
    assert hub.tags[REPO] == {release.version: commit_id}
    assert hub.head(REPO)[0] == release.hub_commit == commit_id
    assert any(path.startswith("data/preferences-") for path in files)


# Privacy.


def every_text_of(release: Release) -> Iterator[str]:
    """Every file of a release as text: Parquet rows are read back (their bytes are compressed)."""
    for file in release.files:
        path = release.directory / file["path"]
        if file["path"].endswith(".parquet"):
            yield json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
        else:
            yield path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_every_released_row_passes_the_personal_data_checks() -> None:
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    # A row that reached the database without the checks (an old row, a hand-made fix).
    leaking = Pair.objects.filter(status=Status.VALIDATED).first()
    Revision.objects.filter(pk=leaking.published_revision_id).update(
        answer="Pour la suite, écrivez-moi à jean.dupont@example.org ou au 06 12 34 56 78."
    )

    release = make_release()

    texts = []
    for file in release.files:
        if file["path"].endswith(".parquet"):
            for row in pq.read_table(release.directory / file["path"]).to_pylist():
                texts += [row[name] for name in ("question", "context", "answer") if row.get(name)]
                for name in ("prompt", "chosen", "rejected"):
                    texts += [message["content"] for message in row.get(name) or []]
    assert len(texts) > 100
    assert [text for text in texts if find_personal_data(text, field="answer")] == []
    assert {"id": str(leaking.pk), "config": "default", "reason": "personal_data"} in json.loads(
        (release.directory / "release.json").read_text(encoding="utf-8")
    )["held_back"]


@pytest.mark.django_db
def test_after_an_account_is_deleted_the_next_release_names_nobody_and_holds_no_email() -> None:
    author = make_user(email="lou.garnier@example.org", pseudonym="Lou Garnier", attribution_opt_in=True)
    pairs = make_validated_pairs(3, author=author)
    first = make_release()
    assert any("Lou Garnier" in text for text in every_text_of(first))

    delete_account(user=author)
    second = make_release()

    texts = list(every_text_of(second))
    assert not any("Lou Garnier" in text or "lou.garnier" in text for text in texts)
    assert second.total == 3  # the pairs stay, under the licence they were given, without attribution
    rows = [
        row
        for file in second.files
        if file["path"].startswith(("data/train-", "data/test-"))
        for row in pq.read_table(second.directory / file["path"]).to_pylist()
    ]
    assert sorted(row["id"] for row in rows) == sorted(str(pair.pk) for pair in pairs)
    assert {row["author"] for row in rows} == {None}
