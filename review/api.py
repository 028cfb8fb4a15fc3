"""API of the review app (SPEC §4–5, §7): the next pair to review, votes, skips, reports and moderation.

Thin callers of review.services, like the web pages: the service decides, the view translates its refusals
into status codes (own pair 403, a second vote, a stale revision or a pair not handed out 409, a malformed
vote 400, no new pair after too many skips 429 with Retry-After).
"""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from collect.models import Pair, Status
from collect.serializers import PairSerializer
from moisson.api import Conflict, IsContributor, IsModerator, TryLater, error_responses
from moisson.compiled import CompiledQuery, Param

from .errors import InvalidReview, NotAllowed, OwnPair, ReviewRefused, StaleRevision, TooManySkips
from .models import VOTE_FIELDS, Report, Review
from .moderation import decide_pair
from .reports import report_pair
from .serializers import (
    DecisionSerializer,
    ModerationItemSerializer,
    NextPairFilterSerializer,
    ReportRequestSerializer,
    ReportResultSerializer,
    ReviewItemSerializer,
    ReviewRequestSerializer,
    ReviewResultSerializer,
    SkipSerializer,
)
from .voting import next_pair_for, record_review, skip_pair


def _refusal(refused: ReviewRefused) -> exceptions.APIException:
    """The API's answer to a refusal of review.services, with the service's own message."""
    message = str(refused)
    if isinstance(refused, OwnPair | NotAllowed):
        return exceptions.PermissionDenied(message)
    if isinstance(refused, InvalidReview):
        return exceptions.ValidationError({"non_field_errors": [message]})
    if isinstance(refused, TooManySkips):
        return TryLater(message, wait=refused.retry_after, code="too_many_skips")
    # StaleRevision, AlreadyReviewed, and an InvalidAction the state of the pair forbids.
    return Conflict(message)


def _submitted_pairs(user: User | Param) -> QuerySet[Pair]:
    """The pairs one may name in a review, a skip or a report: anyone's submitted pair, or one's own draft;
    never another's draft (it does not exist for them). The services then judge the state."""
    # Only the id: each service reads the pair again, locked, before it judges it.
    return Pair.objects.filter(Q(author=user) | ~Q(status=Status.DRAFT)).only("pk")


# The pair of this id among `_submitted_pairs(user)`, compiled once per thread (moisson.compiled).
_SUBMITTED_PAIR = CompiledQuery(
    lambda: (
        _submitted_pairs(Param("user", User._meta.pk)).filter(pk=Param("pair", Pair._meta.pk)).order_by()[:1]
    )
)


def _submitted_pair(user: User, pk: object) -> Pair | None:
    return _SUBMITTED_PAIR.first(user=user.pk, pair=pk)


# Path ids are matched as strings so that a malformed id is a JSON 404 from DRF like any other.
PAIR_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The pair's id.")


class NextPairView(generics.GenericAPIView):
    """The next pair to review, held for the caller for a few minutes (MOISSON_REVIEW_HOLD_SECONDS).

    After MOISSON_REVIEW_SKIPS_PER_HOUR skips within an hour, no new pair: a 429 `too_many_skips` whose
    Retry-After says when one can be handed out again (the pair one holds is still served).
    """

    permission_classes = [IsContributor]
    serializer_class = ReviewItemSerializer

    @extend_schema(
        summary="The next pair to review",
        parameters=[NextPairFilterSerializer],
        responses={
            200: ReviewItemSerializer,
            204: OpenApiResponse(description="Nothing to review right now."),
            **error_responses(400, 401, 403, 429),
        },
    )
    def get(self, request: Request) -> Response:
        filters = NextPairFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        try:
            # A filter left out means "as in my profile", not "everything".
            pair = next_pair_for(
                request.user,
                domains=filters.validated_data["domain"] if "domain" in request.query_params else None,
                levels=filters.validated_data["level"] if "level" in request.query_params else None,
                by_need=filters.validated_data["by_need"],
            )
        except ReviewRefused as refused:
            raise _refusal(refused) from None
        if pair is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(pair).data)


class SkipView(generics.GenericAPIView):
    """Pass on a pair: it is not handed to the caller again, and is free for others at once. Always possible;
    after MOISSON_REVIEW_SKIPS_PER_HOUR skips within an hour, the next pair endpoint answers 429 for a while.
    """

    permission_classes = [IsContributor]
    serializer_class = SkipSerializer
    throttle_scope = "votes"

    @extend_schema(
        summary="Skip the pair held for you (or the one named)",
        responses={
            204: OpenApiResponse(description="Skipped."),
            **error_responses(400, 401, 403, 429),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "pair" in serializer.validated_data:
            pair = _submitted_pair(request.user, serializer.validated_data["pair"])
            if pair is None:
                raise exceptions.ValidationError({"pair": [_("This pair is not awaiting review.")]})
        else:
            pair = Pair.objects.filter(held_by=request.user, held_until__gt=timezone.now()).first()
            if pair is None:
                raise exceptions.ValidationError(
                    {"pair": [_("No pair is held for you: say which pair to skip.")]}
                )
        try:
            skip_pair(reviewer=request.user, pair=pair)
        except StaleRevision as refused:
            raise exceptions.ValidationError({"pair": [str(refused)]}) from None
        except ReviewRefused as refused:
            raise _refusal(refused) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewCreateView(generics.GenericAPIView):
    """Vote on the revision of a pair one was handed (by the next pair endpoint or the review page): a pair
    chosen by id without being handed out is refused with a 409."""

    permission_classes = [IsContributor]
    serializer_class = ReviewRequestSerializer
    throttle_scope = "votes"

    @extend_schema(
        summary="Review a pair",
        responses={201: ReviewResultSerializer, **error_responses(400, 401, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vote = serializer.validated_data
        pair = _submitted_pair(request.user, vote["pair"])
        if pair is None:
            raise exceptions.ValidationError({"pair": [_("This pair does not exist.")]})
        try:
            review = record_review(
                reviewer=request.user,
                pair=pair,
                revision_number=vote["revision"],
                **{name: vote[name] for name in VOTE_FIELDS},
            )
        except ReviewRefused as refused:
            raise _refusal(refused) from None
        # The service's review carries the pair as the vote left it (its state after the quorum).
        return Response(ReviewResultSerializer(review).data, status=status.HTTP_201_CREATED)


class ReportView(generics.GenericAPIView):
    """Signal a problem with someone else's pair: it goes to the moderators' queue. Its review goes on until a
    moderator stops it or MOISSON_REPORTS_TO_SUSPEND_REVIEW people reported it."""

    permission_classes = [IsContributor]
    serializer_class = ReportRequestSerializer
    throttle_scope = "votes"

    @extend_schema(
        summary="Report a pair to the moderators",
        parameters=[PAIR_ID],
        responses={201: ReportResultSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: str) -> Response:
        pair = get_object_or_404(_submitted_pairs(request.user), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report = report_pair(reporter=request.user, pair=pair, reason=serializer.validated_data["reason"])
        except ReviewRefused as refused:
            raise _refusal(refused) from None
        report = Report.objects.select_related("pair").get(pk=report.pk)
        return Response(ReportResultSerializer(report).data, status=status.HTTP_201_CREATED)


class ModerationQueueView(generics.ListAPIView):
    permission_classes = [IsModerator]
    serializer_class = ModerationItemSerializer

    def get_queryset(self) -> QuerySet[Pair]:
        return Pair.objects.in_moderation().prefetch_related(
            Prefetch("reviews", queryset=Review.objects.counted().order_by("created_at")),
            Prefetch(
                "reports", queryset=Report.objects.open().order_by("created_at"), to_attr="open_reports"
            ),
            "current_revision",
        )

    @extend_schema(
        summary="Disputed and reported pairs, oldest first",
        responses={200: ModerationItemSerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class DecisionView(generics.GenericAPIView):
    """A moderator's decision on someone else's pair: validate, reject, remove (with a reason and its kind) or
    stop its review. Recorded in the audit log."""

    permission_classes = [IsModerator]
    serializer_class = DecisionSerializer

    @extend_schema(
        summary="Decide a pair",
        parameters=[PAIR_ID],
        responses={200: PairSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: str) -> Response:
        pair = get_object_or_404(Pair.objects.exclude(status=Status.DRAFT), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = decide_pair(
                moderator=request.user,
                pair=pair,
                action=serializer.validated_data["action"],
                reason=serializer.validated_data["reason"],
                removal_reason=serializer.validated_data["removal_reason"],
            )
        except ReviewRefused as refused:
            raise _refusal(refused) from None
        return Response(PairSerializer(pair, context=self.get_serializer_context()).data)
