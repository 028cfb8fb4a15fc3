from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import make_moderator, make_user

# Fixtures any test may ask for, declared once here rather than imported into conftests (pytest reads
# `pytest_plugins` only in the root conftest).
pytest_plugins = ["tests.fixtures.api", "tests.fixtures.browser"]


@pytest.fixture(autouse=True, scope="session")
def _fast_passwords() -> Iterator[None]:
    """Real password hashing would dominate the suite's run time; no test here measures hashing.

    Once for the session rather than per test, so that it also holds for data a module creates once.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles, counters and the leaderboard live in the cache: each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contributor(db):
    return make_user(username="alice")


@pytest.fixture
def other_contributor(db):
    return make_user(username="bruno")


@pytest.fixture
def moderator(db):
    return make_moderator(username="modo")


@pytest.fixture
def contributor_client(contributor) -> Client:
    client = Client()
    client.force_login(contributor)
    return client


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client
