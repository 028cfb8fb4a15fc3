"""Celery tasks of the accounts app: thin callers, like every other door (STYLE.md)."""

from celery import shared_task

from . import services, waves


@shared_task
def delete_unconfirmed_accounts() -> int:
    return services.delete_unconfirmed_accounts()


# A mail server that fails (smtplib's errors are OSErrors) is tried again, after 1, 2, 4... minutes.
@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=6)
def send_wave_opened_emails(user_ids: list[int]) -> int:
    return waves.send_wave_opened_emails(user_ids=user_ids)
