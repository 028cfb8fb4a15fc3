from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.factories import make_moderator, make_user

# Fixtures any test may ask for, declared once here rather than imported into conftests (pytest reads
# `pytest_plugins` only in the root conftest).
pytest_plugins = ["tests.fixtures.api", "tests.fixtures.browser", "tests.fixtures.errors"]


@pytest.fixture(autouse=True, scope="session")
def _fast_passwords() -> Iterator[None]:
    """Real password hashing would dominate the suite's run time; no test here measures hashing.

    Once for the session rather than per test, so that it also holds for data a module creates once.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# What WhiteNoise's listing of the static files depends on, besides its own WHITENOISE_* settings.
STATIC_FILES_SETTINGS = (
    "DEBUG",
    "INSTALLED_APPS",
    "STATIC_URL",
    "STATIC_ROOT",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "FORCE_SCRIPT_NAME",
)


@pytest.fixture(autouse=True, scope="session")
def _static_files_listed_once() -> Iterator[None]:
    """Each test client builds its own middleware chain, and WhiteNoise (WHITENOISE_USE_FINDERS) then lists
    and stats every static file of every app: about 15 ms a client, for hundreds of clients a run. The
    files do not change during a run, so they are listed once per static configuration and each client
    gets the same entries, as every request of a long-running server process does."""
    listings: dict[str, dict] = {}
    list_from_finders = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_listed_once(middleware: WhiteNoiseMiddleware) -> None:
        names = sorted(
            {*STATIC_FILES_SETTINGS, *(name for name in dir(settings) if name.startswith("WHITENOISE_"))}
        )
        key = repr([(name, getattr(settings, name, None)) for name in names])
        if key not in listings:
            files, middleware.files = middleware.files, {}
            list_from_finders(middleware)
            listings[key], middleware.files = middleware.files, files
        middleware.files.update(listings[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoiseMiddleware, "add_files_from_finders", add_files_listed_once)
        yield


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language. A request through the test client leaves the language it
    chose (LocaleMiddleware) active in the thread, so a message translated outside a request would else
    depend on which test ran before."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
