"""Shapes of a pair in the API. The rules of SPEC §3 are not here: collect.services checks the text."""

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import public_name
from moisson.api import FindingSerializer, WrittenOut

from .final_answer import FINAL_ANSWER_TASK_TYPES
from .models import FINAL_ANSWER_MAX_LENGTH, PAIR_FIELDS, Domain, Level, Pair, Status, TaskType


def category_field(choices: list[tuple[str, str]]) -> serializers.ChoiceField:
    """A category as read back: empty for a level not given, and for anything a draft left out."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


# The columns PairSerializer reads. The API's reads load only these, not the minhash, the removal note nor the
# author's whole account: building those rows was a third of a list page's CPU (issue 14). `author` and
# `current_revision` are to be select_related.
PAIR_READ_COLUMNS = (
    "id",
    "status",
    "revision_number",
    *PAIR_FIELDS,
    "final_answer_checked",
    "license",
    "author__pseudonym",
    "author__attribution_opt_in",
    "source",
    "source_id",
    "review_count",
    "approvals",
    "rejections",
    "created_at",
    "updated_at",
    "submitted_at",
    "validated_at",
    "current_revision__findings",
)


# The columns of an API list page, read as values (ListedPair) rather than as model objects.
LISTED_PAIR_COLUMNS = (*PAIR_READ_COLUMNS, "author_id")


class ListedPair:
    """A pair of an API list page, with the attributes PairSerializer reads, made from one row of
    `values(*LISTED_PAIR_COLUMNS)`: building a Pair, a User and a Revision object for each of the 50 rows
    of a page cost about a fifth of the page's CPU (issue 14, bench/RESULTS.md). Its author is only their
    public name, its current revision only its findings."""

    class Author(NamedTuple):
        public_name: str | None

    class Revision(NamedTuple):
        findings: list

    def __init__(self, row: dict) -> None:
        self.__dict__.update(row)
        self.author = (
            None
            if row["author_id"] is None
            else self.Author(
                public_name(row["author__pseudonym"], attribution_opt_in=row["author__attribution_opt_in"])
            )
        )
        # A pair without a revision (a draft) has no findings, as one whose revision noted nothing.
        self.current_revision = self.Revision(row["current_revision__findings"] or [])


class PairSerializer(WrittenOut, serializers.ModelSerializer):
    """A pair as anyone allowed to see it reads it. Nothing here can be written."""

    revision = serializers.IntegerField(source="revision_number", read_only=True)
    task_type = category_field(TaskType.choices)
    domain = category_field(Domain.choices)
    level = category_field(Level.choices)
    author = serializers.SerializerMethodField(
        help_text="The author's public pseudonym, for validated pairs whose author opted in to attribution."
    )
    warnings = serializers.SerializerMethodField(
        help_text="What the checks noted without blocking (near duplicates...); shown to the author only."
    )

    class Meta:
        model = Pair
        fields = [
            "id",
            "status",
            "revision",
            *PAIR_FIELDS,
            "final_answer_checked",
            "license",
            "author",
            "source",
            "source_id",
            "review_count",
            "approvals",
            "rejections",
            "created_at",
            "updated_at",
            "submitted_at",
            "validated_at",
            "warnings",
        ]
        read_only_fields = fields

    def get_author(self, pair: Pair) -> str | None:
        # Attribution is opt-in and only for published pairs; an e-mail address never leaves the database.
        if pair.status != Status.VALIDATED or pair.author is None:
            return None
        return pair.author.public_name

    @extend_schema_field(FindingSerializer(many=True))
    def get_warnings(self, pair: Pair) -> list[dict]:
        request = self.context.get("request")
        if request is None or pair.author_id != request.user.pk or pair.current_revision is None:
            return []
        return list(pair.current_revision.findings)


class PairWriteSerializer(serializers.Serializer):
    """What a client sends to write a pair: a draft to keep, or a submission to check and review.

    On PATCH, fields left out keep the pair's current values.
    """

    question = serializers.CharField(allow_blank=True, default="")
    context = serializers.CharField(allow_blank=True, default="")
    answer = serializers.CharField(allow_blank=True, default="")
    task_type = serializers.ChoiceField(choices=TaskType.choices, allow_blank=True, default="")
    domain = serializers.ChoiceField(choices=Domain.choices, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=Level.choices, allow_blank=True, default="")
    final_answer = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=FINAL_ANSWER_MAX_LENGTH,
        help_text=(
            "The short result alone (a number, a word, a letter), for the task types "
            f"{', '.join(FINAL_ANSWER_TASK_TYPES)}; ignored for the others. Stored normalised "
            "(lower case, decimal comma, no thousands separator)."
        ),
    )
    declaration = serializers.BooleanField(
        default=False,
        help_text="I wrote this text myself; it was not generated by a machine nor copied from elsewhere.",
    )
    accept_license = serializers.BooleanField(
        default=False,
        help_text="I publish this pair under the current licence. Needed only when the licence changed since "
        "I accepted it with the charter (the licence is otherwise accepted once, at sign-up).",
    )
    draft = serializers.BooleanField(
        default=False, help_text="Only save the text, without checks nor review."
    )

    def validate(self, attrs: dict) -> dict:
        pair: Pair | None = self.instance
        if pair is not None:
            # A PATCH changes what it names; the rest of the pair stays as it is.
            current = {name: getattr(pair, name) for name in PAIR_FIELDS}
            current["declaration"] = pair.declaration
            attrs = {"draft": False} | current | attrs
        if attrs["draft"]:
            return attrs
        # The declaration and the licence are checked by collect.services.submit_pair, for every door.
        errors = {}
        for name in ("task_type", "domain"):
            if not attrs.get(name):
                errors[name] = [_("This field is required.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PairFilterSerializer(serializers.Serializer):
    """Query parameters of the pair list."""

    mine = serializers.BooleanField(default=False, help_text="Only the caller's own pairs, in any state.")
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Without `mine`, only validated pairs are listed: other states give an empty list.",
    )
    task_type = serializers.ChoiceField(choices=TaskType.choices, required=False)
    domain = serializers.ChoiceField(choices=Domain.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
