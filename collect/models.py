import uuid
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, Expression, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User

# What an author writes and chooses for a pair, in the order forms, the API and the dataset show it. Every
# revision copies these fields, so forms, serializers, services, the demo seed and the export list them
# from here.
PAIR_FIELDS = ("question", "context", "answer", "task_type", "domain", "level", "final_answer")
# The free texts among them: normalised on the way in, and what a moderator may correct.
PAIR_TEXT_FIELDS = ("question", "context", "answer", "final_answer")


class TaskType(models.TextChoices):
    OPEN_QA = "open_qa", _("Open question")
    CLOSED_QA = "closed_qa", _("Closed question (answered from the context)")
    EXPLANATION = "explanation", _("Explanation")
    REASONING = "reasoning", _("Step-by-step reasoning / maths")
    BRAINSTORMING = "brainstorming", _("Brainstorming")
    CLASSIFICATION = "classification", _("Classification")
    EXTRACTION = "extraction", _("Extraction")
    SUMMARIZATION = "summarization", _("Summary")
    REWRITING = "rewriting", _("Rewriting / reformulation")
    TRANSLATION = "translation", _("Translation into French")
    CREATIVE_WRITING = "creative_writing", _("Creative writing")
    CODE = "code", _("Code")
    ADVICE = "advice", _("Advice / practical life")


class Domain(models.TextChoices):
    MATHS = "maths", _("Mathematics")
    SCIENCES = "sciences", _("Sciences")
    FRENCH = "french", _("French language")
    HISTORY_GEOGRAPHY = "history_geography", _("History and geography")
    PHILOSOPHY = "philosophy", _("Philosophy")
    LANGUAGES = "languages", _("Foreign languages")
    COMPUTING = "computing", _("Computing")
    LAW = "law", _("Law and administration")
    HEALTH = "health", _("Health")
    ECONOMY = "economy", _("Economy")
    ARTS = "arts", _("Arts and culture")
    PRACTICAL_LIFE = "practical_life", _("Practical life")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    # The stored values are the French words of the first release: they are in the database and the
    # published dataset, so only the Python names are English.
    PRIMARY = "primaire", _("Primary school")
    MIDDLE_SCHOOL = "college", _("Middle school (collège)")
    HIGH_SCHOOL = "lycee", _("High school (lycée)")
    HIGHER_EDUCATION = "superieur", _("Higher education")
    ADULT = "adulte", _("Adult / general")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting review")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    DISPUTED = "disputed", _("With the moderators")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed")


class RemovalReason(models.TextChoices):
    TAKEDOWN = "takedown", _("Takedown request")
    MODERATION = "moderation", _("Moderation decision")
    PERSONAL_DATA = "personal_data", _("Personal data")
    COPYRIGHT = "copyright", _("Copyright")


FINAL_ANSWER_MAX_LENGTH = 100

# Pairs whose text is "taken": a second pair with the same normalised text is an exact duplicate.
LIVE_STATUSES = [Status.PENDING, Status.VALIDATED, Status.DISPUTED]
EDITABLE_STATUSES = [Status.DRAFT, Status.PENDING]


class PairQuerySet(models.QuerySet):
    """The reads of pairs. The review queue and the moderation queue are here too: they read review's rows
    (reviews, skips, reports) through the names of their relations to Pair, so collect never imports review
    and dependencies stay one way (accounts <- collect <- review)."""

    def validated(self) -> "PairQuerySet":
        return self.filter(status=Status.VALIDATED)

    def live(self) -> "PairQuerySet":
        return self.filter(status__in=LIVE_STATUSES)

    def awaiting_review(self) -> "PairQuerySet":
        return self.filter(status=Status.PENDING)

    def of(self, user: "User") -> "PairQuerySet":
        return self.filter(author=user)

    def reviewable_by(
        self,
        reviewer: "User | Expression",
        *,
        domains: list[str] | list[Expression] | tuple = (),
        levels: list[str] | list[Expression] | tuple = (),
    ) -> "PairQuerySet":
        """Pending pairs this reviewer may judge: not theirs, not already judged (this revision) nor skipped,
        not reported by them, not by a suspended author; restricted to some domains and levels when given (a
        pair without a school level suits every level). The reviewer, domains, levels (and `now` below) may
        be placeholders of a compiled statement (moisson.compiled.Param, review.voting's hand-out)."""
        reviews, skips = self._pointing_here("reviews"), self._pointing_here("skips")
        pairs = (
            self.awaiting_review()
            .exclude(author=reviewer)
            .filter(
                ~Exists(reviews.filter(reviewer=reviewer, revision=OuterRef("current_revision"))),
                ~Exists(skips.filter(reviewer=reviewer, pair=OuterRef("pk"))),
                # Someone else's report does not stop the review (see review.reports); one's own is one's
                # judgement.
                ~Exists(self._open_reports().filter(pair=OuterRef("pk"), reporter=reviewer)),
                # A join, not a subquery: the planner then checks each candidate's author by primary key
                # instead of scanning every account for suspended ones.
                author__suspended_at__isnull=True,
            )
        )
        if domains:
            pairs = pairs.filter(domain__in=domains)
        if levels:
            pairs = pairs.filter(Q(level__in=levels) | Q(level=""))
        return pairs

    def review_queue(
        self,
        reviewer: "User | Expression",
        *,
        domains: list[str] | list[Expression] | tuple = (),
        levels: list[str] | list[Expression] | tuple = (),
        now: datetime | Expression,
    ) -> "PairQuerySet":
        """The pairs nobody holds, in the order they are handed out: fewest reviews, then oldest.

        This order is the one of the partial index "pair_review_queue", so that taking the first row reads a
        handful of index entries even with a million pending pairs.
        """
        return (
            self.reviewable_by(reviewer, domains=domains, levels=levels)
            .not_held(now)
            .order_by("review_count", "submitted_at")
        )

    def not_held(self, now: datetime | Expression) -> "PairQuerySet":
        """Pairs nobody holds for review at `now`: never handed out, let go, or their hold lapsed."""
        return self.filter(Q(held_until__isnull=True) | Q(held_until__lte=now))

    def in_moderation(self) -> "PairQuerySet":
        """Disputed pairs and pairs with an open report, oldest first (SPEC §5): the web page and the API."""
        # Few pairs have an open report: fetching their ids first lets both halves of the filter use an index.
        reported = list(self._open_reports().values_list("pair_id", flat=True).distinct())
        return self.filter(Q(status=Status.DISPUTED) | Q(pk__in=reported)).order_by("submitted_at", "pk")

    def with_open_report_count(self) -> "PairQuerySet":
        """Each pair with `open_reports`, the number of its reports no moderator has closed yet."""
        return self.annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))

    def _open_reports(self) -> models.QuerySet:
        """Reports no moderator has closed yet: review's own rule, `Report.objects.open()`."""
        return self._pointing_here("reports").open()

    def _pointing_here(self, related_name: str) -> models.QuerySet:
        """Every row of the model whose foreign key to Pair has this related name (review's `reviews`,
        `skips`, `reports`), read through the relation rather than an import of its app. As subqueries of
        their own they keep the SQL of a plain `Exists(Model.objects.filter(...))`, which the review queue's
        partial indexes are planned for."""
        return self.model._meta.get_field(related_name).related_model._default_manager.all()


class Pair(models.Model):
    """A question/answer pair. Holds its current text; every submitted version is also a Revision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    status = models.CharField(_("state"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    question = models.TextField(_("question"))
    context = models.TextField(_("context"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    task_type = models.CharField(_("task type"), max_length=32, choices=TaskType.choices)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    level = models.CharField(_("school level"), max_length=16, choices=Level.choices, blank=True)
    license = models.CharField(_("licence"), max_length=40, blank=True)
    declaration = models.BooleanField(_("own words, not machine-generated"), default=False)
    # A short answer that can be compared (a number, a word, a letter), stored normalised; see
    # collect/final_answer.py. "checked" means the site computed the expected value and it matched.
    final_answer = models.CharField(_("final answer"), max_length=FINAL_ANSWER_MAX_LENGTH, blank=True)
    final_answer_checked = models.BooleanField(default=False)
    # Pairs loaded by `manage.py import_pairs`: where they come from and their id there.
    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifier in the source"), max_length=200, blank=True)

    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision_number = models.PositiveIntegerField(default=0)
    # The last validated revision, which releases publish (SPEC §2): a correction of a validated pair is a
    # new current revision that goes back to review while this one stays in releases until it is
    # validated in turn. Set by the review app in the transaction that validates the pair.
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the published revision was validated: `validated_at` is cleared while a correction is in review.
    published_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    minhash = models.BinaryField(blank=True, default=b"")

    # Vote summary of the current revision, kept by the review app in the vote's transaction.
    review_count = models.PositiveIntegerField(default=0)
    approvals = models.PositiveIntegerField(default=0)
    rejections = models.PositiveIntegerField(default=0)
    correctness_mean = models.FloatField(null=True, blank=True)
    fluency_mean = models.FloatField(null=True, blank=True)
    # A pair handed to a reviewer is held for a few minutes so concurrent reviewers get other pairs.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_until = models.DateTimeField(null=True, blank=True)

    removal_reason = models.CharField(max_length=20, choices=RemovalReason.choices, blank=True)
    removal_note = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("pair")
        verbose_name_plural = _("pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=Q(status__in=LIVE_STATUSES),
                name="unique_live_content_hash",
            ),
            # Importing the same file twice loads each of its pairs once.
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source=""), name="unique_pair_source_id"
            ),
        ]
        indexes = [
            # "My pairs": Pair.objects.of(user).order_by("-updated_at")
            models.Index(fields=["author", "-updated_at"], name="pair_author_recent"),
            # next_pair_for(): pending pairs, fewest reviews first, then oldest.
            models.Index(
                fields=["review_count", "submitted_at"],
                condition=Q(status="pending"),
                name="pair_review_queue",
            ),
            # next_pair_for(by_need=True): the pending pairs of one coverage cell, in queue order.
            models.Index(
                fields=["domain", "task_type", "level", "review_count", "submitted_at"],
                condition=Q(status="pending"),
                name="pair_review_queue_by_cell",
            ),
            # Releases stream validated pairs in id order.
            models.Index(fields=["id"], condition=Q(status="validated"), name="pair_validated_by_id"),
            # Releases stream the pairs with a published revision in id order (export.rows).
            models.Index(
                fields=["id"], condition=Q(published_revision__isnull=False), name="pair_published_by_id"
            ),
            # Statistics and the moderation queue filter by state.
            models.Index(fields=["status", "submitted_at"], name="pair_status_submitted"),
        ]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_withdrawable(self) -> bool:
        return self.status in (Status.DRAFT, Status.PENDING)

    def withdraw(self) -> None:
        self.status = Status.WITHDRAWN
        self.held_by = None
        self.held_until = None
        self.save(update_fields=["status", "held_by", "held_until", "updated_at"])

    def reset_votes(self) -> None:
        """A new revision is judged afresh: reviews of the old one no longer count."""
        self.review_count = self.approvals = self.rejections = 0
        self.correctness_mean = self.fluency_mean = None


class Revision(models.Model):
    """An immutable snapshot of a pair as submitted; reviews judge one revision."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    question = models.TextField()
    context = models.TextField(blank=True)
    answer = models.TextField()
    task_type = models.CharField(max_length=32, choices=TaskType.choices)
    domain = models.CharField(max_length=32, choices=Domain.choices)
    level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    final_answer = models.CharField(max_length=FINAL_ANSWER_MAX_LENGTH, blank=True)
    final_answer_checked = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)
    # What the checks said when this revision was submitted, shown to reviewers and moderators.
    findings = models.JSONField(default=list, blank=True)
    near_duplicates = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["pair", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "number"], name="unique_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} r{self.number}"

    @cached_property
    def near_duplicate_pairs(self) -> list[dict]:
        """The near duplicates recorded on this revision, with their pair, in one query (shown to reviewers
        and moderators)."""
        if not self.near_duplicates:
            return []
        ids = [item["id"] for item in self.near_duplicates]
        found = {str(pair.pk): pair for pair in Pair.objects.filter(pk__in=ids)}
        return [
            {"pair": found[item["id"]], "percent": round(item["similarity"] * 100)}
            for item in self.near_duplicates
            if item["id"] in found
        ]


class PairBand(models.Model):
    """One MinHash LSH band of a submitted pair: pairs sharing a band key are near-duplicate candidates."""

    # No foreign-key constraint in the database: PostgreSQL would check it for each of the 32 bands of every
    # pair written, at the commit (0.8 s of the 8 s of an import of 10,000 pairs), when bands are only ever
    # written with their pair, in its transaction (collect.services). Deleting a pair still deletes its
    # bands (Django's CASCADE), and the lookup joins the pair: a band left by a pair deleted in raw SQL
    # would match nothing.
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="bands", db_constraint=False)
    key = models.BigIntegerField()

    class Meta:
        indexes = [
            # collect.services.DuplicateLookup: PairBand.objects.filter(key__in=keys)
            models.Index(fields=["key"], name="pairband_key"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id}:{self.key}"


class CoverageTarget(models.Model):
    """How many pairs Moisson wants in one cell of domain × school level × task type (SPEC issue 15).

    The need of a cell is its target minus the pairs counted in it (validated and pending); see
    collect/coverage.py. Pairs without a school level count in the "adult / general" column.
    """

    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    level = models.CharField(_("school level"), max_length=16, choices=Level.choices)
    task_type = models.CharField(_("task type"), max_length=32, choices=TaskType.choices)
    target = models.PositiveIntegerField(_("target"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        ordering = ["domain", "level", "task_type"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "level", "task_type"], name="unique_coverage_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.domain} · {self.level} · {self.task_type}: {self.target}"
