"""Celery tasks of the export app: thin callers of export.releases, taking ids (STYLE.md)."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError

from . import releases

logger = logging.getLogger(__name__)


# acks_late with reject_on_worker_lost: a worker killed mid-build puts the message back, and the
# redelivered task finds the release `building` with its lock free, so it marks it failed (releases).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_release(release_id: int) -> None:
    releases.build_release(release_id)


@shared_task
def cut_release_if_due() -> None:
    releases.cut_release_if_due()


@worker_ready.connect
def fail_builds_left_by_a_dead_worker(**kwargs: object) -> None:
    """A worker killed outright (SIGKILL, out of memory, power cut) leaves its release `building` with a
    `.tmp-*` directory, and its message may come back only hours later: the next worker to start marks
    the release failed and removes the directory, so that someone can start it again at once. A build
    still running in another worker holds its lock and is left alone.

    A database that is not ready (down, or not migrated yet) must not stop the worker: the same clean-up
    runs again when the next release starts."""
    try:
        releases.fail_interrupted_builds()
    except DatabaseError as error:
        logger.warning("Could not look for builds left by a dead worker: %s", error)
