"""Opening in waves (issue 14, item 3): sign-ups admitted a wave at a time, off by default.

With MOISSON_SIGNUP_WAVE_SIZE = N > 0, the current wave admits N new accounts; the next ones wait in
line, in the order they signed up, and are told their place. A moderator opens the next wave from the
moderation area: the first N waiting accounts are admitted and receive an e-mail, and whatever seats
are left go to the next sign-ups. An invitation code (created by a moderator, good for a number of
uses) lets a class or a group join together, without waiting. A waiting account may sign in, but may
not write nor review (User.can_contribute). Wave and invitation rows record who opened or created them.

A seat goes only to an account whose e-mail address is confirmed. Until then an account keeps its place
in line but takes no seat: addresses that never confirm (mistyped, made up by the hundred) would
otherwise fill the waves while the people behind them wait. It takes a seat as it confirms
(`address_confirmed`, on allauth's `email_confirmed` signal) if the current wave has one left, and is
among those a new wave admits once confirmed. The place in line and the number of people waiting count
confirmed accounts only. An invitation is spent the same way: one use when the address is confirmed, so that
a pupil who mistyped theirs and signs up again holds one use of the class's code, not two.
"""

import logging
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation, SignupWave, User

logger = logging.getLogger(__name__)

# The e-mails of an opened wave are sent by the worker, this many to a task: a wave of a thousand seats sent
# from the moderator's request held it for as long as the mail server took (past a proxy's timeout, inviting
# a second click, hence a second wave); a task that meets a failing mail server is tried again, and resends
# at most this many.
WAVE_EMAILS_PER_TASK = 100

# No 0/O, 1/I/L: codes are read aloud in a classroom and copied from a board.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class InvitationRefused(Exception):
    """The code does not exist or has no use left; the message says so to the person."""


class WaveAlreadyOpened(Exception):
    """The wave after the one a moderator saw was opened meanwhile (a second click, another moderator)."""


def waves_enabled() -> bool:
    return settings.MOISSON_SIGNUP_WAVE_SIZE > 0


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def place_new_account(*, user: User, invitation_code: str = "") -> None:
    """Admit a new account (with its invitation, or into the current wave) or put it in line.

    An account whose address is not confirmed yet (every account made by the sign-up form: allauth records
    the address after this) only joins the line, with the invitation it brought: both are settled when
    the address is confirmed (`address_confirmed`)."""
    if not _confirmed(User.objects.filter(pk=user.pk)).exists():
        invitation = (
            Invitation.objects.filter(code=normalize_code(invitation_code)).first()
            if invitation_code
            else None
        )
        if invitation is None and not waves_enabled():
            return
        user.invitation = invitation
        user.waiting_since = timezone.now()
        user.save(update_fields=["invitation", "waiting_since"])
        return
    if invitation_code:
        try:
            use_invitation(user=user, code=invitation_code)
            return
        except InvitationRefused:
            pass  # the form checked the code a moment ago: it was used up meanwhile; take the common road
    if not waves_enabled():
        return
    with transaction.atomic():
        wave = _current_wave(for_update=True)
        if _seat_left(wave):
            user.wave = wave
        else:
            user.waiting_since = timezone.now()
        user.save(update_fields=["wave", "waiting_since"])


def address_confirmed(*, user: User) -> None:
    """`user` has just confirmed an e-mail address. If they are in line: one use of the invitation they
    signed up with if it has one left, else a seat in the current wave if one is left, else they keep their
    place. Someone admitted already (a seat, an invitation, a wave opened meanwhile) is left as they are."""
    with transaction.atomic():
        wave = _current_wave(for_update=True) if waves_enabled() else None
        # Read under the wave's lock: a wave opened, or a code used, since the caller read the account.
        user.refresh_from_db(fields=["waiting_since", "wave", "invitation"])
        if user.waiting_since is None:
            return
        if user.invitation_id is not None and _spend(Invitation.objects.filter(pk=user.invitation_id)):
            user.waiting_since = None
        else:
            user.invitation = None
            if wave is None:
                user.waiting_since = None  # waves are off (switched off since this account signed up)
            elif _seat_left(wave):
                user.wave = wave
                user.waiting_since = None
        user.save(update_fields=["invitation", "wave", "waiting_since"])


def _seat_left(wave: SignupWave) -> bool:
    return User.objects.filter(wave=wave).count() < wave.size


def _spend(invitations: QuerySet[Invitation]) -> bool:
    """Whether one use of the invitation was taken. A conditional update: two pupils on the last use at the
    same moment cannot both get it, and none gets a closed code's."""
    return bool(_usable(invitations).update(uses=F("uses") + 1))


def _usable(invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    return invitations.filter(uses__lt=F("max_uses"), closed_at__isnull=True)


def use_invitation(*, user: User, code: str) -> Invitation:
    """Spend one use of `code` on `user` (whose address is confirmed), who stops waiting. Raises
    InvitationRefused."""
    code = normalize_code(code)
    with transaction.atomic():
        if not _spend(Invitation.objects.filter(code=code)):
            raise InvitationRefused(_("This invitation code is not valid, or all its places are taken."))
        invitation = Invitation.objects.get(code=code)
        user.invitation = invitation
        user.waiting_since = None
        user.save(update_fields=["invitation", "waiting_since"])
    return invitation


def check_invitation(code: str) -> None:
    """Raise InvitationRefused now if `code` could not be used (for forms; the use itself re-checks)."""
    if not _usable(Invitation.objects.filter(code=normalize_code(code))).exists():
        raise InvitationRefused(_("This invitation code is not valid, or all its places are taken."))


def place_in_line(user: User) -> int | None:
    """1 for the first waiting account; None when `user` is not waiting."""
    if user.waiting_since is None:
        return None
    ahead = _confirmed(
        User.objects.filter(
            Q(waiting_since__lt=user.waiting_since) | Q(waiting_since=user.waiting_since, pk__lt=user.pk)
        )
    ).count()
    return ahead + 1


def waiting_count() -> int:
    """The people in line: accounts waiting with a confirmed address."""
    return _confirmed(_waiting()).count()


def unconfirmed_count() -> int:
    """Accounts in line whose address is not confirmed yet: they take no seat until it is."""
    return _waiting().count() - waiting_count()


def _waiting() -> QuerySet[User]:
    return User.objects.filter(waiting_since__isnull=False)


def _confirmed(users: QuerySet[User]) -> QuerySet[User]:
    """Those of `users` who confirmed an e-mail address (the only ones who can sign in, and take a seat)."""
    return users.filter(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)))


def current_wave() -> SignupWave | None:
    return SignupWave.objects.order_by("-number").first()


def seats_taken(wave: SignupWave) -> int:
    return User.objects.filter(wave=wave).count()


def open_next_wave(*, by: User, size: int | None = None, after: int | None = None) -> SignupWave:
    """Open the next wave (moderators): admit the first `size` people in line and e-mail them. Accounts
    whose address is not confirmed keep their place and take a seat as they confirm, if one is left.

    `after` is the number of the newest wave the moderator saw (0 for none): if another one was opened
    since (a double click, two moderators at once), nothing is opened and WaveAlreadyOpened is raised."""
    if not by.is_moderator:
        raise PermissionDenied(_("This page is reserved for moderators."))
    size = size or settings.MOISSON_SIGNUP_WAVE_SIZE
    if size <= 0:
        raise ValueError("a wave needs at least one seat")
    with transaction.atomic():
        previous = _current_wave(for_update=True, create=False)
        newest = previous.number if previous else 0
        if after is not None and after != newest:
            raise WaveAlreadyOpened(
                _("Wave %(number)d was opened a moment ago: no other wave was opened.") % {"number": newest}
            )
        wave = SignupWave.objects.create(
            number=(previous.number + 1) if previous else 1, size=size, opened_by=by
        )
        admitted = list(
            _confirmed(_waiting().select_for_update())
            .order_by("waiting_since", "pk")
            .values_list("pk", flat=True)[:size]
        )
        User.objects.filter(pk__in=admitted).update(waiting_since=None, wave=wave)
        wave.admitted_from_line = len(admitted)
        wave.save(update_fields=["admitted_from_line"])
        transaction.on_commit(lambda: _queue_wave_opened_emails(admitted))
    return wave


def create_invitation(*, by: User, label: str, max_uses: int) -> Invitation:
    """A new invitation code for a class or a group (moderators)."""
    if not by.is_moderator:
        raise PermissionDenied(_("This page is reserved for moderators."))
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return Invitation.objects.create(code=code, label=label, max_uses=max_uses, created_by=by)
        except IntegrityError:
            continue  # one chance in a trillion: draw again
    raise RuntimeError("could not draw a free invitation code")


def close_invitation(*, by: User, invitation: Invitation) -> Invitation:
    """Close a code (moderators): no use of it is spent from now on; the accounts it let in stay."""
    if not by.is_moderator:
        raise PermissionDenied(_("This page is reserved for moderators."))
    Invitation.objects.filter(pk=invitation.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=by
    )
    invitation.refresh_from_db()
    return invitation


def _queue_wave_opened_emails(user_ids: list[int]) -> None:
    # The tasks module imports this one.
    from .tasks import send_wave_opened_emails as task

    for start in range(0, len(user_ids), WAVE_EMAILS_PER_TASK):
        batch = user_ids[start : start + WAVE_EMAILS_PER_TASK]
        try:
            task.delay(batch)
        except Exception:
            # The wave is open: a broker that is down must not leave its people without their e-mail.
            logger.warning("Could not queue the e-mails of an opened wave: sending them now", exc_info=True)
            try:
                send_wave_opened_emails(user_ids=batch)
            except OSError:
                logger.exception("The e-mails of an opened wave could neither be queued nor sent")


def send_wave_opened_emails(*, user_ids: list[int]) -> int:
    """Tell each admitted person, in French, that they can start; one SMTP connection for all."""
    users = User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Moisson] Your turn has come: welcome!")
        body = _(
            "Hello %(name)s,\n\n"
            "Thank you for your patience: your wave has just opened. You can now sign in, write "
            "question and answer pairs in French and review those of other volunteers:\n\n"
            "%(url)s\n\n"
            "The Moisson team"
        )
        messages = [
            (subject, body % {"name": user.username, "url": settings.SITE_URL}, None, [user.email])
            for user in users
        ]
    if not messages:
        return 0
    return send_mass_mail(messages, connection=get_connection())


def display_code(code: str) -> str:
    """ABCD-EFGH: easier to read aloud and to copy."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _current_wave(*, for_update: bool, create: bool = True) -> SignupWave | None:
    waves = SignupWave.objects.order_by("-number")
    if for_update:
        waves = waves.select_for_update()
    wave = waves.first()
    if for_update:
        # A wave opened while this waited for the lock is not among the rows that statement read: read
        # again until the newest wave is the one locked (a newer one needs this one's lock to be opened).
        while wave is not None and (newest := waves.first()).pk != wave.pk:
            wave = newest
    if wave is None and create:
        # The first sign-up after waves were switched on opens wave 1, by nobody in particular.
        try:
            with transaction.atomic():
                SignupWave.objects.create(number=1, size=settings.MOISSON_SIGNUP_WAVE_SIZE)
        except IntegrityError:
            pass  # another sign-up created it at the same moment
        wave = (
            SignupWave.objects.select_for_update().order_by("-number").first()
            if for_update
            else waves.first()
        )
    return wave
