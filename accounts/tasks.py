"""Celery tasks of the accounts app: thin callers, like every other door (STYLE.md)."""

from celery import shared_task

from . import services


@shared_task
def delete_unconfirmed_accounts() -> int:
    return services.delete_unconfirmed_accounts()
