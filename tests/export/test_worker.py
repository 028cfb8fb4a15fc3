"""The Celery path through a real worker and broker (CI: Redis and PostgreSQL, MOISSON_REAL_WORKER=1)."""

import time
from pathlib import Path

import pytest
from django.db import connection

from export.models import ReleaseState
from export.services import start_release
from moisson.celery import app
from tests.factories import make_user, make_validated_pairs
from tests.workers import needs_real_worker, running_worker

WAIT_SECONDS = 120

pytestmark = [pytest.mark.worker, needs_real_worker]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_and_publishes_a_queued_release(tmp_path: Path, releases_root: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process cannot see pytest's SQLite test database")
    app.control.purge()  # messages left by an interrupted earlier run
    log = tmp_path / "worker.log"
    with running_worker(releases_root=releases_root, log=log, name="export-test"):
        author = make_user()
        make_validated_pairs(5, author=author)

        release = start_release(by=None)  # committed at once: the task is sent now
        deadline = time.monotonic() + WAIT_SECONDS
        while release.state in (ReleaseState.QUEUED, ReleaseState.BUILDING):
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
            release.refresh_from_db()

    assert release.state == ReleaseState.PUBLISHED, release.error + log.read_text(errors="replace")
    assert release.total == 5
    assert (releases_root / release.version / "release.json").is_file()
