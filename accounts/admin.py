from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Invitation, SignupWave, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "pseudonym",
        "attribution_opt_in",
        "terms_accepted_at",
        "suspended_at",
    ]
    list_filter = [
        *BaseUserAdmin.list_filter,
        "attribution_opt_in",
        ("suspended_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["username", "email", "pseudonym"]
    # Suspension withdraws pending pairs and recounts votes: moderators do it from the moderation pages.
    readonly_fields = ["suspended_at", "suspension_reason", "terms_accepted_at", "terms_license"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Profile"),
            {
                "fields": [
                    "pseudonym",
                    "attribution_opt_in",
                    "terms_accepted_at",
                    "terms_license",
                    "review_domains",
                    "review_levels",
                    "suspended_at",
                    "suspension_reason",
                ]
            },
        ),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Waves and invitations are made from the moderation area (accounts.waves), which records who did it."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SignupWave)
class SignupWaveAdmin(ReadOnlyAdmin):
    list_display = ["number", "size", "admitted_from_line", "opened_at", "opened_by"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["code", "label", "uses", "max_uses", "created_at", "created_by"]
    search_fields = ["code", "label"]
