"""Accounts whose e-mail address is never confirmed are deleted after MOISSON_UNCONFIRMED_ACCOUNT_DAYS, with
their address: a mistyped or made-up address is not kept, its username is free again, and it leaves the
waves' line (accounts.services.delete_unconfirmed_accounts, every hour through Celery beat)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from accounts import services, tasks, waves
from accounts.models import User
from collect.importing import import_account
from moisson.celery import app
from tests.factories import make_moderator, make_user
from tests.fixtures import signup

pytestmark = pytest.mark.django_db


def sign_up(username: str, *, days_ago: float = 0, invitation: str = "") -> User:
    """An account made by the sign-up form `days_ago` days ago, its address never confirmed."""
    signup.sign_up(username, invitation=invitation)
    User.objects.filter(username=username).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return User.objects.get(username=username)


def test_an_address_never_confirmed_is_deleted_with_its_account_after_the_delay() -> None:
    sign_up("faute-de-frappe", days_ago=8)

    assert services.delete_unconfirmed_accounts() == 1

    assert not User.objects.filter(username="faute-de-frappe").exists()
    assert not EmailAddress.objects.filter(email="faute-de-frappe@example.org").exists()
    # The username is free again: the person can sign up with the right address.
    sign_up("faute-de-frappe")
    assert User.objects.filter(username="faute-de-frappe").exists()


def test_what_is_not_deleted() -> None:
    sign_up("recent", days_ago=6)
    confirmed = sign_up("confirmed", days_ago=30)
    confirmed.emailaddress_set.update(verified=True)
    signed_in = sign_up("signed-in", days_ago=30)
    signed_in.emailaddress_set.update(verified=True)
    User.objects.filter(pk=signed_in.pk).update(last_login=timezone.now())
    staff = sign_up("staff", days_ago=30)
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    made_in_the_admin = make_user(username="made-in-the-admin")  # no address row at all
    User.objects.filter(pk=made_in_the_admin.pk).update(date_joined=timezone.now() - timedelta(days=30))
    importer = import_account(source="Wikipédia")
    User.objects.filter(pk=importer.pk).update(date_joined=timezone.now() - timedelta(days=30))

    assert services.delete_unconfirmed_accounts() == 0

    assert User.objects.count() == 6


def test_a_delay_of_zero_deletes_nothing(settings: Settings) -> None:
    settings.MOISSON_UNCONFIRMED_ACCOUNT_DAYS = 0
    sign_up("ancien", days_ago=365)

    assert services.delete_unconfirmed_accounts() == 0
    assert User.objects.filter(username="ancien").exists()


def test_a_flood_of_made_up_sign_ups_is_deleted_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_UNCONFIRMED_CHUNK", 3)
    for number in range(8):
        sign_up(f"robot{number}", days_ago=10)
    sign_up("personne", days_ago=10).emailaddress_set.update(verified=True)

    assert services.delete_unconfirmed_accounts() == 8

    assert list(User.objects.values_list("username", flat=True)) == ["personne"]


def test_deleted_accounts_leave_the_waves_line_and_spend_no_invitation(settings: Settings) -> None:
    settings.MOISSON_SIGNUP_WAVE_SIZE = 2
    invitation = waves.create_invitation(by=make_moderator(), label="Classe", max_uses=3)
    sign_up("robot", days_ago=10)
    sign_up("eleve-faute", days_ago=10, invitation=invitation.code)
    assert waves.unconfirmed_count() == 2

    services.delete_unconfirmed_accounts()

    invitation.refresh_from_db()
    assert waves.unconfirmed_count() == 0
    assert invitation.uses == 0


def test_celery_beat_runs_the_deletion_every_hour() -> None:
    entries = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "accounts.tasks.delete_unconfirmed_accounts"
    ]
    sign_up("oubli", days_ago=8)

    assert [entry["schedule"] for entry in entries] == [3600]
    assert "accounts.tasks.delete_unconfirmed_accounts" in app.tasks
    assert tasks.delete_unconfirmed_accounts.apply().get() == 1
    assert not User.objects.filter(username="oubli").exists()
