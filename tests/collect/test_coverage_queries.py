"""Serving the most needed coverage cells first stays an index read (PostgreSQL's planner)."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from collect.coverage import most_needed
from collect.models import CoverageTarget, Domain, Level, Pair, Status, TaskType
from review.voting import next_pair_for
from tests.factories import make_user
from tests.review.test_queries import plan_of_the_draw

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: its planner"),
]


def test_the_need_first_queue_reads_the_per_cell_index():
    CoverageTarget.objects.all().delete()
    # The "adulte" column also holds pairs without a level: two ranges of the index.
    CoverageTarget.objects.create(domain="maths", level="adulte", task_type="reasoning", target=100_000)
    authors = User.objects.bulk_create(
        User(username=f"auteur{n}", email=f"a{n}@example.org") for n in range(100)
    )
    start = timezone.now() - timedelta(days=30)
    domains, levels, task_types = Domain.values, ["", *Level.values], TaskType.values
    Pair.objects.bulk_create(
        (
            Pair(
                author=authors[n % len(authors)],
                status=Status.PENDING,
                question=f"Question numéro {n} ?",
                answer="Réponse",
                task_type=task_types[n % len(task_types)],
                domain=domains[(n // 7) % len(domains)],
                level=levels[(n // 3) % len(levels)],
                content_hash=f"bulk-{n}",
                review_count=n % 3,
                submitted_at=start + timedelta(seconds=n),
            )
            # Spread over every cell, as a real queue: each cell needs enough rows for the planner to take
            # the first pairs of its range from the index rather than sort the cell (4,000 were too few).
            for n in range(20_000)
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    [cell] = most_needed(1)
    reviewer = make_user()

    plans = []
    for level in ("adulte", ""):  # the two parts of the cell, each a range of the index
        with transaction.atomic():
            queue = Pair.objects.review_queue(reviewer, now=timezone.now()).filter(
                domain=cell.domain, task_type=cell.task_type, level=level
            )
            plans.append(queue.select_for_update(skip_locked=True, of=("self",))[:1].explain())
    # next_pair_for's statement, as sent: a draw among the first MOISSON_REVIEW_PICK_AMONG of the range.
    handed = []
    draws = plan_of_the_draw(lambda: handed.append(next_pair_for(reviewer, by_need=True)))

    for plan in plans:
        assert "pair_review_queue_by_cell" in plan
        assert "Sort" not in plan
    assert len(draws) == 1  # the cell's first part had pairs for this reviewer
    for plan in draws:
        assert "pair_review_queue_by_cell" in plan
        assert re.findall(r"Sort Key: (.*)", plan) == ["(random())"]
    assert (handed[0].domain, handed[0].level, handed[0].task_type) == ("maths", "adulte", "reasoning")
