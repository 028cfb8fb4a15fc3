"""Property-based run of schemathesis against the API's own OpenAPI schema, in-process (WSGI).

Every operation of the schema gets generated requests (valid ones, then invalid ones), sent with a token as a
contributor and as a moderator; each answer must not be a server error and must match the schema for its
status code. The number of requests is printed.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from collect.models import Status
from review.services import report_pair
from tests.factories import make_pair, make_user

# About a minute of CPU per database on a slow machine: CI runs it once, on PostgreSQL.
pytestmark = [pytest.mark.django_db, pytest.mark.prefers_postgresql]

# Enough to reach every branch of our validation, small enough for the run to stay well under a minute.
EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, inside the test's transaction.

    Django closes the database connection at the start and end of each request; Django's own test client
    disconnects these handlers for the same reason: the test's transaction must survive the request.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def some_data(contributor, other_contributor):
    """Something to find: pairs in every state, someone else's pending pair to review, a reported pair."""
    for status in Status.values:
        make_pair(author=contributor, status=status)
        make_pair(author=other_contributor, status=status)
    report_pair(reporter=make_user(), pair=make_pair(status=Status.VALIDATED), reason="Réponse fausse.")


def exercise(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict) -> int:
    """Send generated requests to one operation and check each answer; return how many were sent."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        # Throttles would answer 429 to most of the run: this test is about everything else.
        cache.clear()
        sent += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters nor body (GET stats/) has nothing to break: no negative case.
        if mode is not GenerationMode.NEGATIVE:
            raise
    return sent


@pytest.mark.parametrize("role", ["contributor", "moderator"])
def test_generated_requests_get_no_server_error_and_answers_match_the_schema(
    wsgi_app, some_data, role, request, capsys
):
    token = Token.objects.create(user=request.getfixturevalue(role))
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    sent: dict[str, int] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent[operation.label] = sent.get(operation.label, 0) + exercise(operation, mode, headers)

    with capsys.disabled():
        print(f"\nschemathesis as {role}: {sum(sent.values())} requests over {len(sent)} operations")
        for label, count in sorted(sent.items()):
            print(f"  {count:4d}  {label}")
    assert len(sent) >= 15
