"""API of the collect app (SPEC §7): pairs, read and written through the same services as the web form,
and the public statistics."""

from dataclasses import asdict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from moisson.api import WRITE_THROTTLES, ChecksFailed, Conflict, IsContributorOrReadOnly, error_responses
from moisson.compiled import CompiledQuery, Param
from moisson.http import uuid_or_none

from .coverage import coverage_cells, coverage_summary, most_needed
from .models import Domain, Level, Pair, Status, TaskType
from .serializers import (
    LISTED_PAIR_COLUMNS,
    PAIR_READ_COLUMNS,
    ListedPair,
    PairFilterSerializer,
    PairSerializer,
    PairWriteSerializer,
)
from .services import PairStateError, SubmissionRefused, save_draft, submit_pair, withdraw_pair
from .statistics import site_statistics


def visible_pairs(user: User | AnonymousUser) -> QuerySet[Pair]:
    """The pairs a person may read: validated ones for everyone, one's own in any state, and for moderators
    every submitted pair. Anything else does not exist as far as they can tell (404, never 403)."""
    return _visible_to(_reader(user), user)


def _reader(user: User | AnonymousUser) -> str:
    if not user.is_authenticated:
        return "visitor"
    return "moderator" if user.is_moderator else "contributor"


def _visible_to(reader: str, user: User | AnonymousUser | Param) -> QuerySet[Pair]:
    pairs = Pair.objects.all()
    if reader == "visitor":
        return pairs.validated()
    if reader == "moderator":
        return pairs.filter(Q(author=user) | ~Q(status=Status.DRAFT))
    return pairs.filter(Q(status=Status.VALIDATED) | Q(author=user))


def _read(pairs: QuerySet[Pair]) -> QuerySet[Pair]:
    """What the API's reads load of the pairs (PairSerializer's columns)."""
    return pairs.select_related("author", "current_revision").only(*PAIR_READ_COLUMNS)


# One pair the reader may see, by id: the API's read of a pair, with the SQL compiled once per thread and kind
# of reader (moisson.compiled): building it cost more than a third of the request's CPU.
_VISIBLE_PAIR = CompiledQuery(
    lambda reader: (
        _read(_visible_to(reader, Param("user", User._meta.pk)))
        .filter(pk=Param("pair", Pair._meta.pk))
        .order_by()[:1]
    )
)


def visible_pair(user: User | AnonymousUser, pair_id: str) -> Pair | None:
    """`visible_pairs(user)`'s pair of this id (as the API reads it), or None."""
    found = uuid_or_none(pair_id)
    if found is None:
        return None
    return _VISIBLE_PAIR.first((_reader(user),), user=user.pk, pair=found)


class IsAuthorForWrites(BasePermission):
    """Anyone who can see a pair can read it; only its author may change it (SPEC §1)."""

    message = _("Only the author of this pair can change it.")

    def has_object_permission(self, request: Request, view: APIView, obj: Pair) -> bool:
        return request.method in SAFE_METHODS or obj.author_id == request.user.pk


@extend_schema_view(
    list=extend_schema(
        summary="List validated pairs, or the caller's own pairs with mine=1",
        parameters=[PairFilterSerializer],
        responses={200: PairSerializer(many=True), **error_responses(400, 401, 404, 429)},
    ),
    retrieve=extend_schema(
        summary="Read a pair",
        responses={200: PairSerializer, **error_responses(404, 429)},
    ),
    create=extend_schema(
        summary="Write a pair: a draft, or a submission checked and sent to review",
        request=PairWriteSerializer,
        responses={201: PairSerializer, **error_responses(400, 401, 403, 429)},
    ),
    partial_update=extend_schema(
        summary="Edit one's draft or pending pair (a submission starts a new revision)",
        request=PairWriteSerializer,
        responses={200: PairSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    ),
    withdraw=extend_schema(
        summary="Withdraw one's draft or pending pair",
        request=None,
        responses={200: PairSerializer, **error_responses(401, 403, 404, 409, 429)},
    ),
)
class PairViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PairSerializer
    permission_classes = [IsContributorOrReadOnly, IsAuthorForWrites]
    throttle_classes = WRITE_THROTTLES
    throttle_scope = "pairs-write"
    # A pair is edited with PATCH (a new revision), never replaced wholesale; removal is withdrawal.
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Pair]:
        user = self.request.user
        if self.action == "list":
            return self._filtered_rows(visible_pairs(user))
        if self.request.method in SAFE_METHODS:
            return _read(visible_pairs(user))
        # Writes hand the pair to collect.services, which needs all of it.
        return visible_pairs(user).select_related("author", "current_revision")

    def paginate_queryset(self, queryset: QuerySet) -> list[ListedPair] | None:
        # The page's rows are dicts (their positions give the next page's cursor), written as ListedPairs.
        rows = super().paginate_queryset(queryset)
        return None if rows is None else [ListedPair(row) for row in rows]

    def _filtered_rows(self, pairs: QuerySet[Pair]) -> QuerySet:
        """The list's pairs, filtered by the query parameters, as the rows of ListedPair."""
        user = self.request.user
        pairs = pairs.values(*LISTED_PAIR_COLUMNS)
        filters = PairFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if wanted["mine"]:
            if not user.is_authenticated:
                raise exceptions.NotAuthenticated()
            # Index pair_author_recent.
            pairs = pairs.of(user).order_by("-updated_at", "-id")
        else:
            # Index pair_validated_by_id.
            pairs = pairs.validated().order_by("id")
        for name in ("status", "task_type", "domain", "level"):
            if name in wanted:
                pairs = pairs.filter(**{name: wanted[name]})
        return pairs

    def get_object(self) -> Pair:
        if self.action != "retrieve":
            return super().get_object()
        pair = visible_pair(self.request.user, self.kwargs["pk"])
        if pair is None:
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, pair)
        return pair

    def create(self, request: Request) -> Response:
        writing = PairWriteSerializer(data=request.data)
        writing.is_valid(raise_exception=True)
        pair = self._write(data=writing.validated_data, pair=None)
        return Response(self.get_serializer(pair).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        pair = self.get_object()
        if not pair.is_editable:
            raise Conflict(_("This pair can no longer be edited."))
        writing = PairWriteSerializer(pair, data=request.data, partial=True)
        writing.is_valid(raise_exception=True)
        pair = self._write(data=writing.validated_data, pair=pair)
        return Response(self.get_serializer(pair).data)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        raise exceptions.MethodNotAllowed(request.method)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        pair = self.get_object()
        if not pair.is_withdrawable:
            raise Conflict(_("This pair can no longer be withdrawn."))
        try:
            pair = withdraw_pair(pair=pair)
        except PairStateError as refused:
            # Its state changed since we read it (reviewed to a decision meanwhile).
            raise Conflict(str(refused)) from None
        return Response(self.get_serializer(pair).data)

    def _write(self, *, data: dict, pair: Pair | None) -> Pair:
        author = self.request.user
        data = dict(data)
        try:
            if data.pop("draft"):
                return save_draft(author=author, data=data, pair=pair)
            return submit_pair(author=author, data=data, pair=pair)
        except SubmissionRefused as refused:
            raise checks_failed(refused) from None
        except PairStateError as refused:
            raise Conflict(str(refused)) from None


def checks_failed(refused: SubmissionRefused) -> ChecksFailed:
    """The checks' findings as the API's error: messages per field, plus every finding with its place."""
    errors: dict[str, list[str]] = {}
    for finding in refused.evaluation.errors:
        errors.setdefault(finding.field, []).append(finding.message)
    kept = refused.pair if refused.pair is not None and refused.pair.status == Status.DRAFT else None
    return ChecksFailed(
        errors=errors,
        findings=[asdict(finding) for finding in refused.evaluation.findings],
        draft=str(kept.pk) if kept is not None else None,
    )


# Statistics ----------------------------------------------------------------------------------------------


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday of the week.")
    submitted = serializers.IntegerField()
    validated = serializers.IntegerField()


class AgreementSerializer(serializers.Serializer):
    reviewed = serializers.IntegerField(
        help_text="Pairs validated, rejected or sent to the moderators, with at least one vote."
    )
    unanimous = serializers.IntegerField(help_text="Reviewed pairs on which every vote was the same.")
    unanimous_share = serializers.FloatField(allow_null=True, help_text="unanimous / reviewed.")
    pairwise = serializers.FloatField(
        allow_null=True, help_text="Chance that two reviewers of the same pair gave the same verdict."
    )


class ContributorSerializer(serializers.Serializer):
    pseudonym = serializers.CharField()
    validated = serializers.IntegerField()


class GoalSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="MOISSON_COLLECTION_GOAL: validated pairs wished for.")
    validated = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="validated / target, at most 1.")


class StatisticsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Submitted pairs, in any state (drafts excluded).")
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_task_type = serializers.DictField(child=serializers.IntegerField(), help_text="Validated pairs.")
    by_domain = serializers.DictField(child=serializers.IntegerField(), help_text="Validated pairs.")
    by_level = serializers.DictField(
        child=serializers.IntegerField(), help_text="Validated pairs; `unspecified` when no level was given."
    )
    per_week = WeekSerializer(many=True)
    contributors = serializers.IntegerField(help_text="People who submitted at least one pair.")
    agreement = AgreementSerializer()
    top_contributors = ContributorSerializer(
        many=True, help_text="Most validated pairs, among people who chose to be credited by pseudonym."
    )
    goal = GoalSerializer()
    computed_at = serializers.DateTimeField(help_text="The figures are refreshed within minutes.")


class StatisticsView(APIView):
    """Public counters of the collection: per state, task type, domain, level and week."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Public statistics",
        responses={200: StatisticsSerializer, **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        return Response(StatisticsSerializer(site_statistics()).data)


# Coverage ------------------------------------------------------------------------------------------------


class CoverageCellSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=Domain.choices)
    level = serializers.ChoiceField(
        choices=Level.choices, help_text="Pairs without a school level count as `adulte`."
    )
    task_type = serializers.ChoiceField(choices=TaskType.choices)
    target = serializers.IntegerField(help_text="Pairs wanted in this cell, set by the moderators.")
    validated = serializers.IntegerField()
    pending = serializers.IntegerField()
    count = serializers.IntegerField(help_text="validated + pending")
    need = serializers.IntegerField(help_text="max(target - count, 0)")
    label = serializers.CharField(help_text="The cell in words, in the language of the request.")


class CoverageSerializer(serializers.Serializer):
    message = serializers.CharField(
        allow_blank=True, help_text="What is most needed, as a sentence; empty when every target is met."
    )
    target = serializers.IntegerField(help_text="Sum of the targets.")
    count = serializers.IntegerField(help_text="Pairs counted towards a target, each cell capped at it.")
    need = serializers.IntegerField(help_text="Sum of the needs.")
    most_needed = CoverageCellSerializer(many=True, help_text="The five most needed cells, first first.")
    cells = CoverageCellSerializer(many=True, help_text="Every cell with a target or with pairs.")


class CoverageView(APIView):
    """Coverage against the moderators' targets per domain × school level × task type, and what is most
    needed (collect/coverage.py defines the terms)."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Coverage against targets, and what is most needed",
        responses={200: CoverageSerializer, **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        needed = most_needed(5)
        message = _("What we lack most: %(cell)s.") % {"cell": needed[0].label} if needed else ""
        data = {"message": message, **coverage_summary(), "most_needed": needed, "cells": coverage_cells()}
        return Response(CoverageSerializer(data).data)
