"""API lists are walked by cursor (issue 14): no COUNT over the table, no OFFSET, the same queries per page
whatever the size of the table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collect.models import Pair, Status
from tests.factories import make_pair, make_user, make_validated_pairs

LIST_URL = reverse("api:collect_api:pairs-list")


def copy_validated(count: int) -> None:
    """`count` validated pairs, fast: copies of one made by the factory, each with its own text hash.

    Kept here rather than in tests/factories.py: the copies all point at the model's revision, which is
    enough only for walking list pages, where a thousand pairs in a second is what this module needs.
    """
    model = make_pair(status=Status.VALIDATED)
    authors = [model.author] + [make_user() for _ in range(2)]
    copies = []
    for index in range(count - 1):
        copy = Pair.objects.get(pk=model.pk)
        copy.pk = None
        copy.id = None
        copy.author = authors[index % len(authors)]
        copy.content_hash = f"{model.content_hash[:48]}{index:016d}"
        copies.append(copy)
    Pair.objects.bulk_create(copies)


def walk(client, url: str, **params: object) -> list[str]:
    ids: list[str] = []
    response = client.get(url, params)
    while True:
        body = response.json()
        ids += [item["id"] for item in body["results"]]
        if not body["next"]:
            return ids
        response = client.get(body["next"])


@pytest.mark.django_db
def test_the_list_answers_next_previous_and_results_without_a_total(anonymous_api):
    copy_validated(3)
    body = anonymous_api.get(LIST_URL).json()
    assert set(body) == {"next", "previous", "results"}
    assert len(body["results"]) == 3


@pytest.mark.django_db
def test_walking_the_cursor_gives_every_validated_pair_once_in_order(anonymous_api):
    copy_validated(7)
    make_pair(status=Status.PENDING)
    ids = walk(anonymous_api, LIST_URL, page_size=3)
    assert ids == sorted(str(pk) for pk in Pair.objects.validated().values_list("id", flat=True))


@pytest.mark.django_db
def test_walking_my_pairs_gives_each_of_them_once_newest_first(contributor_api, contributor):
    mine = [make_pair(author=contributor, status=status) for status in (Status.DRAFT, Status.PENDING)]
    mine += make_validated_pairs(3, author=contributor)
    ids = walk(contributor_api, LIST_URL, mine=1, page_size=2)
    newest_first = Pair.objects.filter(author=contributor).order_by("-updated_at", "-id")
    assert ids == [str(pk) for pk in newest_first.values_list("id", flat=True)]


@pytest.mark.django_db
def test_the_moderation_queue_is_walked_by_cursor(moderator_api):
    for _ in range(3):
        make_pair(status=Status.DISPUTED)
    ids = walk(moderator_api, reverse("api:review_api:moderation-queue"), page_size=2)
    assert len(set(ids)) == 3


@pytest.mark.django_db
def test_a_page_of_the_list_counts_nothing_and_skips_nothing(anonymous_api):
    copy_validated(5)
    first = anonymous_api.get(LIST_URL, {"page_size": 2}).json()
    with CaptureQueriesContext(connection) as queries:
        anonymous_api.get(first["next"])
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


def list_queries(client, *, items: int) -> int:
    copy_validated(items)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_a_list_page_costs_the_same_queries_at_10_and_1000_pairs(anonymous_api):
    at_10 = list_queries(anonymous_api, items=10)
    Pair.objects.all().delete()
    at_1000 = list_queries(anonymous_api, items=1000)
    assert at_10 == at_1000
