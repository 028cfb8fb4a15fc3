from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Release
from .releases import ReleaseRefused, can_start_release, start_release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Read-only: releases are started from the site, the API or `manage.py release`, and never edited."""

    list_display = ["version", "state", "created_at", "finished_at", "started_by", "total", "hub_commit"]
    list_filter = ["state"]
    search_fields = ["version"]
    list_select_related = ["started_by"]
    actions = ["start_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False

    def has_start_release_permission(self, request: HttpRequest) -> bool:
        # The permission the site and the API ask for: staff status alone does not start a release.
        return can_start_release(request.user)

    @admin.action(description="Start the selected failed releases again", permissions=["start_release"])
    def start_again(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        if not can_start_release(request.user):
            raise PermissionDenied
        for release in queryset:
            try:
                start_release(by=request.user, version=release.version)
            except ReleaseRefused as refused:
                self.message_user(request, f"{release.version}: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"{release.version}: queued", messages.SUCCESS)
