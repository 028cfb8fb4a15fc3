"""Why a review or moderation action is refused, and the caps every door applies (SPEC §4–5).

Each exception's message is for the person who tried; the web pages, the API and the commands show it as is.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User

# The same caps as the web forms, here so that every door (API, commands) gets them.
COMMENT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000


class ReviewRefused(Exception):
    """The action is not possible; str(exc) is a message for the person who tried."""


class OwnPair(ReviewRefused, PermissionDenied):
    """Nobody reviews their own pair."""


class NotAllowed(ReviewRefused, PermissionDenied):
    """The person may not do this: suspended, not the author, not a moderator."""


class StaleRevision(ReviewRefused):
    """The pair changed (new revision) or left review since the page was shown."""


class AlreadyReviewed(ReviewRefused):
    """This reviewer already judged this revision."""


class NotHanded(ReviewRefused):
    """A vote on a pair not handed to this reviewer (or whose hold lapsed and went to someone else)."""


class InvalidReview(ReviewRefused, ValueError):
    """What was sent is incomplete or malformed (a rejection without a reason, a text over its cap...)."""


class InvalidAction(ReviewRefused, ValueError):
    """A moderator or author action that the pair's state or the input does not allow."""


class TooManyMessages(ReviewRefused):
    """The contact form was used too often from one address: a flood, or a robot."""


class TooManySkips(ReviewRefused):
    """The reviewer passed on MOISSON_REVIEW_SKIPS_PER_HOUR pairs within the last hour: no new pair is handed
    to them for `retry_after` seconds (docs/RELIABILITY.md, "Threat model", step 4)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _check_length(text: str, limit: int, message: str) -> None:
    if len(text) > limit:
        raise InvalidReview(message % {"limit": limit})


def _require_moderator(user: User) -> None:
    if not user.is_moderator:
        raise NotAllowed(_("This action is reserved for moderators."))
