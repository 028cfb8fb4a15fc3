"""Review histories built through the real services, for the release tests."""

from accounts.models import User
from collect.models import Pair, Status
from collect.services import submit_pair
from review.models import Verdict
from review.services import accept_suggestion, moderator_edit
from tests.factories import make_moderator, make_user, pair_text
from tests.review.factories import vote

NEW_ANSWER = (
    "Une réponse corrigée, plus précise et plus complète, qui cite ses sources et donne un exemple concret "
    "({n})."
)


def submitted_pair(*, author: User | None = None, **fields: object) -> Pair:
    return submit_pair(author=author or make_user(), data=pair_text() | fields)


def approve(pair: Pair, *, times: int = 2, **fields: object) -> Pair:
    for _ in range(times):
        vote(pair, verdict=Verdict.APPROVE, **fields)
    pair.refresh_from_db()
    return pair


def reject(pair: Pair, *, times: int = 2) -> Pair:
    for _ in range(times):
        vote(pair, verdict=Verdict.REJECT, correctness=2)
    pair.refresh_from_db()
    return pair


def validated_pair(**fields: object) -> Pair:
    pair = approve(submitted_pair(**fields))
    assert pair.status == Status.VALIDATED
    return pair


def send_back(pair: Pair, *, moderator: User | None = None, answer: str | None = None) -> Pair:
    """A moderator's "edit and send back to review": a new revision, pending."""
    pair = moderator_edit(
        moderator=moderator or make_moderator(),
        pair=pair,
        data={"answer": answer or NEW_ANSWER.format(n=pair.pk)},
        reason="Réponse à préciser",
    )
    assert pair.status == Status.PENDING
    return pair


def accepted_suggestion(pair: Pair, *, answer: str | None = None) -> Pair:
    """A reviewer suggests a better answer (with a rejection) and the author accepts it: a new revision."""
    review = vote(
        pair,
        verdict=Verdict.REJECT,
        reasons=["incomplete"],
        correctness=2,
        suggested_answer=answer or NEW_ANSWER.format(n=pair.pk),
    )
    pair.refresh_from_db()
    return accept_suggestion(author=pair.author, review=review)


def suggested_edit_history() -> Pair:
    """Submitted, a suggestion accepted by the author, then validated: a `suggested_edit` preference."""
    pair = approve(accepted_suggestion(submitted_pair()))
    assert (pair.status, pair.revision_number) == (Status.VALIDATED, 2)
    return pair


def correction_history() -> Pair:
    """Rejected by reviewers, corrected by a moderator, then validated: a `correction` preference."""
    pair = reject(submitted_pair())
    assert pair.status == Status.REJECTED
    pair = approve(send_back(pair))
    assert (pair.status, pair.revision_number) == (Status.VALIDATED, 2)
    return pair
