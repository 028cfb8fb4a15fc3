"""API of the export app (SPEC.md §7): releases, read-only for everyone; moderators start one with POST.

Thin callers of export.releases, like the web views: one code path for the site and the API.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from moisson.api import Conflict, error_responses

from .models import Release
from .releases import ReleaseRefused, can_start_release, start_release
from .serializers import ReleaseSerializer, ReleaseStatusSerializer, StartReleaseSerializer


class CanStartReleaseOrReadOnly(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or can_start_release(request.user)


class ReleaseList(generics.ListCreateAPIView):
    """The published releases, newest first; moderators also see those queued, building or failed,
    and start one with POST."""

    permission_classes = [CanStartReleaseOrReadOnly]

    def get_queryset(self) -> QuerySet[Release]:
        releases = Release.objects.select_related("previous")
        # As on the site: a release in progress or failed is the moderators' business.
        if not can_start_release(self.request.user):
            releases = releases.published()
        return releases

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request.method == "POST":
            return StartReleaseSerializer
        return ReleaseStatusSerializer if can_start_release(self.request.user) else ReleaseSerializer

    @extend_schema(
        summary="List the releases",
        responses={200: ReleaseSerializer(many=True), **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(
        summary="Start a release (moderators): 202, then poll its `url` until it is published or failed",
        request=StartReleaseSerializer,
        # 409: a release is in progress, or the version is taken or not newer than the last one.
        responses={202: ReleaseStatusSerializer, **error_responses(400, 401, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        """Queue a release; answer 202 with it, its `url` (also in `Location`) tells how it goes."""
        form = StartReleaseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            release = start_release(by=request.user, version=form.validated_data.get("version"))
        except ReleaseRefused as refused:
            raise Conflict(str(refused)) from None
        data = ReleaseStatusSerializer(release, context=self.get_serializer_context()).data
        # `url` is a DRF Hyperlink, a str subclass: WSGI servers (runserver's wsgiref among them) want a
        # plain str in a header and answer 500 otherwise.
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": str(data["url"])})


class ReleaseDetail(generics.RetrieveAPIView):
    """One release: poll it after starting a build, until `state` is published or failed."""

    lookup_field = "version"

    @extend_schema(summary="Read a release", responses={200: ReleaseSerializer, **error_responses(404, 429)})
    def get(self, request: Request, version: str) -> Response:
        return super().get(request, version=version)

    def get_queryset(self) -> QuerySet[Release]:
        return Release.objects.select_related("previous")

    def get_serializer_class(self) -> type[BaseSerializer]:
        return ReleaseStatusSerializer if can_start_release(self.request.user) else ReleaseSerializer
