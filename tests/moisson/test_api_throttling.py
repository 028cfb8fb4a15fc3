import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from collect.models import Status
from tests.factories import hand_out, make_pair, pair_text

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:collect_api:pairs-list")


@pytest.fixture
def rates(monkeypatch):
    """Throttle classes read their rates once, at import: patch the dict they hold, not the settings."""

    def set_rate(scope: str, rate: str) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


def test_writing_pairs_beyond_the_scoped_rate_is_answered_429(contributor_api, rates):
    rates("pairs-write", "2/minute")
    for _ in range(2):
        assert contributor_api.post(LIST_URL, pair_text(), format="json").status_code == 201
    response = contributor_api.post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_reading_pairs_does_not_use_the_writing_allowance(contributor_api, rates):
    rates("pairs-write", "1/minute")
    for _ in range(3):
        contributor_api.get(LIST_URL, {"mine": 1})
    assert contributor_api.post(LIST_URL, pair_text(), format="json").status_code == 201


def test_anonymous_readers_are_throttled(anonymous_api, rates):
    rates("anon", "2/minute")
    statuses = [anonymous_api.get(LIST_URL).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_guessing_passwords_is_throttled(anonymous_api, rates):
    rates("auth", "2/minute")
    url = reverse("api:accounts_api:token")
    statuses = [
        anonymous_api.post(url, {"username": "x", "password": "y"}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_voting_beyond_the_scoped_rate_is_answered_429(other_api, other_contributor, contributor, rates):
    rates("votes", "1/minute")
    url = reverse("api:review_api:reviews")
    first, second = (make_pair(author=contributor, status=Status.PENDING) for _ in range(2))
    for pair in (first, second):
        hand_out(pair, other_contributor)
    vote = {"revision": 1, "verdict": "approve", "correctness": 4, "fluency": 4}
    assert other_api.post(url, vote | {"pair": str(first.pk)}, format="json").status_code == 201
    assert other_api.post(url, vote | {"pair": str(second.pk)}, format="json").status_code == 429
