"""Celery tasks of the export app: thin callers of export.services, taking ids (STYLE.md)."""

from celery import shared_task
from celery.signals import worker_ready

from . import services


# acks_late with reject_on_worker_lost: a worker killed mid-build puts the message back, and the
# redelivered task finds the release `building` with its lock free, so it marks it failed (services).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_release(release_id: int) -> None:
    services.build_release(release_id)


@shared_task
def cut_release_if_due() -> None:
    services.cut_release_if_due()


@worker_ready.connect
def clean_interrupted_builds(**kwargs: object) -> None:
    """At worker start, fail the releases a killed worker left `building` and remove their `.tmp-*` files.

    Without this the row stays `building` (and blocks every other release) until someone starts the next
    one; the file lock tells a dead build from one another worker is still running.
    """
    services.fail_interrupted_builds()
