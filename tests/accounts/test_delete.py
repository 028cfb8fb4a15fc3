import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import User
from collect.models import Pair, Status
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db


def test_deleting_an_account_erases_personal_data_and_keeps_pairs_unattributed():
    user = make_user(username="partante", pseudonym="Partante", attribution_opt_in=True, email_verified=True)
    pair = make_pair(author=user, status=Status.VALIDATED)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": "demo-moisson"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == ""
    assert user.pseudonym == ""
    assert not user.is_active
    assert user.public_name is None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert Pair.objects.get(pk=pair.pk).status == Status.VALIDATED


def test_deleting_an_account_needs_the_password(contributor_client, contributor):
    response = contributor_client.post(reverse("accounts:delete"), {"password": "pas-le-bon"})
    assert response.status_code == 200
    assert User.objects.get(pk=contributor.pk).is_active


def test_deleted_account_is_signed_out(contributor_client):
    contributor_client.post(reverse("accounts:delete"), {"password": "demo-moisson"})
    assert contributor_client.get(reverse("collect:write")).status_code == 302


def test_anonymous_visitor_cannot_reach_account_deletion(client):
    assert client.get(reverse("accounts:delete")).status_code == 302
