"""Shapes of review and moderation in the API. The rules of SPEC §4–5 live in review.services."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collect.models import PAIR_FIELDS, Domain, Level, Pair, RemovalReason, TaskType
from collect.serializers import category_field
from moisson.api import FindingSerializer, WrittenOut

from .errors import COMMENT_MAX_LENGTH, REASON_MAX_LENGTH
from .models import VOTE_FIELDS, AuditAction, RejectionReason, Report, Review, Verdict


def _warnings(pair: Pair) -> list[dict]:
    return list(pair.current_revision.findings) if pair.current_revision is not None else []


class ReviewItemSerializer(WrittenOut, serializers.ModelSerializer):
    """The pair handed to a reviewer. Blind review: nothing about its author nor the other votes."""

    revision = serializers.IntegerField(source="revision_number", read_only=True)
    task_type = category_field(TaskType.choices)
    domain = category_field(Domain.choices)
    level = category_field(Level.choices)
    warnings = serializers.SerializerMethodField(
        help_text="What the checks noted when this revision was submitted (near duplicates, language...)."
    )

    class Meta:
        model = Pair
        fields = [
            "id",
            "revision",
            *PAIR_FIELDS,
            "final_answer_checked",
            "held_until",
            "warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(FindingSerializer(many=True))
    def get_warnings(self, pair: Pair) -> list[dict]:
        return _warnings(pair)


class NextPairFilterSerializer(serializers.Serializer):
    """Query parameters of the next pair; without them, the reviewer's profile preferences apply."""

    domain = serializers.ListField(
        child=serializers.ChoiceField(choices=Domain.choices), required=False, help_text="Only these domains."
    )
    level = serializers.ListField(
        child=serializers.ChoiceField(choices=Level.choices),
        required=False,
        help_text="Only these levels (pairs without a level suit every level).",
    )
    by_need = serializers.BooleanField(
        default=False,
        help_text="Pairs of the most needed coverage cells first (see /api/v1/stats/coverage/).",
    )


class SkipSerializer(serializers.Serializer):
    pair = serializers.UUIDField(
        required=False, help_text="The pair to skip; by default the one held for you."
    )


class ReviewRequestSerializer(serializers.Serializer):
    """A vote on the revision the reviewer saw."""

    pair = serializers.UUIDField()
    revision = serializers.IntegerField(min_value=1, help_text="The revision number the reviewer judged.")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=RejectionReason.choices),
        default=list,
        help_text="Required when rejecting.",
    )
    correctness = serializers.IntegerField(min_value=1, max_value=5)
    fluency = serializers.IntegerField(min_value=1, max_value=5, help_text="Quality of the French, 1 to 5.")
    # The caps are review.services' (told here for the schema; the service enforces them for every door).
    comment = serializers.CharField(allow_blank=True, default="", max_length=COMMENT_MAX_LENGTH)
    suggested_question = serializers.CharField(
        allow_blank=True, default="", max_length=settings.MOISSON_QUESTION_MAX_LENGTH
    )
    suggested_answer = serializers.CharField(
        allow_blank=True, default="", max_length=settings.MOISSON_ANSWER_MAX_LENGTH
    )
    suggested_final_answer = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=100,
        help_text="A correction of the pair's final answer; leave it empty or equal to confirm it.",
    )


class ReviewResultSerializer(WrittenOut, serializers.ModelSerializer):
    """The recorded vote and where it left the pair."""

    revision = serializers.IntegerField(source="revision.number", read_only=True)
    status = serializers.CharField(source="pair.status", read_only=True, help_text="The pair's state now.")

    class Meta:
        model = Review
        fields = ["id", "pair", "revision", "verdict", "status", "created_at"]
        read_only_fields = fields


class ReportRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="What is wrong with this pair.", max_length=REASON_MAX_LENGTH)


class ReportResultSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="pair.status", read_only=True, help_text="The pair's state now.")

    class Meta:
        model = Report
        fields = ["id", "pair", "status", "created_at"]
        read_only_fields = fields


# Takedowns have their own workflow (review.services.take_down), with who asked.
REMOVAL_KINDS = [(value, label) for value, label in RemovalReason.choices if value != RemovalReason.TAKEDOWN]


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[AuditAction.VALIDATE, AuditAction.REJECT, AuditAction.REMOVE, AuditAction.STOP_REVIEW],
        help_text="`stop_review` takes a pending pair out of review until a moderator decides.",
    )
    reason = serializers.CharField(
        allow_blank=True, default="", max_length=REASON_MAX_LENGTH, help_text="Required to remove a pair."
    )
    removal_reason = serializers.ChoiceField(
        choices=REMOVAL_KINDS,
        allow_blank=True,
        default="",
        help_text="Required to remove a pair: what kind of removal it is (shown in the changelog).",
    )

    def validate(self, attrs: dict) -> dict:
        # Said here too so the client learns which field is missing; review.services refuses it as well.
        if attrs["action"] == AuditAction.REMOVE:
            errors = {}
            if not attrs["reason"].strip():
                errors["reason"] = [_("Give a reason to remove a pair.")]
            if not attrs["removal_reason"]:
                errors["removal_reason"] = [_("Choose the kind of removal.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class ModerationReviewSerializer(serializers.ModelSerializer):
    """A vote as moderators see it: its content, not who cast it."""

    class Meta:
        model = Review
        fields = [*VOTE_FIELDS, "created_at"]
        read_only_fields = fields


class ModerationReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "reason", "created_at"]
        read_only_fields = fields


class NearDuplicateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    similarity = serializers.FloatField()


class ModerationItemSerializer(serializers.ModelSerializer):
    """A disputed or reported pair with what a moderator needs to decide, side by side (SPEC §5)."""

    revision = serializers.IntegerField(source="revision_number", read_only=True)
    task_type = category_field(TaskType.choices)
    domain = category_field(Domain.choices)
    level = category_field(Level.choices)
    reviews = serializers.SerializerMethodField(help_text="The votes on the current revision.")
    reports = ModerationReportSerializer(source="open_reports", many=True, read_only=True)
    warnings = serializers.SerializerMethodField()
    near_duplicates = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = [
            "id",
            "status",
            "revision",
            "question",
            "context",
            "answer",
            "task_type",
            "domain",
            "level",
            "review_count",
            "approvals",
            "rejections",
            "correctness_mean",
            "fluency_mean",
            "submitted_at",
            "reviews",
            "reports",
            "warnings",
            "near_duplicates",
        ]
        read_only_fields = fields

    @extend_schema_field(ModerationReviewSerializer(many=True))
    def get_reviews(self, pair: Pair) -> list[dict]:
        # Prefetched for every revision: keep the votes on the text being judged.
        current = [review for review in pair.reviews.all() if review.revision_id == pair.current_revision_id]
        return ModerationReviewSerializer(current, many=True).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_warnings(self, pair: Pair) -> list[dict]:
        return _warnings(pair)

    @extend_schema_field(NearDuplicateSerializer(many=True))
    def get_near_duplicates(self, pair: Pair) -> list[dict]:
        return list(pair.current_revision.near_duplicates) if pair.current_revision is not None else []
