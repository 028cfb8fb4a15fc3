"""Demo users, pairs and reviews for a first run. Idempotent: running it twice changes nothing."""

import json
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import moderators_group
from collect.models import PAIR_FIELDS, Pair, Status
from collect.services import SubmissionRefused, save_draft, submit_pair
from review.models import AuditAction, RejectionReason, Review, Verdict
from review.moderation import decide_pair, moderator_edit
from review.reports import report_pair
from review.suggestions import accept_suggestion
from review.voting import hand_out, record_review

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


# Pairs with a review history, for the `preferences` configuration of releases and for a correction in
# review: "suggestion" (a reviewer suggests a better answer, the author accepts it, then it is validated),
# "rejected" (rejected, corrected by a moderator, then validated), "sent_back" (validated, corrected by a
# moderator and sent back to review, then validated again) and "in_review" (the same, still in review:
# releases keep its validated revision meanwhile).
DEMO_HISTORIES = [
    {
        "history": "suggestion",
        "question": "Pourquoi les feuilles des arbres changent-elles de couleur en automne ?",
        "answer": "Parce qu'il fait plus froid et que les feuilles meurent.",
        "better": "Quand les jours raccourcissent, l'arbre cesse de fabriquer la chlorophylle, le pigment "
        "vert des feuilles. Les pigments jaunes et orangés, présents toute l'année mais masqués, deviennent "
        "visibles ; les rouges sont fabriqués à l'automne à partir des sucres restés dans la feuille.",
        "task_type": "explanation",
        "domain": "sciences",
        "level": "college",
    },
    {
        "history": "suggestion",
        "question": "Quelle est la différence entre « quand », « quant » et « qu'en » ?",
        "answer": "« Quand » indique le temps, les deux autres s'emploient dans les autres cas.",
        "better": "« Quand » indique le temps ou la condition (« Quand il pleut, je reste chez moi »). "
        "« Quant » s'emploie toujours avec « à » et signifie « en ce qui concerne » (« Quant à moi, je "
        "reste »). « Qu'en » est l'élision de « que » suivie de « en » (« Qu'en penses-tu ? »).",
        "task_type": "explanation",
        "domain": "french",
        "level": "college",
    },
    {
        "history": "rejected",
        "question": "En quelle année la Déclaration des droits de l'homme et du citoyen a-t-elle été "
        "adoptée ?",
        "answer": "Elle a été adoptée en 1792, au moment de la proclamation de la République.",
        "better": "Elle a été adoptée par l'Assemblée nationale constituante le 26 août 1789, quelques "
        "semaines après la prise de la Bastille. Elle sert de préambule à la Constitution de 1791.",
        "task_type": "closed_qa",
        "domain": "history_geography",
        "level": "college",
    },
    {
        "history": "sent_back",
        "question": "Comment calcule-t-on le périmètre d'un cercle ?",
        "answer": "On multiplie le rayon par pi : le périmètre vaut pi fois le rayon.",
        "better": "On multiplie le diamètre par pi : le périmètre vaut 2 × π × r, soit environ 6,28 fois le "
        "rayon. Pour un cercle de 5 cm de rayon, on trouve environ 31,4 cm.",
        "task_type": "reasoning",
        "domain": "maths",
        "level": "college",
    },
    {
        "history": "in_review",
        "question": "Combien de temps faut-il laisser reposer une pâte à crêpes ?",
        "answer": "Une heure au réfrigérateur suffit : la farine absorbe le lait et la pâte devient plus "
        "homogène, ce qui donne des crêpes plus souples.",
        "better": "Une heure à température ambiante, ou une nuit au réfrigérateur : la farine absorbe le "
        "lait, le gluten se détend et les crêpes sont plus souples. Sans repos, elles restent bonnes mais "
        "un peu plus élastiques.",
        "task_type": "advice",
        "domain": "practical_life",
        "level": "adulte",
    },
]


class Command(BaseCommand):
    help = "Create demo accounts (password demo-moisson) and French demo pairs in several states."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            people = [self.person(*spec) for spec in DEMO_PEOPLE]
        self.moderator = people[0]
        authors = people[1:]
        created = 0
        for n, item in enumerate(json.loads(DEMO_PAIRS.read_text(encoding="utf-8"))):
            author = authors[n % len(authors)]
            if Pair.objects.filter(author=author, question=item["question"]).exists():
                continue
            self.create_pair(author=author, item=item, reviewers=[p for p in people if p != author])
            created += 1
        for n, item in enumerate(DEMO_HISTORIES):
            author = authors[n % len(authors)]
            if Pair.objects.filter(author=author, question=item["question"]).exists():
                continue
            self.create_history(
                author=author, item=item, moderator=people[0], reviewers=[p for p in people if p != author]
            )
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
        data = {name: item.get(name, "") for name in PAIR_FIELDS}
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

    def create_history(self, *, author: User, item: dict, moderator: User, reviewers: list[User]) -> None:
        """A pair whose text changed during review, through the same services as on the site."""
        data = {name: item.get(name, "") for name in PAIR_FIELDS}
        try:
            pair = submit_pair(author=author, data=data | {"declaration": True})
        except SubmissionRefused as refused:
            codes = ", ".join(f.code for f in refused.evaluation.errors)
            self.stderr.write(f"Demo history not created ({codes}): {item['question'][:60]}")
            return
        turn = pair.pk.int % len(reviewers)
        others = reviewers[turn:] + reviewers[:turn]
        history = item["history"]
        if history == "suggestion":
            review = self.vote(
                pair,
                others[0],
                Verdict.REJECT,
                reasons=[RejectionReason.INCOMPLETE],
                correctness=2,
                comment="La réponse est juste mais trop courte : je propose une version plus complète.",
                suggested_answer=item["better"],
            )
            pair = accept_suggestion(author=author, review=review)
        elif history == "rejected":
            self.settle(pair=pair, state=Status.REJECTED, reviewers=reviewers)
            pair = self.moderator_correction(pair=pair, moderator=moderator, answer=item["better"])
        else:  # "sent_back", "in_review": validated first
            self.settle(pair=pair, state=Status.VALIDATED, reviewers=reviewers)
            pair = self.moderator_correction(pair=pair, moderator=moderator, answer=item["better"])
        if history != "in_review":
            self.settle(pair=pair, state=Status.VALIDATED, reviewers=reviewers)

    def moderator_correction(self, *, pair: Pair, moderator: User, answer: str) -> Pair:
        return moderator_edit(
            moderator=moderator,
            pair=pair,
            data={"answer": answer},
            reason="Réponse inexacte ou incomplète : correction renvoyée en relecture.",
        )

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
            # One report leaves a pair in review: the moderator stops it, as on the moderation page.
            decide_pair(
                moderator=self.moderator,
                pair=pair,
                action=AuditAction.STOP_REVIEW,
                reason="Signalement à examiner avant de poursuivre la relecture.",
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
        suggested_answer: str = "",
    ) -> Review:
        pair.refresh_from_db()
        # The demo chooses which pair each account judges; on the site, next_pair_for does.
        hand_out(reviewer=reviewer, pair=pair)
        return record_review(
            reviewer=reviewer,
            pair=pair,
            revision_number=pair.revision_number,
            verdict=verdict,
            reasons=reasons or [],
            correctness=correctness,
            fluency=fluency,
            comment=comment,
            suggested_answer=suggested_answer,
        )
