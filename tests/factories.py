"""Plain factory functions for test data: explicit, no magic."""

import itertools
import uuid

from django.utils import timezone

from accounts.models import User
from accounts.services import moderators_group
from collect.models import Domain, Pair, Revision, Status, TaskType
from collect.similarity import content_hash, signature

_counter = itertools.count(1)

QUESTIONS = [
    "Pourquoi le ciel est-il bleu pendant la journée ?",
    "Comment calculer l'aire d'un triangle rectangle ?",
    "Quelle est la différence entre « a » et « à » en français ?",
    "Combien de temps faut-il pour cuire un œuf dur ?",
    "Qui a écrit « Les Misérables » et en quelle année le roman est-il paru ?",
]


def make_user(*, username: str | None = None, accepted: bool = True, **fields: object) -> User:
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
