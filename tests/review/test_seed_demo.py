from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction

from collect.models import Pair, Status
from review.models import Report, Review

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """The demo data, seeded once for the module (it takes seconds: every pair and vote goes through the
    real services). Each test runs in its own savepoint inside this transaction, which is rolled back
    once the module is done, so a test still sees only the seed and what it did itself."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=None)
        yield
        transaction.set_rollback(True)


def test_demo_validated_pairs_were_approved_by_two_other_demo_users(seeded):
    # Some demo pairs were validated, corrected and validated again: their current revision is the one
    # that carries the two approvals (the first revision's stay on record).
    validated = Pair.objects.filter(status=Status.VALIDATED)
    assert validated.filter(revision_number__gt=1).exists()
    for pair in validated:
        approvals = Review.objects.filter(revision=pair.current_revision_id, verdict="approve")
        assert approvals.count() == 2, pair.question
        assert pair.author_id not in approvals.values_list("reviewer", flat=True)


def test_demo_rejected_pairs_carry_reasons_and_comments(seeded):
    pair = Pair.objects.filter(status=Status.REJECTED).first()
    reviews = Review.objects.filter(pair=pair)
    assert reviews.count() == 2
    assert all(review.reasons and review.comment for review in reviews)


def test_demo_disputed_pairs_were_reported(seeded):
    for pair in Pair.objects.filter(status=Status.DISPUTED):
        assert Report.objects.open().filter(pair=pair).exists()


def test_some_demo_pending_pairs_have_one_review(seeded):
    pending = Pair.objects.filter(status=Status.PENDING)
    assert pending.filter(review_count=1).exists()
    assert pending.filter(review_count=0).exists()


def test_seeding_twice_adds_nothing(seeded):
    counts = (Pair.objects.count(), Review.objects.count(), Report.objects.count())
    call_command("seed_demo", stdout=None)
    assert (Pair.objects.count(), Review.objects.count(), Report.objects.count()) == counts
