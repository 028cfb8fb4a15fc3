import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User


def api_client(user: User | None = None) -> APIClient:
    """A client as an API tool would be: authenticated by token, or anonymous."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous_api(db) -> APIClient:
    return api_client()


@pytest.fixture
def contributor_api(contributor) -> APIClient:
    return api_client(contributor)


@pytest.fixture
def other_api(other_contributor) -> APIClient:
    return api_client(other_contributor)


@pytest.fixture
def moderator_api(moderator) -> APIClient:
    return api_client(moderator)
