"""Reports: anyone with an account signals a problem with a pair to the moderators (SPEC §5)."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from collect.models import Pair, Status
from moisson.text import normalize_text

from .errors import REASON_MAX_LENGTH, InvalidAction, InvalidReview, NotAllowed, OwnPair, _check_length
from .models import (
    Report,
)

REPORTABLE = [Status.PENDING, Status.VALIDATED, Status.DISPUTED]


def report_pair(*, reporter: User, pair: Pair, reason: str) -> Report:
    """Someone signals a problem: the pair appears in the moderators' queue. Its review goes on, so that one
    account cannot pull any pair out of review; it stops (the pair becomes disputed) when a moderator says so
    or when MOISSON_REPORTS_TO_SUSPEND_REVIEW people (not suspended) reported it. A validated pair stays
    published until a moderator decides.

    Raises NotAllowed (suspended, terms not accepted), OwnPair, InvalidReview (no reason, too long) or
    InvalidAction (the pair cannot be reported in its state).
    """
    reason = normalize_text(reason).strip()
    if not reason:
        raise InvalidReview(_("Say what is wrong with this pair."))
    _check_length(reason, REASON_MAX_LENGTH, _("The reason is too long: at most %(limit)d characters."))
    if reporter.is_suspended:
        raise NotAllowed(_("Your account is suspended."))
    if not reporter.has_accepted_terms:
        raise NotAllowed(_("Please read and accept the charter and the licence first."))
    with transaction.atomic():
        pair = Pair.objects.select_for_update().get(pk=pair.pk)
        if pair.author_id == reporter.pk:
            raise OwnPair(_("You cannot report your own pair; you can withdraw or edit it instead."))
        if pair.status not in REPORTABLE:
            raise InvalidAction(_("This pair can no longer be reported."))
        report = Report.objects.open().filter(pair=pair, reporter=reporter).first()
        if report is not None:
            return report
        report = Report.objects.create(pair=pair, reporter=reporter, reason=reason)
        reporters = Report.objects.open().filter(pair=pair, reporter__suspended_at__isnull=True).count()
        if pair.status == Status.PENDING and reporters >= settings.MOISSON_REPORTS_TO_SUSPEND_REVIEW:
            _stop_review(pair)
    return report


def _stop_review(pair: Pair) -> None:
    """The pair leaves review and waits in the moderators' queue (disputed). The caller holds its lock."""
    pair.status = Status.DISPUTED
    pair.held_by = None
    pair.held_until = None
    pair.save(update_fields=["status", "held_by", "held_until", "updated_at"])
