"""The permissions an account holds, kept in the shared cache.

Every signed-in page asks whether the person is a moderator (the menu shows the moderation link), which
Django answers with two queries (the account's own permissions, its groups' permissions). Permissions
change only when someone is named or removed as moderator, or a group's permissions are edited: the
signals below drop the cached set at that moment, in every worker since the cache is shared (Redis in
production). Without `CACHE_URL`, each process has its own memory and the signals reach only the process
that made the change: the sets are then kept 10 seconds, which bounds how long another worker may still
treat a removed moderator as one. With a shared cache, the time-out only bounds what an edit made outside
Django (raw SQL) could leave stale.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

SHARED_TIMEOUT = 10 * 60
LOCAL_TIMEOUT = 10


# Where permission_names() keeps the set on the user object it was asked about.
MEMO = "_moisson_permission_names"


def _key(user_id: int) -> str:
    return f"permissions:{user_id}"


def permission_names(user) -> frozenset[str]:  # noqa: ANN001 - accounts.models.User (imports this module)
    """`app_label.codename` of every permission `user` holds, directly or through its groups.

    Read once per user object, which Django's own permission checks already do (`_perm_cache`): one
    request asks for several roles (the menu's moderation link, the release button), and each cache read
    is a round trip to Redis. The next request loads a new user object, so a change still takes effect at
    the next request.
    """
    names = getattr(user, MEMO, None)
    if names is None:
        names = cache.get(_key(user.pk))
        if names is None:
            names = frozenset(user.get_all_permissions())
            cache.set(_key(user.pk), names, SHARED_TIMEOUT if settings.CACHE_URL else LOCAL_TIMEOUT)
        setattr(user, MEMO, names)
    return names


def forget(user_ids: Iterable[int]) -> None:
    cache.delete_many([_key(user_id) for user_id in user_ids])


def connect_signals(user_model: type) -> None:
    """Drop the cached sets whenever what they were computed from changes, from any door (admin, shell,
    services, migrations)."""
    post_save.connect(_user_saved, sender=user_model, weak=False)
    post_delete.connect(_user_saved, sender=user_model, weak=False)
    m2m_changed.connect(_user_links_changed, sender=user_model.groups.through, weak=False)
    m2m_changed.connect(_user_links_changed, sender=user_model.user_permissions.through, weak=False)
    m2m_changed.connect(_group_permissions_changed, sender=Group.permissions.through, weak=False)
    pre_delete.connect(_group_deleted, sender=Group, weak=False)


def _user_saved(*, instance: object, **kwargs: object) -> None:
    # A superuser holds every permission: the flag lives on the row.
    forget([instance.pk])


def _user_links_changed(
    *, instance: object, action: str, reverse: bool, pk_set: set | None, **kwargs
) -> None:
    if not reverse:  # user.groups.add(...) or .clear(): one account changed
        if action.startswith("post_"):
            forget([instance.pk])
    elif action == "pre_clear":  # group.user_set.clear(): the members are known only before
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
    elif action == "post_clear":
        forget(getattr(instance, "_members_before_clear", []))
    elif action.startswith("post_"):  # group.user_set.add(...): the listed accounts changed
        forget(pk_set or [])


def _group_permissions_changed(
    *, instance: object, action: str, reverse: bool, pk_set: set | None, **kwargs
) -> None:
    if not action.startswith("post_"):
        return
    groups = Group.objects.filter(pk__in=pk_set or []) if reverse else [instance]
    for group in groups:
        _forget_members(group)


def _group_deleted(*, instance: Group, **kwargs: object) -> None:
    _forget_members(instance)


def _forget_members(group: Group) -> None:
    forget(group.user_set.values_list("pk", flat=True))
