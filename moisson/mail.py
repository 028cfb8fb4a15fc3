"""Sending an e-mail that follows someone's action (confirming an address, resetting a password, a contact
message): now, and by the worker if the mail server cannot take it.

A mail server that is down or slow must not turn the action into an error page: the account, the request,
the contact message are saved already, and a person who retries would find their username taken or their
message sent twice. `send` tries once, within EMAIL_TIMEOUT; if the server refuses, fails or does not answer,
the message is handed to the Celery worker (`send_email`), which tries again with growing pauses. Sending
at once keeps the common case as it was: the e-mail leaves before the page answers.

A request that waits for the mail server uses no core, so it gives its place among the requests in flight
(moisson/overload.py) to another one meanwhile: on launch day, with sign-ups arriving every second, a mail
server that stops answering would otherwise take every place for EMAIL_TIMEOUT and refuse the whole site. And
a mail server that failed, or took longer than SLOW_SEND_SECONDS, is left to rest for REST_SECONDS: meanwhile
every process (the cache is shared in production) hands its e-mails straight to the worker, which is not in
a hurry, and the next e-mail after the rest tries the server again. A send still waiting after
SLOW_SEND_SECONDS starts the rest at once, so that the requests arriving meanwhile do not wait as long.
"""

import logging
import threading
import time

from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives

from moisson.overload import place_given_back

logger = logging.getLogger(__name__)

# A send that takes longer than this is slow enough to matter under load: the next ones go to the worker.
SLOW_SEND_SECONDS = 2.0
# How long a mail server that failed or was slow is left to rest: requests do not wait for it meanwhile.
REST_SECONDS = 60
RESTING_KEY = "mail:server-resting"


# When each send in progress in this process began, by thread.
_sending: dict[int, float] = {}
_sending_lock = threading.Lock()


def send(message: EmailMessage) -> None:
    """Send `message` now, or have the worker send it later if the mail server fails, is slow or rests
    (never raises for it)."""
    resting = _mail_server_resting()
    if not resting and _sent_now(message):
        return
    try:
        send_email.delay(_fields(message))
        return
    except Exception:
        logger.warning("An e-mail could not be handed to the worker", exc_info=True)
    # The broker is down too: a mail server that was only slow, or is back, may still take it.
    if resting and _sent_now(message):
        return
    logger.error("An e-mail could neither be sent nor handed to the worker: it is lost")


def _mail_server_resting() -> bool:
    if cache.get(RESTING_KEY) is not None:
        return True
    # A send still waiting for the server after SLOW_SEND_SECONDS says it is slow before it ends: the
    # requests arriving meanwhile need not wait as long as it does.
    with _sending_lock:
        oldest = min(_sending.values(), default=None)
    if oldest is not None and time.monotonic() - oldest > SLOW_SEND_SECONDS:
        _rest_because_slow()
        return True
    return False


def _rest_because_slow() -> None:
    logger.warning("The mail server is slow: e-mails go through the worker for %s s", REST_SECONDS)
    cache.set(RESTING_KEY, "slow", REST_SECONDS)


def _sent_now(message: EmailMessage) -> bool:
    """Try the mail server once; leave it to rest if it fails or is slow. True if the message left."""
    started = time.monotonic()
    with _sending_lock:
        _sending[threading.get_ident()] = started
    try:
        with place_given_back():
            message.send()
    except OSError:  # refused, timed out, or any of smtplib's errors
        logger.warning("The mail server did not take an e-mail: the worker will try again", exc_info=True)
        cache.set(RESTING_KEY, "failed", REST_SECONDS)
        return False
    finally:
        with _sending_lock:
            del _sending[threading.get_ident()]
    if time.monotonic() - started > SLOW_SEND_SECONDS:
        _rest_because_slow()
    return True


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
