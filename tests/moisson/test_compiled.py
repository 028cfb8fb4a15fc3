"""moisson.compiled.CompiledGet: QuerySet.get()'s SQL and objects, the SQL compiled once per thread."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from collect.models import Pair
from moisson.compiled import MAX_SHAPES, CompiledGet, CompiledQuery, Param
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db


def field_values(obj: object) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def sql_of(call: object) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return [query["sql"] for query in queries.captured_queries]


def test_it_sends_the_sql_of_queryset_get():
    pairs = CompiledGet(lambda: Pair.objects.select_related("author"), "pk")
    first, second = make_pair(), make_pair()
    pairs.get(first.pk)  # compiles with this value: the next call shows the SQL reused with another
    assert sql_of(lambda: pairs.get(second.pk)) == sql_of(
        lambda: Pair.objects.select_related("author").get(pk=second.pk)
    )


def test_it_builds_the_same_objects_as_the_orm_with_their_select_related():
    pair = make_pair(author=make_user(pseudonym="Plume", review_domains=["maths"]))
    found = CompiledGet(lambda: Pair.objects.select_related("author"), "pk").get(pair.pk)
    expected = Pair.objects.select_related("author").get(pk=pair.pk)
    assert field_values(found) == field_values(expected)
    assert found.get_deferred_fields() == set()
    assert not found._state.adding and found._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        author = found.author
    assert not queries.captured_queries
    assert field_values(author) == field_values(expected.author)
    assert author.review_domains == ["maths"]  # converted from the database's JSON, as the ORM does


def test_nothing_found_is_none():
    users = CompiledGet(lambda: User.objects.all(), "pk")
    assert users.get(make_user().pk + 1000) is None
    assert users.get(None) is None


def test_several_rows_raise_as_queryset_get_does():
    make_user(first_name="Zoé")
    make_user(first_name="Zoé")
    with pytest.raises(User.MultipleObjectsReturned):
        CompiledGet(lambda: User.objects.all(), "first_name").get("Zoé")


def test_each_call_reads_the_database():
    users = CompiledGet(lambda: User.objects.all(), "pk")
    user = make_user()
    assert users.get(user.pk).suspended_at is None
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now(), is_active=False)
    found = users.get(user.pk)
    assert found.suspended_at is not None and not found.is_active


@pytest.mark.django_db(transaction=True)
def test_another_thread_compiles_for_its_own_connection():
    users = CompiledGet(lambda: User.objects.all(), "pk")
    user = make_user()
    assert users.get(user.pk) == user
    seen = {}

    def in_thread() -> None:
        try:
            seen["user"] = users.get(user.pk)
            seen["connection"] = users.local.compiled.connection
        finally:
            connection.close()

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen["user"] == user
    assert seen["connection"] is not users.local.compiled.connection


# CompiledQuery: a queryset built with Params, compiled once per thread and shape.


def pairs_in(domain_count: int) -> object:
    domains = Param.items("domains", Pair._meta.get_field("domain"), domain_count)
    return Pair.objects.filter(author=Param("author", User._meta.pk), domain__in=domains).order_by("pk")


def test_a_compiled_query_finds_what_the_orm_finds_for_each_call_s_values():
    ana, bea = make_user(), make_user()
    for author in (ana, bea):
        make_pair(author=author, domain="maths")
        make_pair(author=author, domain="french")
    query = CompiledQuery(pairs_in)
    for author in (ana, bea):
        for domains in (["maths"], ["french"], ["maths", "french"]):
            found = query.objects((len(domains),), author=author.pk, domains=domains)
            expected = list(Pair.objects.filter(author=author, domain__in=domains).order_by("pk"))
            assert found == expected
            assert [field_values(pair) for pair in found] == [field_values(pair) for pair in expected]


def test_a_compiled_query_is_built_once_per_shape_and_its_values_go_in_as_parameters():
    author = make_user()
    make_pair(author=author, domain="maths")
    built = []
    query = CompiledQuery(lambda count: built.append(count) or pairs_in(count))
    query.objects((1,), author=author.pk, domains=["maths"])
    statements = sql_of(lambda: query.objects((1,), author=author.pk + 1, domains=["french"]))
    query.objects((2,), author=author.pk, domains=["maths", "french"])
    assert built == [1, 2]
    assert len(statements) == 1 and "french" in statements[0]  # this call's values, not the first one's


def test_a_compiled_values_query_gives_the_orm_s_tuples():
    pair = make_pair(held_by=make_user(), held_until=timezone.now())
    query = CompiledQuery(
        lambda: Pair.objects.filter(held_by=Param("user", User._meta.pk)).values_list("pk", "held_until")
    )
    assert query.rows(user=pair.held_by_id) == list(
        Pair.objects.filter(held_by=pair.held_by).values_list("pk", "held_until")
    )


def test_the_shapes_kept_are_bounded_whatever_lengths_a_client_sends():
    author = make_user()
    query = CompiledQuery(pairs_in)
    for count in range(1, MAX_SHAPES * 2):
        query.objects((count,), author=author.pk, domains=["maths"] * count)
    assert len(query.local.by_shape) <= MAX_SHAPES
