"""The workflows of peer review and moderation (SPEC §4–5), re-exported from the modules that hold them.

New code imports from those modules: `voting` (handing out pairs, votes, quorum), `suggestions` (suggested
edits), `reports`, `moderation` (decisions, edits, suspensions, takedowns, coverage targets),
`contact` (the public contact form), `standings` (dashboard and leaderboard) and `errors` (refusals, caps).
The queues are reads on collect's pairs: `Pair.objects.reviewable_by(reviewer)`, `.review_queue(...)` and
`.in_moderation()`.
"""

from .contact import CONTACT_MESSAGES_PER_HOUR, UUID_IN_TEXT, handle_contact_request, receive_contact_request
from .errors import (
    COMMENT_MAX_LENGTH,
    REASON_MAX_LENGTH,
    AlreadyReviewed,
    InvalidAction,
    InvalidReview,
    NotAllowed,
    NotHanded,
    OwnPair,
    ReviewRefused,
    StaleRevision,
    TooManyMessages,
    TooManySkips,
)
from .moderation import (
    DECIDED,
    DECISIONS,
    EDITABLE_BY_MODERATORS,
    decide_pair,
    moderator_edit,
    set_coverage_targets,
    suspend_user,
    take_down,
)
from .reports import REPORTABLE, report_pair
from .standings import contributor_summary, standings
from .suggestions import SUGGESTION_ACCEPTABLE, accept_suggestion, dismiss_suggestion
from .voting import (
    REVIEW_NEEDED_CELLS,
    hand_out,
    next_pair_for,
    record_review,
    skip_pair,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "CONTACT_MESSAGES_PER_HOUR",
    "DECIDED",
    "DECISIONS",
    "EDITABLE_BY_MODERATORS",
    "REASON_MAX_LENGTH",
    "REPORTABLE",
    "REVIEW_NEEDED_CELLS",
    "SUGGESTION_ACCEPTABLE",
    "UUID_IN_TEXT",
    "AlreadyReviewed",
    "InvalidAction",
    "InvalidReview",
    "NotAllowed",
    "NotHanded",
    "OwnPair",
    "ReviewRefused",
    "StaleRevision",
    "TooManyMessages",
    "TooManySkips",
    "accept_suggestion",
    "contributor_summary",
    "decide_pair",
    "dismiss_suggestion",
    "hand_out",
    "handle_contact_request",
    "moderator_edit",
    "next_pair_for",
    "receive_contact_request",
    "record_review",
    "report_pair",
    "set_coverage_targets",
    "skip_pair",
    "standings",
    "suspend_user",
    "take_down",
]
