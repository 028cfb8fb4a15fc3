"""One moderator check, `User.is_moderator` (an active, unsuspended account with the permission), used by
the decorators, the API, review.services and the release permission; computed once per user object."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from collect.models import Status
from export.services import can_start_release
from review.services import NotAllowed, decide_pair
from tests.factories import make_moderator, make_pair
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db


def suspended_moderator() -> User:
    moderator = make_moderator()
    User.objects.filter(pk=moderator.pk).update(suspended_at=timezone.now())
    return User.objects.get(pk=moderator.pk)


def test_a_moderator_is_a_moderator():
    assert make_moderator().is_moderator


def test_the_moderator_check_is_computed_once_per_user_object():
    moderator = User.objects.get(pk=make_moderator().pk)
    with CaptureQueriesContext(connection) as first:
        assert moderator.is_moderator
    with CaptureQueriesContext(connection) as again:
        for _ in range(5):
            assert moderator.is_moderator
    assert len(first) >= 1
    assert len(again) == 0


def test_a_suspended_moderator_is_not_a_moderator_anywhere(client):
    moderator = suspended_moderator()
    assert not moderator.is_moderator
    assert not can_start_release(moderator)
    with pytest.raises(NotAllowed):
        decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action="validate")
    assert api_client(moderator).get(reverse("api:review_api:moderation-queue")).status_code == 403
    client.force_login(moderator)
    assert client.get(reverse("review:queue")).status_code == 403


def test_an_inactive_moderator_is_not_a_moderator():
    moderator = make_moderator()
    User.objects.filter(pk=moderator.pk).update(is_active=False)
    assert not User.objects.get(pk=moderator.pk).is_moderator
