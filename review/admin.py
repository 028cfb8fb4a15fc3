from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from collect.admin import PairAdmin
from collect.models import Pair

from .errors import ReviewRefused
from .models import AuditAction, AuditEntry, ContactRequest, Report, Review, Skip
from .moderation import decide_pair


class ModeratedPairAdmin(PairAdmin):
    """The read-only pair admin of collect, with the moderators' decisions. They call review.services, so
    the admin follows the site's rules: moderators only, never on one's own pair, written to the audit log.
    Removing needs a reason and its kind: that is done on the moderation page."""

    actions = ["validate_pairs", "reject_pairs", "stop_review"]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.is_moderator

    def _decide(self, request: HttpRequest, pairs: QuerySet[Pair], action: str) -> None:
        done = 0
        for pair in pairs:
            try:
                decide_pair(
                    moderator=request.user,
                    pair=pair,
                    action=action,
                    reason=_("Decided from the administration site."),
                )
            except ReviewRefused as refused:
                self.message_user(request, f"{pair}: {refused}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d pair(s) decided.") % {"count": done}, messages.SUCCESS)

    @admin.action(description="Validate the selected pairs", permissions=["moderate"])
    def validate_pairs(self, request: HttpRequest, queryset: QuerySet[Pair]) -> None:
        self._decide(request, queryset, AuditAction.VALIDATE)

    @admin.action(description="Reject the selected pairs", permissions=["moderate"])
    def reject_pairs(self, request: HttpRequest, queryset: QuerySet[Pair]) -> None:
        self._decide(request, queryset, AuditAction.REJECT)

    @admin.action(description="Stop the review of the selected pairs", permissions=["moderate"])
    def stop_review(self, request: HttpRequest, queryset: QuerySet[Pair]) -> None:
        self._decide(request, queryset, AuditAction.STOP_REVIEW)


# collect registers a read-only pair admin; review knows the decisions (collect does not know review).
admin.site.unregister(Pair)
admin.site.register(Pair, ModeratedPairAdmin)


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
    """Reports are made and closed through review.services (the moderation queue), not edited here."""

    list_display = ["pair", "reporter", "created_at", "resolved_at", "resolved_by", "resolution"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "resolution", "created_at"]
    search_fields = ["pair__id", "reporter__username", "reason"]
    list_select_related = ["pair", "reporter", "resolved_by"]
    raw_id_fields = ["pair", "reporter", "resolved_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False


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
