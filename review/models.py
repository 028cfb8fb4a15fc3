from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collect.models import Pair, Revision, Status


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


# A verdict as people read it once given: an outcome ("Approuvée"), not the button that cast it ("Approuver").
VERDICT_OUTCOMES = {
    "approve": pgettext_lazy("verdict of a review, about the pair", "Approved"),
    "reject": pgettext_lazy("verdict of a review, about the pair", "Rejected"),
}


class RejectionReason(models.TextChoices):
    FACTUALLY_WRONG = "factually_wrong", _("Factually wrong")
    INCOMPLETE = "incomplete", _("Incomplete")
    POOR_FRENCH = "poor_french", _("Poor French")
    OFF_QUESTION = "off_question", _("Does not answer the question")
    UNSAFE = "unsafe", _("Unsafe or offensive")
    PERSONAL_DATA = "personal_data", _("Personal data")
    COPIED_OR_GENERATED = "copied_or_generated", _("Copied or machine-generated")
    SPAM = "spam", _("Off-topic or spam")


class SuggestionState(models.TextChoices):
    NONE = "none", _("No suggestion")
    OPEN = "open", _("Waiting for the author")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class ReviewQuerySet(models.QuerySet):
    def counted(self) -> "ReviewQuerySet":
        """Reviews that count in a quorum: not those of a suspended reviewer."""
        return self.filter(counts=True)


# What a reviewer gives with a vote, in the order the review form and the API show it: the web form, the API
# and the moderators' view of a vote read this list, and `voting.record_review` takes these arguments.
VOTE_FIELDS = (
    "verdict",
    "reasons",
    "correctness",
    "fluency",
    "comment",
    "suggested_question",
    "suggested_answer",
    "suggested_final_answer",
)


class Review(models.Model):
    """One reviewer's judgement of one revision of a pair."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviews")
    # No index of its own: the (reviewer, revision) unique constraint starts with it.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
        db_index=False,
    )
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    correctness = models.PositiveSmallIntegerField(
        _("correctness"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    fluency = models.PositiveSmallIntegerField(
        _("quality of French"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    suggested_question = models.TextField(_("suggested question"), blank=True)
    suggested_answer = models.TextField(_("suggested answer"), blank=True)
    # A reviewer's correction of the short final answer (collect/final_answer.py), stored normalised.
    suggested_final_answer = models.CharField(_("suggested final answer"), max_length=100, blank=True)
    suggestion_state = models.CharField(
        max_length=10, choices=SuggestionState.choices, default=SuggestionState.NONE
    )
    # False once the reviewer is suspended: the review stays on record but leaves open quorums.
    counts = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            # One vote per reviewer per revision (SPEC §4), whatever the number of concurrent requests.
            # Its index also serves next_pair_for's "not already reviewed" subquery.
            models.UniqueConstraint(fields=["reviewer", "revision"], name="one_review_per_revision"),
            models.CheckConstraint(
                condition=Q(correctness__gte=1, correctness__lte=5), name="correctness_1_5"
            ),
            models.CheckConstraint(condition=Q(fluency__gte=1, fluency__lte=5), name="fluency_1_5"),
        ]
        indexes = [
            # Leaderboard: reviews per reviewer since a date.
            models.Index(fields=["created_at"], name="review_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} · {self.pair_id} r{self.revision.number}"

    @property
    def verdict_outcome(self) -> str:
        return str(VERDICT_OUTCOMES.get(self.verdict, self.verdict))

    def get_reasons_display(self) -> list[str]:
        labels = dict(RejectionReason.choices)
        return [str(labels.get(reason, reason)) for reason in self.reasons]

    @property
    def has_suggestion(self) -> bool:
        return bool(self.suggested_question or self.suggested_answer or self.suggested_final_answer)


class Skip(models.Model):
    """A reviewer passed on a pair: it is not handed to them again."""

    # Named: the review queue (Pair.objects.reviewable_by) reads skips through it, without importing review.
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="skips")
    # No index of its own: skip_recent and the (reviewer, pair) unique constraint start with it.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Its index serves next_pair_for's "not skipped" subquery.
            models.UniqueConstraint(fields=["reviewer", "pair"], name="one_skip_per_pair"),
        ]
        indexes = [
            # next_pair_for's cap on skips: one reviewer's skips of the last hour, a range of at most
            # MOISSON_REVIEW_SKIPS_PER_HOUR entries.
            models.Index(fields=["reviewer", "created_at"], name="skip_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} skipped {self.pair_id}"


class Handout(models.Model):
    """A pair handed to a reviewer by next_pair_for. A vote counts only for a pair its reviewer was handed:
    an account cannot pick the pairs it judges (see docs/RELIABILITY.md, "Threat model")."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The revision handed out: a new revision must be handed out again before it is judged.
    revision_number = models.PositiveIntegerField()
    handed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Its index serves record_review's lookup of (reviewer, pair).
            models.UniqueConstraint(fields=["reviewer", "pair"], name="one_handout_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} r{self.revision_number} handed to {self.reviewer_id}"


class AuditAction(models.TextChoices):
    VALIDATE = "validate", _("Validated")
    REJECT = "reject", _("Rejected")
    REMOVE = "remove", _("Removed")
    STOP_REVIEW = "stop_review", _("Stopped the review")
    EDIT = "edit", _("Edited")
    SUSPEND = "suspend", _("Suspended an account")
    TAKEDOWN = "takedown", _("Takedown")
    CONTACT = "contact", _("Message received")
    CONTACT_HANDLED = "contact_handled", _("Message handled")
    COVERAGE = "coverage", _("Changed coverage targets")


class ReportQuerySet(models.QuerySet):
    def open(self) -> "ReportQuerySet":
        return self.filter(resolved_at__isnull=True)


class Report(models.Model):
    """Someone signalled a problem with a pair: it goes to the moderators' queue. Its review goes on unless a
    moderator stops it or MOISSON_REPORTS_TO_SUSPEND_REVIEW people reported it."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The moderator's action that closed the report.
    resolution = models.CharField(max_length=20, choices=AuditAction.choices, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # One open report per person and pair: reporting twice adds nothing.
            models.UniqueConstraint(
                fields=["pair", "reporter"], condition=Q(resolved_at__isnull=True), name="one_open_report"
            ),
        ]
        indexes = [
            # Moderation queue and next_pair_for: pairs with an open report.
            models.Index(fields=["pair"], condition=Q(resolved_at__isnull=True), name="report_open"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.reason[:60]}"


class AuditEntry(models.Model):
    """One moderator action. Append-only: written by review.services, never changed nor deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    # PROTECT: a pair with a history of moderation cannot vanish from under its log.
    pair = models.ForeignKey(
        Pair, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        # Only "view" exists; the admin also refuses adding, changing and deleting, even to superusers.
        default_permissions = ("view",)
        indexes = [
            # The audit log page, newest first.
            models.Index(fields=["-created_at"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"

    @property
    def status_change(self) -> tuple[str, str] | None:
        """The pair's state before and after the action, as people read them; None when it did not apply."""
        before, after = self.before.get("status"), self.after.get("status")
        if not before and not after:
            return None
        labels = dict(Status.choices)
        return str(labels.get(before, before or "—")), str(labels.get(after, after or "—"))


class ContactKind(models.TextChoices):
    TAKEDOWN = "takedown", _("Ask for a published pair to be removed")
    PERSONAL_DATA = "personal_data", _("A question about my personal data")
    OTHER = "other", _("Another question or remark")


class ContactRequestQuerySet(models.QuerySet):
    def open(self) -> "ContactRequestQuerySet":
        return self.filter(handled_at__isnull=True)


class ContactRequest(models.Model):
    """A message from anyone, account or not, to the moderators: most often a takedown request (SPEC §5)."""

    kind = models.CharField(
        _("subject"), max_length=16, choices=ContactKind.choices, default=ContactKind.OTHER
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Only to answer: never shown outside the moderation pages, never exported.
    email = models.EmailField(_("e-mail address"))
    pair_reference = models.CharField(_("pair concerned"), max_length=500, blank=True)
    pair = models.ForeignKey(
        Pair, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_requests"
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handling_note = models.TextField(_("what was done"), blank=True)

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        indexes = [
            # The moderation queue: open requests, oldest first.
            models.Index(fields=["created_at"], condition=Q(handled_at__isnull=True), name="contact_open"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"
