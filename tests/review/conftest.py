import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Tests create many users; real password hashing would dominate their run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Counters and the leaderboard are cached for a few seconds; each test starts from the database.
    cache.clear()
    yield
    cache.clear()
