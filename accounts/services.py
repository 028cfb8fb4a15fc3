"""Workflows about people (SPEC §8): deleting an account, and the accounts never confirmed; the site record
e-mails are signed with."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.contrib.sites.models import Site
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
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


# Deleted by chunks, each in a transaction of its own: a flood of made-up sign-ups never makes a long one.
_UNCONFIRMED_CHUNK = 1000


def delete_unconfirmed_accounts(*, now: datetime | None = None) -> int:
    """Delete the accounts the sign-up form made whose e-mail address is still not confirmed
    MOISSON_UNCONFIRMED_ACCOUNT_DAYS after they were made, with their address; return how many.

    Such an account never signed in (allauth refuses until an address is confirmed), so it wrote,
    reviewed and reported nothing: it goes whole, and its username is free again. Only accounts with an
    address row and none confirmed are concerned: the accounts of imports, and those made in the admin or
    by a command, have no address row.
    """
    days = settings.MOISSON_UNCONFIRMED_ACCOUNT_DAYS
    if days <= 0:
        return 0
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    stale = (
        User.objects.filter(
            date_joined__lt=(now or timezone.now()) - timedelta(days=days),
            last_login__isnull=True,
            is_staff=False,
            is_superuser=False,
        )
        .filter(Exists(addresses))
        .exclude(Exists(addresses.filter(verified=True)))
    )
    deleted = 0
    while ids := list(stale.values_list("pk", flat=True)[:_UNCONFIRMED_CHUNK]):
        with transaction.atomic():
            # The same conditions again, in the statement that deletes: an address confirmed meanwhile
            # keeps its account.
            deleted += stale.filter(pk__in=ids).delete()[1].get(User._meta.label, 0)
    return deleted
