"""Messages from anyone through the public contact form (takedown requests and questions), and their
handling by a moderator (SPEC §5).
"""

import hashlib
import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from collect.models import Pair
from moisson import mail
from moisson.throttle import count_in_cache

from .errors import InvalidAction, TooManyMessages, _require_moderator
from .models import (
    AuditAction,
    AuditEntry,
    ContactKind,
    ContactRequest,
)

# A pair's public id written anywhere in a text (a link to its page, or the id alone).
UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# Per client address and per hour: enough for a person with several requests, not for a robot.
CONTACT_MESSAGES_PER_HOUR = 5


def receive_contact_request(
    *, client_ip: str, kind: str, email: str, message: str, name: str = "", pair_reference: str = ""
) -> ContactRequest:
    """Record a message for the moderators, log it and acknowledge it to its sender by e-mail.

    Nobody needs an account to reach the moderators (someone whose text was published without their
    consent may have none); the rate limit, keyed on the client's address, keeps robots from flooding them.
    """
    if not _allow_contact_message(client_ip):
        raise TooManyMessages(
            _("You have sent several messages in a short time. Please try again in an hour.")
        )
    if kind not in ContactKind.values:
        raise InvalidAction(_("Choose the subject of your message."))
    found = UUID_IN_TEXT.search(pair_reference)
    pair = Pair.objects.filter(pk=found.group(0)).first() if found else None
    with transaction.atomic():
        request = ContactRequest.objects.create(
            kind=kind,
            name=name.strip(),
            email=email.strip(),
            pair_reference=pair_reference.strip(),
            pair=pair,
            message=message.strip(),
        )
        AuditEntry.objects.create(
            actor=None,
            action=AuditAction.CONTACT,
            pair=pair,
            reason=str(ContactKind(kind).label),
            after={"contact_request": request.pk, "kind": kind},
        )
        transaction.on_commit(lambda: _acknowledge(request))
    return request


def handle_contact_request(*, moderator: User, request: ContactRequest, note: str) -> ContactRequest:
    """A moderator answered or acted on a message: it leaves the queue, and the log says what was done."""
    _require_moderator(moderator)
    note = note.strip()
    if not note:
        raise InvalidAction(_("Say what was done with this message."))
    with transaction.atomic():
        request = ContactRequest.objects.select_for_update().get(pk=request.pk)
        if request.handled_at is not None:
            raise InvalidAction(_("This message has already been handled."))
        request.handled_at = timezone.now()
        request.handled_by = moderator
        request.handling_note = note
        request.save(update_fields=["handled_at", "handled_by", "handling_note"])
        AuditEntry.objects.create(
            actor=moderator,
            action=AuditAction.CONTACT_HANDLED,
            pair=request.pair,
            reason=note,
            after={"contact_request": request.pk, "kind": request.kind},
        )
    return request


def _allow_contact_message(client_ip: str) -> bool:
    # A hash, so that the cache holds no address in clear.
    key = "contact-rate:" + hashlib.sha256(client_ip.encode()).hexdigest()[:32]
    return count_in_cache(key, timeout=3600) <= CONTACT_MESSAGES_PER_HOUR


def _acknowledge(request: ContactRequest) -> None:
    body = _(
        "Hello,\n\n"
        "We have received your message about: %(kind)s.\n"
        "A moderator will read it and answer you at this address. For a takedown request, the pair is "
        "removed from the site as soon as the request is confirmed, and the next release of the dataset "
        "no longer contains it.\n\n"
        "Your message:\n%(message)s\n\n"
        "The %(site)s team"
    ) % {"kind": ContactKind(request.kind).label, "message": request.message, "site": settings.SITE_NAME}
    subject = _("[%(site)s] We have received your message") % {"site": settings.SITE_NAME}
    mail.send(EmailMessage(subject=subject, body=body, to=[request.email]))
