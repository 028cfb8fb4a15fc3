"""Pseudonyms are published: they pass the personal-data checks and cannot imitate another one (issue 13)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import delete_account
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save_profile(user: User, pseudonym: str) -> str:
    """Post the profile form in French; the page's text when it is shown again, "" after a redirect."""
    response = client_for(user).post(
        PROFILE, {"pseudonym": pseudonym, "attribution_opt_in": "on"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    return "" if response.status_code == 302 else response.content.decode()


@pytest.mark.parametrize(
    "lookalike",
    ["Alice", "alice", "ALICE", "Alice\u200b", "Al\u00adice", "\u0410lice", "Аlicе", "AIice", " Alice "],
    ids=["same", "lowercase", "capitals", "zero-width space", "soft hyphen", "Cyrillic A", "Cyrillic a and e",
         "capital i for l", "spaces"],
)  # fmt: skip
def test_a_lookalike_of_a_taken_pseudonym_is_refused_on_the_profile_page(lookalike):
    make_user(pseudonym="Alice")
    someone = make_user()

    page = save_profile(someone, lookalike)

    assert "déjà pris" in page
    assert User.objects.get(pk=someone.pk).pseudonym == ""


def test_keeping_ones_own_pseudonym_is_not_a_collision():
    alice = make_user(pseudonym="Alice")

    assert save_profile(alice, "alice") == ""
    assert User.objects.get(pk=alice.pk).pseudonym == "alice"


@pytest.mark.parametrize(
    "pseudonym",
    ["chloe.martin@gmail.com", "chloe.martin (at) gmail (dot) com", "06 12 34 56 78", "O6/12/34/56/78"],
)
def test_a_pseudonym_that_is_personal_data_is_refused(pseudonym):
    someone = make_user()

    page = save_profile(someone, pseudonym)

    assert "données personnelles" in page
    assert User.objects.get(pk=someone.pk).pseudonym == ""


def test_a_pseudonym_with_a_direction_control_is_refused():
    someone = make_user()

    page = save_profile(someone, "\u202eecilA")

    assert "changent le sens" in page
    assert User.objects.get(pk=someone.pk).pseudonym == ""


def test_a_pseudonym_is_stored_normalised_with_its_key():
    someone = make_user()

    save_profile(someone, "  Cle\u0301mence\u200b ")

    stored = User.objects.get(pk=someone.pk)
    assert stored.pseudonym == "Clémence"
    assert stored.pseudonym_key == "clémence"


def test_the_admin_refuses_a_lookalike_pseudonym():
    make_user(pseudonym="Alice")
    admin = make_user(username="admin", is_staff=True, is_superuser=True)
    someone = make_user()
    url = reverse("admin:accounts_user_change", args=[someone.pk])
    client = client_for(admin)
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        username=someone.username,
        pseudonym="\u0410lice",
        date_joined_0="2026-01-01",
        date_joined_1="10:00:00",
        review_domains="[]",
        review_levels="[]",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")

    assert "déjà pris" in response.content.decode()
    assert User.objects.get(pk=someone.pk).pseudonym == ""


def test_the_database_refuses_two_lookalike_pseudonyms_however_they_are_written():
    make_user(pseudonym="Alice")

    with pytest.raises(IntegrityError):
        make_user(pseudonym="\u0410lice")


def test_a_deleted_account_frees_its_pseudonym():
    alice = make_user(pseudonym="Alice")
    delete_account(user=alice)

    assert save_profile(make_user(), "Alice") == ""


def test_the_migration_fills_keys_and_empties_refused_pseudonyms():
    migration = import_module("accounts.migrations.0004_fill_pseudonym_key")
    first = make_user(pseudonym="Alice", attribution_opt_in=True)
    lookalike = make_user(attribution_opt_in=True)
    leaking = make_user(attribution_opt_in=True)
    # As the rows were before the migration: no key, and nothing refused them.
    User.objects.filter(pk=lookalike.pk).update(pseudonym="Alice\u200b")
    User.objects.filter(pk=leaking.pk).update(pseudonym="chloe.martin@gmail.com")
    User.objects.update(pseudonym_key="")

    migration.fill_pseudonym_keys(apps, None)

    assert User.objects.get(pk=first.pk).pseudonym_key == "alice"
    for refused in (lookalike, leaking):
        row = User.objects.get(pk=refused.pk)
        assert (row.pseudonym, row.attribution_opt_in) == ("", False)
