"""What every text check answers: a finding, its level and where it is (SPEC.md §3).

Shared by the checks of `collect` (lengths, language, final answer) and the personal-data detection of
`moisson.personal_data`, which `accounts` also runs on pseudonyms.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str  # "too_short", "too_long", "required", "not_french", "language_unsure", "email", "phone", ...
    field: str  # "question" | "context" | "answer"
    level: str  # ERROR blocks the submission, WARNING is only shown
    message: str
    start: int | None = None  # character span in that field's text, when relevant
    end: int | None = None


# Where a finding is, as messages say it (French needs the article: "dans la réponse", "dans le contexte").
PLACES: dict[str, Promise] = {
    "question": gettext_lazy("in the question"),
    "context": gettext_lazy("in the context"),
    "answer": gettext_lazy("in the answer"),
    "pseudonym": gettext_lazy("in the pseudonym"),
}
