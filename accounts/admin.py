from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


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
