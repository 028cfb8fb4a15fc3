import os

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory
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


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"),
    reason="needs CACHE_URL set to a Redis server: several workers share their counts there (see .ci/run)",
)
def test_two_workers_counting_the_same_person_at_once_both_count(rates, contributor):
    # Issue 14: DRF's throttles read the person's recent requests from the cache, then wrote them back; a
    # second worker counting in between saw the same history, and one of the two writes erased the other.
    rates("user", "1/minute")
    throttle = next(kind for kind in api_settings.DEFAULT_THROTTLE_CLASSES if kind.scope == "user")
    request = Request(APIRequestFactory().get(LIST_URL))
    request.user = contributor
    backend = caches["default"]
    verdicts = []

    def read_then_the_other_worker_counts(*args: object, **kwargs: object) -> object:
        del backend.get  # once: the class's own again
        history = backend.get(*args, **kwargs)
        verdicts.append(throttle().allow_request(request, None))
        return history

    backend.get = read_then_the_other_worker_counts
    try:
        verdicts.append(throttle().allow_request(request, None))
    finally:
        vars(backend).pop("get", None)
    if len(verdicts) == 1:  # counted in one step, without reading first: the other worker counts after
        verdicts.append(throttle().allow_request(request, None))
    assert sorted(verdicts) == [False, True]


def test_a_refused_request_is_told_when_to_try_again(contributor_api, rates):
    rates("pairs-write", "1/minute")
    assert contributor_api.post(LIST_URL, pair_text(), format="json").status_code == 201
    response = contributor_api.post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
