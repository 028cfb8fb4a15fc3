"""Serving the most needed coverage cells first stays an index read (PostgreSQL's planner)."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from collect.coverage import most_needed
from collect.models import CoverageTarget, Domain, Level, Pair, Status, TaskType
from review.voting import _cell_filters, _drawn, _locked, next_pair_for
from tests.factories import make_user

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

    plans, draws = [], []
    for part in _cell_filters(cell):
        with transaction.atomic():
            now = timezone.now()
            queue = Pair.objects.review_queue(reviewer, now=now).filter(part)
            plans.append(queue.select_for_update(skip_locked=True, of=("self",))[:1].explain())
            # next_pair_for's statement: a draw among the first MOISSON_REVIEW_PICK_AMONG of the range.
            draws.append(_locked(_drawn(queue, now=now))[:1].explain())

    assert len(plans) == len(draws) == 2
    for plan in plans:
        assert "pair_review_queue_by_cell" in plan
        assert "Sort" not in plan
    for plan in draws:
        assert "pair_review_queue_by_cell" in plan
        assert re.findall(r"Sort Key: (.*)", plan) == ["(random())"]
    handed = next_pair_for(reviewer, by_need=True)
    assert (handed.domain, handed.level, handed.task_type) == ("maths", "adulte", "reasoning")
