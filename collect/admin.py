from django.contrib import admin
from django.http import HttpRequest

from .coverage import set_targets
from .models import CoverageTarget, Pair, Revision


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
    list_filter = ["status", "task_type", "domain", "level", "license", "source"]
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


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin):
    list_display = ["domain", "level", "task_type", "target", "updated_by", "updated_at"]
    list_editable = ["target"]
    list_filter = ["domain", "level", "task_type"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
    list_per_page = 200

    def save_model(self, request: HttpRequest, obj: CoverageTarget, form: object, change: bool) -> None:
        # The same path as the moderation page, so the coverage cache is dropped at once.
        set_targets(by=request.user, domain=obj.domain, targets={(obj.level, obj.task_type): obj.target})

    def get_readonly_fields(self, request: HttpRequest, obj: CoverageTarget | None = None) -> list[str]:
        # A cell is its (domain, level, task type): to target another one, add it.
        return [*self.readonly_fields, "domain", "level", "task_type"] if obj else self.readonly_fields
