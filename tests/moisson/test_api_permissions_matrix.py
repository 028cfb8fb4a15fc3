"""Every endpoint, called by every role, answers exactly the status code the rules give it.

The world: "contributor" (alice) owns a draft, a pending and a validated pair; "other contributor" (bruno)
and "moderator" (modo) own nothing. Each row names an endpoint and the status each role gets.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from collect.models import Pair, Status
from export.models import Release, ReleaseState
from tests.factories import hand_out, make_moderator, make_pair, make_user, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
CONTRIBUTOR = "contributor"
OTHER = "other contributor"
MODERATOR = "moderator"
ROLES = [ANONYMOUS, CONTRIBUTOR, OTHER, MODERATOR]


@dataclass
class World:
    users: dict
    pairs: dict[str, Pair]

    def client(self, role: str) -> APIClient:
        return api_client(self.users.get(role))


# The primary keys of the world's users by role and of its pairs by status.
WorldIds = tuple[dict[str, int], dict[str, uuid.UUID]]


@pytest.fixture(scope="module")
def world_ids(django_db_setup: None, django_db_blocker) -> Iterator[WorldIds]:
    """The world's rows, written once for the module's calls rather than once per call.

    Each call runs in its own savepoint inside this transaction, rolled back after it, so it still finds
    the world as written; the transaction itself is rolled back once the module is done.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        contributor = make_user(username="alice", email_verified=True)
        users = {
            CONTRIBUTOR: contributor,
            OTHER: make_user(username="bruno", email_verified=True),
            MODERATOR: make_moderator(username="modo", email_verified=True),
        }
        pairs = {status: make_pair(author=contributor, status=status) for status in Status.values}
        Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
        yield (
            {role: user.pk for role, user in users.items()},
            {status: pair.pk for status, pair in pairs.items()},
        )
        transaction.set_rollback(True)


@pytest.fixture
def world(db: None, world_ids: WorldIds) -> World:
    """The world read afresh for each call: nothing a call changed in memory reaches the next one."""
    user_ids, pair_ids = world_ids
    users = {role: User.objects.get(pk=pk) for role, pk in user_ids.items()}
    pairs = {status: Pair.objects.get(pk=pk) for status, pk in pair_ids.items()}
    return World(users=users, pairs=pairs)


@dataclass(frozen=True)
class Call:
    method: str
    url: Callable[[World], str]
    body: Callable[[World, str], dict] | None = None


def pairs_url(**query: str) -> Callable[[World], str]:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return lambda world: reverse("api:collect_api:pairs-list") + suffix


def pair_url(status: str, name: str = "collect_api:pairs-detail") -> Callable[[World], str]:
    return lambda world: reverse(f"api:{name}", kwargs={"pk": world.pairs[status].pk})


def fixed_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(name)


def new_pair(world: World, role: str) -> dict:
    return pair_text()


def own_credentials(world: World, role: str) -> dict:
    user = world.users.get(role)
    return {"username": user.username if user else "personne", "password": "demo-moisson"}


def vote_on(status: str, *, handed: bool = False) -> Callable[[World, str], dict]:
    """A vote on the pair in `status`; `handed`: the pair was first handed to the caller, as the next pair
    endpoint does (a vote counts only for a pair handed out)."""

    def body(world: World, role: str) -> dict:
        pair = world.pairs[status]
        user = world.users.get(role)
        if handed and user is not None and user != pair.author:
            hand_out(pair, user)
        return {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": 4, "fluency": 4}

    return body


def name_pair(status: str) -> Callable[[World, str], dict]:
    return lambda world, role: {"pair": str(world.pairs[status].pk)}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


ENDPOINTS: list[tuple[str, Call, dict[str, int]]] = [
    # Authentication
    (
        "POST auth/token with one's own credentials",
        Call("post", fixed_url("api:accounts_api:token"), own_credentials),
        {ANONYMOUS: 400, CONTRIBUTOR: 200, OTHER: 200, MODERATOR: 200},
    ),
    # Pairs
    ("GET pairs", Call("get", pairs_url()), everyone(200)),
    ("GET pairs?status=validated", Call("get", pairs_url(status="validated")), everyone(200)),
    (
        "GET pairs?mine=1",
        Call("get", pairs_url(mine="1")),
        {ANONYMOUS: 401, CONTRIBUTOR: 200, OTHER: 200, MODERATOR: 200},
    ),
    (
        "POST pairs",
        Call("post", pairs_url(), new_pair),
        {ANONYMOUS: 401, CONTRIBUTOR: 201, OTHER: 201, MODERATOR: 201},
    ),
    (
        "GET a draft pair",
        Call("get", pair_url(Status.DRAFT)),
        {ANONYMOUS: 404, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 404},
    ),
    (
        "GET a pending pair",
        Call("get", pair_url(Status.PENDING)),
        {ANONYMOUS: 404, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 200},
    ),
    ("GET a validated pair", Call("get", pair_url(Status.VALIDATED)), everyone(200)),
    (
        "GET a rejected pair",
        Call("get", pair_url(Status.REJECTED)),
        {ANONYMOUS: 404, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 200},
    ),
    (
        "PATCH a draft pair",
        Call("patch", pair_url(Status.DRAFT), lambda world, role: {"draft": True}),
        {ANONYMOUS: 401, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 404},
    ),
    (
        "PATCH a pending pair",
        Call("patch", pair_url(Status.PENDING), lambda world, role: {"level": "adulte"}),
        {ANONYMOUS: 401, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 403},
    ),
    (
        "PATCH a validated pair",
        Call("patch", pair_url(Status.VALIDATED), lambda world, role: {"level": "adulte"}),
        {ANONYMOUS: 401, CONTRIBUTOR: 409, OTHER: 403, MODERATOR: 403},
    ),
    (
        "PUT a pending pair",
        Call("put", pair_url(Status.PENDING), new_pair),
        {ANONYMOUS: 401, CONTRIBUTOR: 405, OTHER: 405, MODERATOR: 405},
    ),
    (
        "DELETE a pending pair",
        Call("delete", pair_url(Status.PENDING)),
        {ANONYMOUS: 401, CONTRIBUTOR: 405, OTHER: 405, MODERATOR: 405},
    ),
    (
        "POST withdraw a pending pair",
        Call("post", pair_url(Status.PENDING, "collect_api:pairs-withdraw")),
        {ANONYMOUS: 401, CONTRIBUTOR: 200, OTHER: 404, MODERATOR: 403},
    ),
    (
        "POST withdraw a validated pair",
        Call("post", pair_url(Status.VALIDATED, "collect_api:pairs-withdraw")),
        {ANONYMOUS: 401, CONTRIBUTOR: 409, OTHER: 403, MODERATOR: 403},
    ),
    (
        "GET withdraw (wrong method)",
        Call("get", pair_url(Status.PENDING, "collect_api:pairs-withdraw")),
        everyone(405),
    ),
    # Review
    (
        "GET review/next",
        Call("get", fixed_url("api:review_api:next")),
        {ANONYMOUS: 401, CONTRIBUTOR: 204, OTHER: 200, MODERATOR: 200},
    ),
    (
        "POST review/next/skip a pending pair",
        Call("post", fixed_url("api:review_api:skip"), name_pair(Status.PENDING)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 204, MODERATOR: 204},
    ),
    (
        "POST review/next/skip a validated pair",
        Call("post", fixed_url("api:review_api:skip"), name_pair(Status.VALIDATED)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 400, MODERATOR: 400},
    ),
    (
        "POST reviews on a pending pair handed to the caller",
        Call("post", fixed_url("api:review_api:reviews"), vote_on(Status.PENDING, handed=True)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 201, MODERATOR: 201},
    ),
    (
        "POST reviews on a pending pair not handed to the caller",
        Call("post", fixed_url("api:review_api:reviews"), vote_on(Status.PENDING)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 409, MODERATOR: 409},
    ),
    (
        "POST reviews on a validated pair",
        Call("post", fixed_url("api:review_api:reviews"), vote_on(Status.VALIDATED)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 409, MODERATOR: 409},
    ),
    (
        "POST reviews on a draft",
        Call("post", fixed_url("api:review_api:reviews"), vote_on(Status.DRAFT)),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 400, MODERATOR: 400},
    ),
    (
        "GET reviews (wrong method)",
        Call("get", fixed_url("api:review_api:reviews")),
        {ANONYMOUS: 401, CONTRIBUTOR: 405, OTHER: 405, MODERATOR: 405},
    ),
    (
        "POST report a validated pair",
        Call(
            "post", pair_url(Status.VALIDATED, "review_api:report"), lambda world, role: {"reason": "Faux."}
        ),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 201, MODERATOR: 201},
    ),
    (
        "POST report a draft",
        Call("post", pair_url(Status.DRAFT, "review_api:report"), lambda world, role: {"reason": "Faux."}),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 404, MODERATOR: 404},
    ),
    # Moderation
    (
        "GET moderation/queue",
        Call("get", fixed_url("api:review_api:moderation-queue")),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 403, MODERATOR: 200},
    ),
    (
        "POST decide a disputed pair",
        Call(
            "post",
            pair_url(Status.DISPUTED, "review_api:decide"),
            lambda world, role: {"action": "validate", "reason": "Correct."},
        ),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 403, MODERATOR: 200},
    ),
    (
        "POST decide a draft",
        Call("post", pair_url(Status.DRAFT, "review_api:decide"), lambda world, role: {"action": "validate"}),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 403, MODERATOR: 404},
    ),
    # Releases (the export app's endpoints)
    ("GET releases", Call("get", fixed_url("api:export_api:release-list")), everyone(200)),
    (
        "GET a release",
        Call("get", lambda world: reverse("api:export_api:release-detail", kwargs={"version": "v1.0.0"})),
        everyone(200),
    ),
    (
        "POST releases",
        Call("post", fixed_url("api:export_api:release-list"), lambda world, role: {}),
        {ANONYMOUS: 401, CONTRIBUTOR: 403, OTHER: 403, MODERATOR: 202},
    ),
    # Statistics, schema, documentation
    ("GET stats", Call("get", fixed_url("api:collect_api:stats")), everyone(200)),
    ("POST stats (wrong method)", Call("post", fixed_url("api:collect_api:stats")), everyone(405)),
    ("GET schema", Call("get", fixed_url("api:schema")), everyone(200)),
    ("GET docs", Call("get", fixed_url("api:docs")), everyone(200)),
]

MATRIX = [
    pytest.param(call, role, expected[role], id=f"{label} | {role}")
    for label, call, expected in ENDPOINTS
    for role in ROLES
]


@pytest.mark.parametrize(("call", "role", "expected"), MATRIX)
def test_each_role_gets_the_status_the_rules_give_it(world, call, role, expected):
    client = world.client(role)
    body = call.body(world, role) if call.body else None
    response = getattr(client, call.method)(call.url(world), body, format="json")
    assert response.status_code == expected, response.content[:300]
