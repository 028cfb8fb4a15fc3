"""Celery tasks of the export app: thin callers of export.services, taking ids (STYLE.md)."""

from celery import shared_task

from . import services


# acks_late with reject_on_worker_lost: a worker killed mid-build puts the message back, and the
# redelivered task finds the release `building` with its lock free, so it marks it failed (services).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_release(release_id: int) -> None:
    services.build_release(release_id)


@shared_task
def cut_release_if_due() -> None:
    services.cut_release_if_due()
