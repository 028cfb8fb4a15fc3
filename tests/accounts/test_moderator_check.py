"""One moderator check, `User.is_moderator` (an active, unsuspended account with the permission), used by
the decorators, the API, review.services and the release permission; computed once per user object."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from accounts.services import moderators_group
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


# The permissions are kept in the shared cache; every change of what they come from drops them at once.


def fresh(user: User) -> User:
    """The account as the next request loads it."""
    return User.objects.get(pk=user.pk)


def permission_queries(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "auth_permission" in query["sql"]]


def test_a_signed_in_page_asks_the_database_for_permissions_only_once(contributor_client):
    contributor_client.get(reverse("collect:mine"))
    with CaptureQueriesContext(connection) as queries:
        assert contributor_client.get(reverse("collect:mine")).status_code == 200
    assert permission_queries(queries) == []


def test_naming_and_removing_a_moderator_take_effect_at_the_next_request(contributor):
    assert not fresh(contributor).is_moderator
    contributor.groups.add(moderators_group())
    assert fresh(contributor).is_moderator
    contributor.groups.remove(moderators_group())
    assert not fresh(contributor).is_moderator
    moderators_group().user_set.add(contributor)
    assert fresh(contributor).is_moderator
    contributor.groups.clear()
    assert not fresh(contributor).is_moderator


def test_emptying_the_moderators_group_from_its_side_takes_effect_at_once(contributor):
    moderator = make_moderator()
    assert fresh(moderator).is_moderator
    moderators_group().user_set.clear()
    assert not fresh(moderator).is_moderator


def test_editing_or_deleting_the_group_takes_effect_for_its_members():
    moderator = make_moderator()
    assert fresh(moderator).is_moderator
    permission = Permission.objects.get(codename="moderate")
    moderators_group().permissions.remove(permission)
    assert not fresh(moderator).is_moderator
    permission.group_set.add(moderators_group())
    assert fresh(moderator).is_moderator
    moderators_group().delete()
    assert not fresh(moderator).is_moderator


def test_a_superuser_flag_takes_effect_at_once(contributor):
    assert not fresh(contributor).is_moderator
    contributor.is_superuser = True
    contributor.save()
    assert fresh(contributor).is_moderator


class CountingCache:
    """The shared cache, counting its reads."""

    def __init__(self, cache: object) -> None:
        self.cache = cache
        self.reads = 0

    def get(self, *args: object, **kwargs: object) -> object:
        self.reads += 1
        return self.cache.get(*args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self.cache, name)


def test_several_roles_asked_of_one_user_object_read_the_cache_once(monkeypatch):
    moderator = make_moderator()
    assert fresh(moderator).is_moderator  # the set is now in the shared cache
    counting = CountingCache(permissions.cache)
    monkeypatch.setattr(permissions, "cache", counting)
    user = fresh(moderator)

    assert user.is_moderator
    assert user.may("start_release")

    assert counting.reads == 1
