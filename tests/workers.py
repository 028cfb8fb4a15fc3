"""A real Celery worker for the tests that need one (CI: MOISSON_REAL_WORKER=1, Redis and PostgreSQL).

The worker is a separate process: it reads pytest's test_<name> copy of the PostgreSQL database (a SQLite
test database is invisible to it) and builds releases into the test's directory.
"""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

needs_real_worker = pytest.mark.skipif(
    os.environ.get("MOISSON_REAL_WORKER") != "1",
    reason="needs MOISSON_REAL_WORKER=1 with a Redis broker and PostgreSQL (see .ci/run)",
)
CELERY = [sys.executable, "-m", "celery", "-A", "moisson"]


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on: pytest-django's test_<name> copy."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def worker_environment(*, releases_root: Path) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": worker_database_url(),
        "RELEASES_ROOT": str(releases_root),
        "HF_DATASET_REPO": "",
        "HF_TOKEN": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(settings.BASE_DIR),
    }


def start_worker(
    *, releases_root: Path, log: Path, name: str, command: list[str] | None = None
) -> subprocess.Popen:
    """A worker (or `command`, a script that runs one) in a session of its own, logging into `log`."""
    arguments = ["worker", "--loglevel=INFO", "--concurrency=1", "--without-mingle", "--without-gossip"]
    arguments += ["--hostname", f"{name}-{uuid.uuid4().hex[:8]}@%h"]
    with open(log, "ab") as output:
        # A session of its own: stopping its process group stops the worker and its pool child only.
        return subprocess.Popen(
            [*(command or CELERY), *arguments],
            cwd=settings.BASE_DIR,
            env=worker_environment(releases_root=releases_root),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@contextmanager
def running_worker(*, releases_root: Path, log: Path, name: str) -> Iterator[subprocess.Popen]:
    """A worker for the length of the `with` block, stopped whatever happens."""
    worker = start_worker(releases_root=releases_root, log=log, name=name)
    try:
        yield worker
    finally:
        stop_worker(worker)
