"""Plain factory functions for test data, the one module of them: explicit, no magic.

People and pairs are written straight to the database (fast, any state); votes, review histories and
releases go through the real services, as the site makes them.
"""

import itertools
import uuid

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from accounts.services import moderators_group
from collect.models import Domain, Pair, Revision, Status, TaskType
from collect.services import submit_pair
from collect.similarity import content_hash, signature
from export.models import Release, ReleaseState
from export.services import build_release, start_release
from review import services as review_services
from review.models import Review, Verdict
from review.services import accept_suggestion, moderator_edit, record_review

_counter = itertools.count(1)

QUESTIONS = [
    "Pourquoi le ciel est-il bleu pendant la journée ?",
    "Comment calculer l'aire d'un triangle rectangle ?",
    "Quelle est la différence entre « a » et « à » en français ?",
    "Combien de temps faut-il pour cuire un œuf dur ?",
    "Qui a écrit « Les Misérables » et en quelle année le roman est-il paru ?",
]


def make_user(
    *, username: str | None = None, accepted: bool = True, email_verified: bool = False, **fields: object
) -> User:
    """A contributor who accepted the terms (unless `accepted=False`); with `email_verified=True`, the
    e-mail address is confirmed, so that the account can sign in with its password (django-allauth)."""
    n = next(_counter)
    username = username or f"personne{n}"
    user = User.objects.create_user(
        username=username,
        email=fields.pop("email", f"{username}@example.org"),
        password="demo-moisson",
        **fields,
    )
    if accepted:
        user.accept_terms()
    if email_verified:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def make_moderator(**fields: object) -> User:
    user = make_user(**fields)
    user.groups.add(moderators_group())
    return User.objects.get(pk=user.pk)


def pair_text(n: int | None = None) -> dict:
    n = n if n is not None else next(_counter)
    return {
        "question": f"{QUESTIONS[n % len(QUESTIONS)]} (question numéro {n})",
        "context": "",
        "answer": (
            f"Voici une réponse complète et rédigée en français correct, numéro {n}, "
            f"qui explique les choses simplement et avec des exemples {uuid.uuid4().hex[:8]}."
        ),
        "task_type": TaskType.OPEN_QA,
        "domain": Domain.SCIENCES,
        "level": "",
        "declaration": True,
    }


def make_pair(*, author: User | None = None, status: str = Status.PENDING, **fields: object) -> Pair:
    """A pair in any state, with its first revision when it was ever submitted."""
    author = author or make_user()
    data = pair_text()
    data.update(fields)
    text = {name: data.pop(name) for name in ("question", "context", "answer")}
    pair = Pair.objects.create(
        author=author,
        status=status,
        license="CC-BY-4.0",
        content_hash=content_hash(**text),
        minhash=signature("\n".join(v for v in text.values() if v)),
        submitted_at=None if status == Status.DRAFT else timezone.now(),
        validated_at=timezone.now() if status == Status.VALIDATED else None,
        **text,
        **data,
    )
    if status != Status.DRAFT:
        revision = Revision.objects.create(
            pair=pair,
            number=1,
            created_by=author,
            **text,
            task_type=pair.task_type,
            domain=pair.domain,
            level=pair.level,
            final_answer=pair.final_answer,
            final_answer_checked=pair.final_answer_checked,
        )
        pair.current_revision = revision
        pair.revision_number = 1
        if status == Status.VALIDATED:
            pair.published_revision = revision
            pair.published_at = pair.validated_at
        pair.save(update_fields=["current_revision", "revision_number", "published_revision", "published_at"])
    return pair


def make_validated_pairs(count: int, **fields: object) -> list[Pair]:
    """`count` validated pairs by one author (`author=` to choose it)."""
    author = fields.pop("author", None) or make_user()
    return [make_pair(author=author, status=Status.VALIDATED, **fields) for _ in range(count)]


# Votes, through the real services.


def hand_out(pair: Pair, reviewer: User) -> None:
    """Hand `pair` to `reviewer` as next_pair_for does once it chose it (a vote counts only for a pair
    handed out), for tests that need a given pair handed to given reviewers."""
    pair.refresh_from_db()
    review_services.hand_out(reviewer=reviewer, pair=pair)


def vote(
    pair: Pair,
    *,
    reviewer: User | None = None,
    verdict: str = Verdict.APPROVE,
    reasons: list[str] | None = None,
    **fields: object,
) -> Review:
    """A vote through the real service, on the pair's current revision, handed to the reviewer first."""
    if reasons is None:
        reasons = ["incomplete"] if verdict == Verdict.REJECT else []
    reviewer = reviewer or make_user()
    hand_out(pair, reviewer)
    pair.refresh_from_db()
    return record_review(
        reviewer=reviewer,
        pair=pair,
        revision_number=pair.revision_number,
        verdict=verdict,
        reasons=reasons,
        correctness=fields.pop("correctness", 4),
        fluency=fields.pop("fluency", 4),
        **fields,
    )


# Review histories, through the real services (the release's preference rows are made of them).

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


# Releases, through the real services.


def make_release(*, version: str | None = None) -> Release:
    """A release started and built at once, in the foreground, from the pairs there are (whatever state
    the build ends in; tests publish to no Hub unless they configure one)."""
    return build_release(start_release(by=None, version=version, enqueue=False).pk)


def make_building_release(*, version: str = "v1.0.0", **fields: object) -> Release:
    """A release row as a worker leaves it while it builds (its phase and counts in `fields`); nothing is
    built."""
    return Release.objects.create(
        version=version, state=ReleaseState.BUILDING, started_at=timezone.now(), **fields
    )


def make_published_release(count: int = 3) -> Release:
    """`count` validated pairs and a release of them."""
    make_validated_pairs(count)
    return make_release()
