from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry, ContactRequest, Report, Review, Skip


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "pair",
        "revision_number",
        "reviewer",
        "verdict",
        "correctness",
        "fluency",
        "counts",
        "created_at",
    ]
    list_filter = ["verdict", "counts", "suggestion_state", "created_at"]
    search_fields = ["pair__id", "reviewer__username", "reviewer__pseudonym", "comment"]
    list_select_related = ["pair", "revision", "reviewer"]
    raw_id_fields = ["pair", "revision", "reviewer"]
    date_hierarchy = "created_at"
    # Votes change through review.services (quorum, suspension), never by hand.
    readonly_fields = [
        "pair",
        "revision",
        "reviewer",
        "verdict",
        "reasons",
        "correctness",
        "fluency",
        "counts",
    ]

    @admin.display(description="revision")
    def revision_number(self, review: Review) -> int:
        return review.revision.number


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pair", "reporter", "created_at", "resolved_at", "resolved_by", "resolution"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "resolution", "created_at"]
    search_fields = ["pair__id", "reporter__username", "reason"]
    list_select_related = ["pair", "reporter", "resolved_by"]
    raw_id_fields = ["pair", "reporter", "resolved_by"]
    date_hierarchy = "created_at"


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "email", "pair", "handled_at", "handled_by"]
    list_filter = [("handled_at", admin.EmptyFieldListFilter), "kind", "created_at"]
    search_fields = ["email", "name", "message", "pair__id"]
    list_select_related = ["pair", "handled_by"]
    raw_id_fields = ["pair", "handled_by"]
    date_hierarchy = "created_at"
    # Handled through the moderation queue, which writes the audit log.
    readonly_fields = ["handled_at", "handled_by", "handling_note"]


@admin.register(Skip)
class SkipAdmin(admin.ModelAdmin):
    list_display = ["pair", "reviewer", "created_at"]
    search_fields = ["pair__id", "reviewer__username"]
    list_select_related = ["pair", "reviewer"]
    raw_id_fields = ["pair", "reviewer"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: readable here, written only by review.services."""

    list_display = ["created_at", "actor", "action", "pair", "target_user", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["pair__id", "actor__username", "target_user__username", "reason"]
    list_select_related = ["actor", "pair", "target_user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
