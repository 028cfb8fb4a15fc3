"""List pages never issue one query per row, and the review queue is read through its index."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from collect.models import Domain, Pair, Revision, Status, TaskType
from review.models import AuditAction, Skip
from review.services import TooManySkips, decide_pair, next_pair_for, report_pair, skip_pair
from tests.factories import make_pair, make_user, vote
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queries_of(client: Client, url: str) -> int:
    # From an empty cache, as each measured request below: cached figures, sessions and permissions would
    # otherwise save queries on the second request whatever the number of rows.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def with_near_duplicates(pair: Pair, count: int) -> Pair:
    others = [make_pair(status=Status.VALIDATED) for _ in range(count)]
    Revision.objects.filter(pk=pair.current_revision_id).update(
        near_duplicates=[{"id": str(other.pk), "similarity": 0.8} for other in others]
    )
    return pair


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_the_review_page_costs_the_same_whatever_the_queue_and_the_near_duplicates(django_assert_num_queries):
    with_near_duplicates(make_pair(), 1)
    baseline = queries_of(client_for(make_user()), reverse("review:next"))
    for _ in range(10):
        vote(make_pair())
    with_near_duplicates(make_pair(), 8)
    Pair.objects.update(submitted_at=timezone.now() - timedelta(days=1))
    client = client_for(make_user())
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("review:next"))


def test_the_moderation_queue_costs_the_same_for_one_pair_or_many(moderator, django_assert_num_queries):
    client = client_for(moderator)
    make_pair(status=Status.DISPUTED)
    baseline = queries_of(client, reverse("review:queue"))
    for _ in range(10):
        make_pair(status=Status.DISPUTED, author=make_user())
        report_pair(reporter=make_user(), pair=make_pair(status=Status.VALIDATED), reason="Faux")
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("review:queue"))


def test_the_moderation_page_costs_the_same_for_few_votes_or_many(moderator, django_assert_num_queries):
    client = client_for(moderator)
    small = make_pair()
    vote(small)
    report_pair(reporter=make_user(), pair=small, reason="Douteux")
    baseline = queries_of(client, reverse("review:moderate", args=[small.pk]))
    large = with_near_duplicates(make_pair(), 5)
    for verdict in ["approve", "reject", "approve", "reject"]:
        vote(large, verdict=verdict)
    for _ in range(3):
        report_pair(reporter=make_user(), pair=large, reason="Douteux")
    decide_pair(moderator=moderator, pair=large, action=AuditAction.REJECT, reason="Faux")
    cache.clear()
    with django_assert_num_queries(baseline + 1):
        # One more query than the small pair: the near duplicates' questions.
        client.get(reverse("review:moderate", args=[large.pk]))


def test_my_pairs_costs_the_same_for_one_pair_or_many(contributor, django_assert_num_queries):
    client = client_for(contributor)
    vote(make_pair(author=contributor))
    baseline = queries_of(client, reverse("collect:mine"))
    for _ in range(10):
        pair = make_pair(author=contributor)
        vote(pair, comment="Bien")
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("collect:mine"))


def test_a_pairs_feedback_costs_the_same_for_one_review_or_many(contributor, django_assert_num_queries):
    client = client_for(contributor)
    small = make_pair(author=contributor)
    vote(small)
    baseline = queries_of(client, reverse("collect:detail", args=[small.pk]))
    large = make_pair(author=contributor)
    for verdict in ["approve", "reject", "reject", "approve"]:
        vote(
            large,
            verdict=verdict,
            comment="Commentaire",
            suggested_answer="Une autre réponse, plus complète.",
        )
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("collect:detail", args=[large.pk]))


def test_the_dashboard_costs_the_same_for_one_review_or_many(contributor, django_assert_num_queries):
    client = client_for(contributor)
    vote(make_pair(), reviewer=contributor)
    baseline = queries_of(client, reverse("review:dashboard"))
    for _ in range(10):
        vote(make_pair(), reviewer=contributor)
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("review:dashboard"))


def test_the_audit_log_costs_the_same_for_one_entry_or_many(moderator, django_assert_num_queries):
    client = client_for(moderator)
    decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.REJECT)
    baseline = queries_of(client, reverse("review:audit"))
    for _ in range(10):
        decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.VALIDATE)
    cache.clear()
    with django_assert_num_queries(baseline):
        client.get(reverse("review:audit"))


def a_queue_as_in_production() -> User:
    """20,000 pending pairs by many authors, some reviews and skips, statistics up to date; and the reviewer
    who asks, with skips of their own."""
    authors = User.objects.bulk_create(
        User(username=f"auteur{n}", email=f"auteur{n}@example.org") for n in range(200)
    )
    start = timezone.now() - timedelta(days=30)
    pairs = Pair.objects.bulk_create(
        (
            Pair(
                author=authors[n % len(authors)],
                status=Status.PENDING,
                question=f"Question numéro {n} ?",
                answer="Réponse",
                task_type=TaskType.OPEN_QA,
                domain=Domain.SCIENCES,
                content_hash=f"bulk-{n}",
                review_count=n % 3,
                submitted_at=start + timedelta(seconds=n),
            )
            # Enough rows for the planner to weigh a sort against the index; a larger table only favours
            # the index more.
            for n in range(4_000)
        ),
        batch_size=5_000,
    )
    # Other reviewers' skips, so that the planner has a table worth an index to read them from.
    Skip.objects.bulk_create(
        (
            Skip(
                reviewer=authors[n % 100],
                pair=pairs[(n * 7) % len(pairs)],
                created_at=start + timedelta(minutes=n),
            )
            for n in range(10_000)
        ),
        batch_size=5_000,
        ignore_conflicts=True,
    )
    reviewer = make_user()
    # Their skips of past days: the cap on skips reads the last hour's only.
    Skip.objects.bulk_create(Skip(reviewer=reviewer, pair=pair, created_at=start) for pair in pairs[-2_000:])
    for pair in Pair.objects.order_by("submitted_at")[:5]:
        skip_pair(reviewer=reviewer, pair=pair)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return reviewer


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: its planner and SKIP LOCKED")
def test_picking_the_next_pair_reads_the_review_queue_index():
    reviewer = a_queue_as_in_production()
    with transaction.atomic():
        plan = (
            Pair.objects.review_queue(reviewer, now=timezone.now())
            .select_for_update(skip_locked=True, of=("self",))[:1]
            .explain()
        )
    assert "pair_review_queue" in plan
    assert "Sort" not in plan


def plan_of_the_draw(call: object, *, analyze: bool = False) -> list[str]:
    """The plans of the draws `call` sends (next_pair_for's statements with RANDOM()), as sent: the SQL
    compiled once, with this call's values."""
    with CaptureQueriesContext(connection) as queries:
        call()
    draws = [query["sql"] for query in queries.captured_queries if "RANDOM()" in query["sql"]]
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in draws:
            cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    return plans


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: its planner and SKIP LOCKED")
def test_drawing_the_next_pair_reads_a_range_of_the_review_queue_index_and_of_the_reviewers_skips():
    # The statement next_pair_for runs: the draw among the first MOISSON_REVIEW_PICK_AMONG, with the cap on
    # skips. Only the drawn candidates are sorted (at random), never the queue.
    reviewer = a_queue_as_in_production()
    [plan] = plan_of_the_draw(lambda: next_pair_for(reviewer), analyze=True)
    assert "Index Scan using pair_review_queue" in plan
    assert re.findall(r"Sort Key: (.*)", plan) == ["(random())"]
    assert re.search(r"Sort .*actual time=\S+ rows=1 ", plan)  # the sort stops at the first row...
    assert re.search(r"Limit .*actual time=\S+ rows=10 ", plan)  # ...of the ten candidates read
    assert "skip_recent" in plan


def next_pair_statements(reviewer: User) -> tuple[Pair | None, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        pair = next_pair_for(reviewer)
    return pair, [query["sql"] for query in queries.captured_queries]


def test_the_next_pair_after_a_vote_has_no_hold_to_check_nor_to_let_go():
    # The launch-day flow (issue 14): ask, vote, ask again. The vote let the pair go, so the reviewer holds
    # nothing: one light read says so, and the next pair is taken with no other statement on pairs than
    # the queue's read and the new hold.
    reviewer = make_user()
    first, second = make_pair(), make_pair()
    vote(first, reviewer=reviewer)
    pair, statements = next_pair_statements(reviewer)
    assert pair == second
    on_pairs = [sql for sql in statements if '"collect_pair"' in sql.split("WHERE")[0]]
    assert [sql.split()[0] for sql in on_pairs] == ["SELECT", "SELECT", "UPDATE"]
    assert "EXISTS" not in on_pairs[0].upper()


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_taking_a_new_pair_still_lets_an_expired_hold_go():
    reviewer = make_user()
    old, new = make_pair(), make_pair()
    assert next_pair_for(reviewer) == old
    Pair.objects.filter(pk=old.pk).update(held_until=timezone.now() - timedelta(seconds=1), review_count=1)
    assert next_pair_for(reviewer) == new
    assert list(Pair.objects.filter(held_by=reviewer)) == [new]


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_asking_again_serves_the_held_pair_while_it_is_still_reviewable():
    reviewer = make_user()
    held, other = make_pair(), make_pair()
    assert next_pair_for(reviewer) == held
    Pair.objects.filter(pk=held.pk).update(review_count=5)  # now last in the queue's order
    assert next_pair_for(reviewer) == held
    skip_pair(reviewer=reviewer, pair=held)
    assert next_pair_for(reviewer) == other


def test_a_vote_through_the_api_reads_the_pair_once_and_answers_without_reading_back():
    # Issue 14: the view looked the pair up whole (with its revision) before the service read it again under
    # its lock, ran the insert in a savepoint of its own, and read the new review back for the answer.
    reviewer, pair = make_user(), make_pair()
    client = api_client(reviewer)
    assert client.get(reverse("api:review_api:next")).json()["id"] == str(pair.pk)
    body = {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": 4, "fluency": 4}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(reverse("api:review_api:reviews"), body, format="json").status_code == 201
    statements = [query["sql"] for query in queries.captured_queries]
    assert len([sql for sql in statements if '"collect_pair"."question"' in sql]) == 1
    assert not [sql for sql in statements if sql.startswith('SELECT "review_review"."id"')]
    assert len([sql for sql in statements if sql.startswith("SAVEPOINT")]) <= 1


def test_the_draw_and_the_cap_on_skips_cost_no_statement_when_a_pair_is_handed_out():
    # Measured against the strict order without a cap, for a reviewer who skipped pairs lately.
    reviewer = make_user()
    for pair in [make_pair() for _ in range(15)][:3]:
        skip_pair(reviewer=reviewer, pair=pair)
    counts = []
    for among, cap in [(1, 0), (10, 20)]:
        with override_settings(MOISSON_REVIEW_PICK_AMONG=among, MOISSON_REVIEW_SKIPS_PER_HOUR=cap):
            pair, statements = next_pair_statements(reviewer)
        assert pair is not None
        Pair.objects.filter(held_by=reviewer).update(held_by=None, held_until=None)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_a_reviewer_paused_by_the_cap_on_skips_costs_one_statement_more_than_an_empty_queue():
    # Compared with an empty queue in the strict order without a cap: the read of what one holds, the
    # queue's read, then one read of the reviewer's skips (savepoints aside).
    with override_settings(MOISSON_REVIEW_PICK_AMONG=1, MOISSON_REVIEW_SKIPS_PER_HOUR=0):
        pair, empty = next_pair_statements(make_user())
    assert pair is None
    reviewer = make_user()
    for pair in [make_pair() for _ in range(4)][:3]:
        skip_pair(reviewer=reviewer, pair=pair)
    with (
        override_settings(MOISSON_REVIEW_SKIPS_PER_HOUR=3),
        CaptureQueriesContext(connection) as queries,
        pytest.raises(TooManySkips),
    ):
        next_pair_for(reviewer)
    paused = [query["sql"] for query in queries.captured_queries]
    assert len(reads(paused)) == len(reads(empty)) + 1 == 3


def reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith("SELECT")]
