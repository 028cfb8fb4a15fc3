"""Reading pairs through the API loads what the answer shows, in a fixed number of queries (issue 14)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collect.models import Pair, Revision, Status
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:collect_api:pairs-list")
FINDING = {"code": "near_duplicate", "field": "question", "level": "warning", "message": "Proche"}


def with_warning(pair: Pair) -> Pair:
    Revision.objects.filter(pk=pair.current_revision_id).update(findings=[FINDING])
    return pair


def queries_of(client, url: str, **params: object) -> list[str]:
    """The SQL of a second request: the first one also caches the caller's permissions."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_list_page_loads_neither_the_minhash_nor_the_authors_account(anonymous_api):
    make_pair(status=Status.VALIDATED, author=make_user(pseudonym="Plume", attribution_opt_in=True))
    sql = " ".join(queries_of(anonymous_api, LIST_URL))
    assert "minhash" not in sql
    assert "password" not in sql


def test_my_pairs_with_their_warnings_cost_the_same_queries_for_one_or_many(contributor_api, contributor):
    with_warning(make_pair(author=contributor))
    one = queries_of(contributor_api, LIST_URL, mine=1)
    for status in [Status.PENDING, Status.VALIDATED, Status.DRAFT, Status.PENDING]:
        pair = make_pair(author=contributor, status=status)
        if pair.current_revision_id:
            with_warning(pair)
    many = queries_of(contributor_api, LIST_URL, mine=1)
    assert len(many) == len(one)


def test_reading_ones_pair_with_its_warnings_is_one_query_besides_the_token(contributor_api, contributor):
    pair = with_warning(make_pair(author=contributor))
    url = reverse("api:collect_api:pairs-detail", kwargs={"pk": pair.pk})
    queries = queries_of(contributor_api, url)
    assert len(queries) == 2
    assert contributor_api.get(url).json()["warnings"] == [FINDING]


def test_reading_a_credited_pair_is_one_query(anonymous_api):
    pair = make_pair(status=Status.VALIDATED, author=make_user(pseudonym="Plume", attribution_opt_in=True))
    url = reverse("api:collect_api:pairs-detail", kwargs={"pk": pair.pk})
    assert len(queries_of(anonymous_api, url)) == 1
    assert anonymous_api.get(url).json()["author"] == "Plume"
