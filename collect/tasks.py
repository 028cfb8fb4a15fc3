"""Celery tasks of the collect app: thin callers, like every other door (STYLE.md)."""

from celery import shared_task

from . import statistics


@shared_task
def refresh_statistics() -> None:
    statistics.refresh_statistics()
