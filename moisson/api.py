"""Pieces every API view shares: one error format, the conflict error, the write throttle, permissions.

The throttles themselves are in moisson.throttle: DRF imports them from the settings while it builds its
APIView, and this module imports APIView.

Every error the API answers has the same shape, so a client handles them in one place:
`{"detail": "...", "code": "...", "errors": {field: [messages]}, "findings": [...]}` where `errors` appears
for invalid input and `findings` when a check of SPEC §3 refused a pair.
"""

import functools
import uuid
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .throttle import AnonThrottle, ScopedThrottle, UserThrottle


class Conflict(exceptions.APIException):
    """The request is valid but the resource's state forbids it (a second vote, a validated pair...)."""

    status_code = 409
    default_detail = _("This action is not possible in the current state of the pair.")
    default_code = "conflict"


class TryLater(exceptions.APIException):
    """A rule of the site pauses this action for the caller for `wait` seconds: a 429, whose Retry-After DRF's
    handler writes from `wait`. (The API's rate limits answer the same status through DRF's throttles.)"""

    status_code = 429
    default_detail = _("Too many requests in a short time. Please wait a moment.")
    default_code = "throttled"

    def __init__(self, detail: str, *, wait: int, code: str | None = None) -> None:
        super().__init__(detail, code)
        self.wait = wait


class ChecksFailed(exceptions.ValidationError):
    """A blocking check refused the text. Carries the findings so the client can show them where they are."""

    default_detail = _("The pair was not submitted: please fix the points below.")
    default_code = "checks_failed"

    def __init__(self, *, errors: dict[str, list[str]], findings: list[dict], draft: str | None) -> None:
        super().__init__(errors)
        self.findings = findings
        self.draft = draft


_INVALID_DETAIL = _("Some fields need your attention.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped so that every error body has `detail` and `code`."""
    if isinstance(exc, Http404):
        # Django's message names the model ("No Pair matches..."): say nothing more than "not found".
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, ChecksFailed):
        body: dict[str, Any] = {
            "detail": str(exc.default_detail),
            "code": exc.default_code,
            "errors": _flatten_errors(exc.detail),
            "findings": exc.findings,
            "draft": exc.draft,
        }
    elif isinstance(exc, exceptions.ValidationError):
        body = {"detail": str(_INVALID_DETAIL), "code": "invalid", "errors": _flatten_errors(exc.detail)}
    else:
        codes = exc.get_codes()
        body = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error"}
    response.data = body
    return response


def _flatten_errors(detail: Any) -> dict[str, list[str]]:
    """{field: [messages]} whatever DRF nested (list items, nested serializers) under the field."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    return {str(field): _messages(value) for field, value in detail.items()}


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


class WrittenOut:
    """For a read-only ModelSerializer: its answer written from its declared fields without DRF's generic loop
    over them, which cost more than the query on an API list page (issue 14).

    Each declared field becomes a plain function of the instance: its method for a SerializerMethodField, the
    related id for a primary-key relation, `iso_datetime` for a moment, the text of a UUID, and the attribute
    itself for the rest (text, numbers, booleans, choices and JSON, which DRF writes unchanged). Same keys,
    order and values as DRF's loop: tests/collect/test_api_representation.py and
    tests/review/test_api_representation.py compare the two.

    These functions are made once per class, not per serializer: building a ModelSerializer's fields (model
    introspection and deep copies) cost about as much as writing a page of 50 pairs. A class whose fields
    could change with the request (its own `get_fields`) is planned per serializer instead.
    """

    _plans: ClassVar[dict[type, list[tuple[str, str | None, Any]]]] = {}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        writers = self.__dict__.get("_writers")
        if writers is None:
            # The time zone moments are written in, read once for the serializer (one request) rather than
            # for each moment: Django's lookup of it cost more than writing the moment (about 1 ms of a page
            # of 50 pairs, bench/RESULTS.md).
            zone = timezone.get_current_timezone()
            writers = self.__dict__["_writers"] = [
                (name, getattr(self, method) if method else functools.partial(write, zone=zone))
                for name, method, write in self._plan()
            ]
        return {name: write(instance) for name, write in writers}

    def _plan(self) -> list[tuple[str, str | None, Any]]:
        """(name, method of a SerializerMethodField or None, writer of any other field), in field order."""
        cls = type(self)
        plan = WrittenOut._plans.get(cls)
        if plan is None:
            plan = [(name, *_planned(field)) for name, field in self.fields.items()]
            if cls.get_fields is serializers.ModelSerializer.get_fields:
                WrittenOut._plans[cls] = plan
        return plan


def _planned(field: serializers.Field) -> tuple[str | None, Any]:
    if isinstance(field, serializers.SerializerMethodField):
        return field.method_name, None
    path = list(field.source_attrs)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        path[-1] += "_id"  # as DRF's pk-only optimisation: no query for the related row
    convert = {serializers.DateTimeField: iso_datetime, serializers.UUIDField: _uuid_text}.get(type(field))

    def write(instance: Any, *, zone: tzinfo) -> Any:
        value = instance
        for name in path:
            value = getattr(value, name)
            if value is None:
                return None
        return convert(value, zone=zone) if convert else value

    return None, write


def _uuid_text(value: uuid.UUID, *, zone: tzinfo) -> str:
    return str(value)


def iso_datetime(value: datetime | None, *, zone: tzinfo) -> str | None:
    """A moment as DRF's DateTimeField writes it (ISO 8601 in the current time zone, `zone`, with `Z` for
    UTC), for WrittenOut."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class FindingSerializer(serializers.Serializer):
    """One result of the checks of SPEC §3 (moisson.findings.Finding)."""

    code = serializers.CharField()
    field = serializers.CharField()
    level = serializers.CharField(help_text="`error` blocks the submission, `warning` is only shown.")
    message = serializers.CharField()
    start = serializers.IntegerField(allow_null=True, required=False)
    end = serializers.IntegerField(allow_null=True, required=False)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer (documentation only: the exception handler builds it)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    findings = FindingSerializer(many=True, required=False)
    draft = serializers.UUIDField(
        allow_null=True, required=False, help_text="The draft that kept the text when checks refused it."
    )


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the errors an operation may answer, all with the shared error shape."""
    return {code: OpenApiResponse(ErrorSerializer) for code in status_codes}


class ScopedWriteThrottle(ScopedThrottle):
    """The view's `throttle_scope`, counted on writes only: reading one's pairs is not rationed."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


WRITE_THROTTLES = [AnonThrottle, UserThrottle, ScopedWriteThrottle]


class IsContributor(BasePermission):
    """Signed in, charter and licence accepted, not suspended: what writing and reviewing need.

    The API twin of accounts.decorators.contributor_required.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if user.is_suspended:
            raise exceptions.PermissionDenied(_("Your account is suspended."))
        if user.is_waiting:
            raise exceptions.PermissionDenied(
                _("Your account is waiting for its wave: we will send you an e-mail as soon as it opens.")
            )
        if not user.has_accepted_terms:
            raise exceptions.PermissionDenied(_("Please read and accept the charter and the licence first."))
        return user.can_contribute


class IsContributorOrReadOnly(IsContributor):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)


class IsModerator(BasePermission):
    """The API twin of accounts.decorators.moderator_required."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not user.is_moderator:
            raise exceptions.PermissionDenied(_("This page is reserved for moderators."))
        return True


class CursorPagination(pagination.CursorPagination):
    """Every API list: `next`, `previous` and `results`, and a page costs the same at the millionth pair.

    A numbered page counted the whole table and walked `OFFSET` over every skipped row (760 ms for a random
    page at 1.1M pairs, issue 14); a cursor continues from the last row seen, along the index that serves
    the view's `order_by`, and counts nothing. The order is the one the view's queryset declares.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request: Request, queryset: QuerySet, view: APIView) -> tuple[str, ...]:
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        if not ordering:
            raise ImproperlyConfigured(f"{view.__class__.__name__} must order its queryset to be paginated")
        return tuple(ordering)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler: under /api/ an unknown address answers in the API's JSON error shape."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return page_not_found(request, exception)
