import pytest
from django.test import Client

from tests.factories import make_moderator, make_user


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
