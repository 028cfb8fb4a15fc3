"""Celery tasks of the accounts app: thin callers, like every other door (STYLE.md)."""

from celery import shared_task

from moisson.mail import MAIL_SERVER_RETRIES

from . import services, waves


@shared_task
def delete_unconfirmed_accounts() -> int:
    return services.delete_unconfirmed_accounts()


@shared_task(**MAIL_SERVER_RETRIES)
def send_wave_opened_emails(user_ids: list[int]) -> int:
    return waves.send_wave_opened_emails(user_ids=user_ids)
