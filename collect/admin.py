from django.contrib import admin
from django.http import HttpRequest

from .models import Pair, Revision


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields = ["number", "question", "answer", "created_by", "created_at", "note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Pair)
class PairAdmin(admin.ModelAdmin):
    """Read-only: a pair changes through the services (a new revision, its checks, the audit log, the content
    hash and the near-duplicate bands), never by editing its row. The review app adds the moderators'
    actions, which call those services."""

    list_display = [
        "question_start",
        "author",
        "status",
        "task_type",
        "domain",
        "level",
        "review_count",
        "updated_at",
    ]
    list_filter = ["status", "task_type", "domain", "level", "license"]
    search_fields = ["id", "question", "answer", "author__username", "author__pseudonym"]
    list_select_related = ["author"]
    exclude = ["minhash"]
    date_hierarchy = "created_at"
    inlines = [RevisionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Pair | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Pair | None = None) -> bool:
        # Nothing is hard-deleted by the workflow (SPEC §2): removal and withdrawal are states.
        return False

    @admin.display(description="question")
    def question_start(self, pair: Pair) -> str:
        return pair.question[:80]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["pair", "number", "created_by", "created_at", "note"]
    list_filter = ["task_type", "domain", "level"]
    search_fields = ["pair__id", "question", "answer"]
    list_select_related = ["pair", "created_by"]
    raw_id_fields = ["pair", "created_by"]

    # A revision is an immutable snapshot that reviews refer to.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Revision | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Revision | None = None) -> bool:
        return False
