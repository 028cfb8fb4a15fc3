import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from collect.models import Pair, Status
from tests.factories import pair_text

pytestmark = pytest.mark.django_db


def test_sign_up_verify_accept_licence_and_write_a_first_pair(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nouvelle@example.org",
            "username": "nouvelle",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", mail.outbox[0].body).group(0)
    confirm_path = link.split("testserver", 1)[1]
    client.post(confirm_path)
    response = client.post(
        reverse("account_login"), {"login": "nouvelle", "password": "un-mot-de-passe-solide-42"}
    )
    assert response["Location"] == reverse("accounts:terms")
    client.post(reverse("accounts:terms"), {"accept_charter": "on", "accept_license": "on"})
    user = User.objects.get(username="nouvelle")
    assert user.has_accepted_terms
    assert user.terms_license == "CC-BY-4.0"
    data = pair_text() | {"accept_license": "on", "declaration": "on", "action": "submit"}
    client.post(reverse("collect:write"), data)
    assert Pair.objects.get(author=user).status == Status.PENDING


def test_unverified_account_cannot_log_in(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "pasverifiee@example.org",
            "username": "pasverifiee",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    client.logout()
    client.post(reverse("account_login"), {"login": "pasverifiee", "password": "un-mot-de-passe-solide-42"})
    assert client.get(reverse("collect:write")).status_code == 302


def test_profile_requires_a_pseudonym_for_attribution(contributor_client, contributor):
    response = contributor_client.post(
        reverse("accounts:profile"), {"pseudonym": "", "attribution_opt_in": "on"}
    )
    assert response.status_code == 200
    contributor.refresh_from_db()
    assert not contributor.attribution_opt_in


def test_moderators_group_has_the_moderation_permission(moderator, contributor):
    assert moderator.is_moderator
    assert not contributor.is_moderator


def test_password_reset_sends_an_email(client, contributor):
    response = client.post(reverse("account_reset_password"), {"email": contributor.email})
    assert response.status_code == 302
    assert contributor.email in mail.outbox[0].to


def test_terms_page_refuses_a_partial_acceptance():
    user = User.objects.create_user(username="hesitante", email="h@example.org", password="x-long-enough-1")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:terms"), {"accept_charter": "on"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.has_accepted_terms
