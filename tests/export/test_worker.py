"""The Celery path through a real worker and broker (CI: Redis and PostgreSQL, MOISSON_REAL_WORKER=1)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection

from collect.models import Status
from export.models import ReleaseState
from export.services import start_release
from moisson.celery import app
from tests.factories import make_pair, make_user

WAIT_SECONDS = 120

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        os.environ.get("MOISSON_REAL_WORKER") != "1",
        reason="needs MOISSON_REAL_WORKER=1 with a Redis broker and PostgreSQL (see .ci/run)",
    ),
]


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on: pytest-django's test_<name> copy."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_and_publishes_a_queued_release(tmp_path: Path, releases_root: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process cannot see pytest's SQLite test database")
    app.control.purge()  # messages left by an interrupted earlier run
    log = tmp_path / "worker.log"
    env = os.environ | {
        "DATABASE_URL": worker_database_url(),
        "RELEASES_ROOT": str(releases_root),
        "HF_DATASET_REPO": "",
        "HF_TOKEN": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "moisson", "worker"),
                *("--loglevel=INFO", "--concurrency=1", "--without-mingle", "--without-gossip"),
                *("--hostname", f"export-test-{uuid.uuid4().hex[:8]}@%h"),
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            author = make_user()
            for _ in range(5):
                make_pair(author=author, status=Status.VALIDATED)

            release = start_release(by=None)  # committed at once: the task is sent now
            deadline = time.monotonic() + WAIT_SECONDS
            while release.state in (ReleaseState.QUEUED, ReleaseState.BUILDING):
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.5)
                release.refresh_from_db()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    assert release.state == ReleaseState.PUBLISHED, release.error + log.read_text(errors="replace")
    assert release.total == 5
    assert (releases_root / release.version / "release.json").is_file()
