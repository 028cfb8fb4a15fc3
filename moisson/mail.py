"""Sending an e-mail that follows someone's action (confirming an address, resetting a password, a contact
message): now, and by the worker if the mail server cannot take it.

A mail server that is down or slow must not turn the action into an error page: the account, the request,
the contact message are saved already, and a person who retries would find their username taken or their
message sent twice. `send` tries once, within EMAIL_TIMEOUT; if the server refuses, fails or does not answer,
the message is handed to the Celery worker (`send_email`), which tries again with growing pauses. Sending
at once keeps the common case as it was: the e-mail leaves before the page answers.
"""

import logging

from celery import shared_task
from django.core.mail import EmailMessage, EmailMultiAlternatives

logger = logging.getLogger(__name__)


def send(message: EmailMessage) -> None:
    """Send `message` now, or have the worker send it later if the mail server fails (never raises for it)."""
    try:
        message.send()
    except OSError:  # refused, timed out, or any of smtplib's errors
        logger.warning("The mail server did not take an e-mail: the worker will try again", exc_info=True)
        try:
            send_email.delay(_fields(message))
        except Exception:
            logger.exception("An e-mail could neither be sent nor handed to the worker: it is lost")


# How a task that sends e-mail meets a mail server that fails (smtplib's errors are OSErrors): it tries
# again after 1, 2, 4... minutes, for about four hours. Shared by every such task.
MAIL_SERVER_RETRIES = {
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 8,
}


@shared_task(**MAIL_SERVER_RETRIES)
def send_email(fields: dict) -> int:
    return _message(fields).send()


def _fields(message: EmailMessage) -> dict:
    """The parts of a message the task needs, as JSON."""
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def _message(fields: dict) -> EmailMessage:
    fields = dict(fields)
    alternatives = [tuple(alternative) for alternative in fields.pop("alternatives", [])]
    return EmailMultiAlternatives(**fields, alternatives=alternatives)
