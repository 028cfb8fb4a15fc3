from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from export.models import Release, ReleaseState

pytestmark = pytest.mark.django_db


def test_releases_are_listed_in_the_admin(admin_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)

    response = admin_client.get(reverse("admin:export_release_changelist"))

    assert response.status_code == 200
    assert "v1.0.0" in response.content.decode()


def test_a_failed_release_is_started_again_from_the_admin(
    admin_client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    release = Release.objects.create(version="v1.0.0", state=ReleaseState.FAILED, error="Disk full")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            reverse("admin:export_release_changelist"),
            {"action": "start_again", "_selected_action": [release.pk]},
        )

    release.refresh_from_db()
    assert release.state == ReleaseState.QUEUED
    assert len(callbacks) == 1


def test_releases_cannot_be_added_in_the_admin(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:export_release_add")).status_code == 403


def test_staff_without_the_release_permission_cannot_start_a_release_again(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    staff = make_user(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_release"))
    client = Client()
    client.force_login(staff)
    release = Release.objects.create(version="v1.0.0", state=ReleaseState.FAILED, error="Disk full")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            reverse("admin:export_release_changelist"),
            {"action": "start_again", "_selected_action": [release.pk]},
        )

    release.refresh_from_db()
    assert release.state == ReleaseState.FAILED
    assert callbacks == []
