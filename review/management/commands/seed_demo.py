"""Demo users, pairs and reviews for a first run. Idempotent: running it twice changes nothing."""

import json
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import moderators_group
from collect.models import Pair, Status
from collect.services import SubmissionRefused, save_draft, submit_pair
from review.models import RejectionReason, Verdict
from review.services import record_review, report_pair

DEMO_PASSWORD = "demo-moisson"
DEMO_PAIRS = Path(__file__).resolve().parents[3] / "collect" / "demo" / "pairs.json"
# username, pseudonym (credited when set), moderator
DEMO_PEOPLE = [
    ("modo", "Modération", True),
    ("alice", "Alice", False),
    ("bruno", "", False),
    ("chloe", "Chloé", False),
    ("david", "", False),
]


class Command(BaseCommand):
    help = "Create demo accounts (password demo-moisson) and French demo pairs in several states."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            people = [self.person(*spec) for spec in DEMO_PEOPLE]
        authors = people[1:]
        created = 0
        for n, item in enumerate(json.loads(DEMO_PAIRS.read_text(encoding="utf-8"))):
            author = authors[n % len(authors)]
            if Pair.objects.filter(author=author, question=item["question"]).exists():
                continue
            self.create_pair(author=author, item=item, reviewers=[p for p in people if p != author])
            created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new pairs)."))
        self.stdout.write(
            f"Demo accounts (password {DEMO_PASSWORD}): " + ", ".join(p[0] for p in DEMO_PEOPLE)
        )
        self.stdout.write("  modo is a moderator; alice, bruno, chloe and david are contributors.")

    def person(self, username: str, pseudonym: str, moderator: bool) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.moisson.local",
                "pseudonym": pseudonym,
                "attribution_opt_in": bool(pseudonym),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.accept_terms()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if moderator:
            user.groups.add(moderators_group())
        return user

    def create_pair(self, *, author: User, item: dict, reviewers: list[User]) -> None:
        data = {
            name: item.get(name, "")
            for name in ("question", "context", "answer", "task_type", "domain", "level", "final_answer")
        }
        data["declaration"] = True
        if item["state"] == Status.DRAFT:
            save_draft(author=author, data=data)
            return
        try:
            pair = submit_pair(author=author, data=data)
        except SubmissionRefused as refused:
            codes = ", ".join(f.code for f in refused.evaluation.errors)
            self.stderr.write(f"Demo pair kept as draft ({codes}): {item['question'][:60]}")
            return
        self.settle(pair=pair, state=item["state"], reviewers=reviewers)

    def settle(self, *, pair: Pair, state: str, reviewers: list[User]) -> None:
        """Bring a pending pair to its demo state the way the site would: real reviews and reports."""
        # Each pair gets its reviewers in its own order, so that every demo account has work to show.
        turn = pair.pk.int % len(reviewers)
        others = reviewers[turn:] + reviewers[:turn]
        if state == Status.PENDING:
            # Half of the pending pairs already have one review: the queue puts the others first.
            if pair.pk.int % 2:
                self.vote(
                    pair,
                    others[0],
                    Verdict.APPROVE,
                    comment="Clair et juste ; à confirmer par un second avis.",
                )
        elif state == Status.VALIDATED:
            self.vote(pair, others[0], Verdict.APPROVE, correctness=5, fluency=5)
            self.vote(
                pair, others[1], Verdict.APPROVE, correctness=4, fluency=5, comment="Très bonne réponse."
            )
        elif state == Status.REJECTED:
            self.vote(
                pair,
                others[0],
                Verdict.REJECT,
                reasons=[RejectionReason.INCOMPLETE, RejectionReason.FACTUALLY_WRONG],
                correctness=2,
                comment="La réponse est trop courte et contient une inexactitude : vérifiez les chiffres.",
            )
            self.vote(
                pair,
                others[1],
                Verdict.REJECT,
                reasons=[RejectionReason.OFF_QUESTION],
                correctness=2,
                fluency=3,
                comment="Elle ne répond pas vraiment à la question posée.",
            )
        elif state == Status.DISPUTED:
            self.vote(pair, others[0], Verdict.APPROVE)
            report_pair(
                reporter=others[1],
                pair=pair,
                reason="Je doute de l'exactitude de cette réponse ; un modérateur peut-il vérifier ?",
            )
        else:
            self.stderr.write(f"Unknown demo state {state!r}; the pair stays pending.")
        pair.refresh_from_db()
        if pair.status != state:
            self.stderr.write(f"Demo pair ended {pair.status} instead of {state}: {pair.question[:60]}")

    def vote(
        self,
        pair: Pair,
        reviewer: User,
        verdict: str,
        *,
        reasons: list[str] | None = None,
        correctness: int = 4,
        fluency: int = 4,
        comment: str = "",
    ) -> None:
        pair.refresh_from_db()
        record_review(
            reviewer=reviewer,
            pair=pair,
            revision_number=pair.revision_number,
            verdict=verdict,
            reasons=reasons or [],
            correctness=correctness,
            fluency=fluency,
            comment=comment,
        )
