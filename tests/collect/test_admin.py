"""The pair admin is read-only: pairs change through the services, and the admin's actions call them with
their permissions (a new revision, the audit log, never a decision on one's own pair)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.services import moderators_group
from collect.models import Pair, Status
from review.models import AuditAction, AuditEntry
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:collect_pair_changelist")


def staff_client(*, moderator: bool) -> tuple[Client, object]:
    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_pair"))
    if moderator:
        user.groups.add(moderators_group())
    client = Client()
    client.force_login(user)
    return client, user


def run_action(client: Client, action: str, pair: Pair) -> None:
    client.post(CHANGELIST, {"action": action, "_selected_action": [str(pair.pk)]})


def test_the_pair_page_edits_nothing(admin_client):
    pair = make_pair()
    url = reverse("admin:collect_pair_change", args=[pair.pk])
    response = admin_client.post(url, {"status": Status.VALIDATED, "question": "Changée en douce ?"})
    pair.refresh_from_db()
    assert response.status_code == 403
    assert (pair.status, pair.question) == (Status.PENDING, pair.question)
    assert b'name="status"' not in admin_client.get(url).content


def test_pairs_cannot_be_added_nor_deleted_in_the_admin(admin_client):
    pair = make_pair()
    assert admin_client.get(reverse("admin:collect_pair_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:collect_pair_delete", args=[pair.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Pair.objects.filter(pk=pair.pk).exists()


def test_a_moderator_validates_from_the_admin_through_the_service():
    client, moderator = staff_client(moderator=True)
    pair = make_pair(status=Status.DISPUTED)
    run_action(client, "validate_pairs", pair)
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert AuditEntry.objects.get().action == AuditAction.VALIDATE


def test_staff_who_are_not_moderators_have_no_decision_in_the_admin():
    client, _user = staff_client(moderator=False)
    pair = make_pair(status=Status.DISPUTED)
    run_action(client, "validate_pairs", pair)
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED
    assert b"validate_pairs" not in client.get(CHANGELIST).content


def test_a_moderator_cannot_validate_their_own_pair_from_the_admin():
    client, moderator = staff_client(moderator=True)
    pair = make_pair(author=moderator, status=Status.DISPUTED)
    run_action(client, "validate_pairs", pair)
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED
    assert not AuditEntry.objects.exists()
