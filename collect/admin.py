from django.contrib import admin

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
    raw_id_fields = ["author", "held_by", "current_revision"]
    readonly_fields = ["id", "content_hash", "created_at", "updated_at", "submitted_at", "validated_at"]
    exclude = ["minhash"]
    date_hierarchy = "created_at"
    inlines = [RevisionInline]

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
