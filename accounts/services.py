"""Workflows about people (SPEC §8): deleting an account; the site record e-mails are signed with."""

from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.contrib.sites.models import Site
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import MODERATORS_GROUP, User

MODERATOR_PERMISSIONS = ["moderate", "start_release"]


def moderators_group() -> Group:
    """The moderators group with its permissions (made by a data migration; this also restores it)."""
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="accounts", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
    return group


def sync_site(*, using: str = "default") -> Site:
    """Make the `django.contrib.sites` record follow SITE_NAME and SITE_URL.

    allauth signs its e-mails with this record ("[Moisson] Confirmez votre adresse e-mail"); left alone it
    says "example.com". Called after every `migrate`, so changing the settings and migrating is enough.
    """
    domain = urlsplit(settings.SITE_URL).netloc or settings.SITE_URL
    site, _ = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
    )
    Site.objects.clear_cache()
    return site


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Remove a person's personal data while keeping what they published under its licence.

    The row stays, emptied and disabled, so that their pairs and votes keep a consistent history
    (a vote must still count once) but nothing points back to the person: no e-mail, no name, no pseudonym.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    EmailAddress.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    user.username = f"compte-supprime-{user.pk}"
    user.email = ""
    user.first_name = user.last_name = ""
    user.pseudonym = ""
    user.attribution_opt_in = False
    user.is_active = False
    user.set_unusable_password()
    user.save()
    # Sign the person out everywhere.
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
