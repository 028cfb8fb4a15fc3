"""The next pair and a vote's result are written through moisson.api.WrittenOut (issue 14), and must stay what
their declared fields, the ones the OpenAPI schema describes, would write. A vote answers from the service's
review, not from the database read again: it must answer what the database holds."""

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from collect.models import Level, Pair, Revision, Status, TaskType
from review.models import Review
from review.serializers import ReviewItemSerializer, ReviewResultSerializer
from review.services import next_pair_for
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db


def both_ways(serializer: serializers.ModelSerializer, instance: object) -> tuple[bytes, bytes]:
    """What the serializer writes, and what DRF's generic loop over its declared fields writes."""
    generic = serializers.ModelSerializer.to_representation(serializer, instance)
    return JSONRenderer().render(serializer.to_representation(instance)), JSONRenderer().render(generic)


def test_the_next_pair_is_written_as_its_declared_fields():
    pair = make_pair(task_type=TaskType.REASONING, final_answer="12", level=Level.HIGH_SCHOOL)
    finding = {"code": "near_duplicate", "field": "question", "level": "warning", "message": "Proche"}
    Revision.objects.filter(pk=pair.current_revision_id).update(findings=[finding])
    handed = next_pair_for(make_user())
    written, generic = both_ways(ReviewItemSerializer(), handed)
    assert written == generic
    assert b'"held_until":"' in written


def test_a_pair_without_revision_nor_hold_is_written_as_its_declared_fields():
    pair = make_pair(status=Status.DRAFT)
    written, generic = both_ways(ReviewItemSerializer(), pair)
    assert written == generic


@pytest.mark.parametrize("votes_before", [0, 1])
def test_a_votes_result_is_written_as_its_declared_fields_from_the_database(votes_before):
    pair = make_pair()
    for _ in range(votes_before):
        vote(pair)
    review = vote(pair)  # the second approval validates the pair
    written, generic = both_ways(ReviewResultSerializer(), review)
    assert written == generic
    from_database = Review.objects.select_related("pair", "revision").get(pk=review.pk)
    assert written == both_ways(ReviewResultSerializer(), from_database)[1]


def test_the_api_answers_a_vote_with_the_pairs_state_as_stored(other_api, other_contributor, contributor):
    pair = make_pair(author=contributor)
    vote(pair)
    assert other_api.get(reverse("api:review_api:next")).json()["id"] == str(pair.pk)
    body = other_api.post(
        reverse("api:review_api:reviews"),
        {"pair": str(pair.pk), "revision": 1, "verdict": "approve", "correctness": 4, "fluency": 5},
        format="json",
    ).json()
    review = Review.objects.get(reviewer=other_contributor)
    assert body["status"] == Pair.objects.get(pk=pair.pk).status == Status.VALIDATED
    assert (body["id"], body["revision"]) == (review.pk, 1)
