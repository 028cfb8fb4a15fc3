"""PairSerializer writes a pair through moisson.api.WrittenOut, not DRF's loop over its fields (issue 14: that
loop was most of a list page's CPU). What it writes must stay what its declared fields, the ones the OpenAPI
schema describes, would write."""

import zoneinfo
from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from accounts.models import User
from collect.models import Level, Pair, Revision, Status, TaskType
from collect.serializers import PairSerializer
from tests.factories import make_pair, make_user
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db


def as_read_by(user: User | None, pair: Pair) -> tuple[bytes, bytes]:
    """The pair as PairSerializer writes it, and as DRF's generic loop over the declared fields writes it."""
    request = APIRequestFactory().get("/")
    request.user = user or AnonymousUser()
    serializer = PairSerializer(context={"request": request})
    written = serializer.to_representation(pair)
    generic = serializers.ModelSerializer.to_representation(serializer, pair)
    return JSONRenderer().render(written), JSONRenderer().render(generic)


def test_a_credited_validated_pair_is_written_as_its_declared_fields():
    author = make_user(pseudonym="Plume", attribution_opt_in=True)
    pair = make_pair(author=author, status=Status.VALIDATED, level=Level.MIDDLE_SCHOOL, final_answer="42")
    written, generic = as_read_by(make_user(), pair)
    assert written == generic
    assert b'"author":"Plume"' in written


def test_a_draft_without_dates_nor_revision_is_written_as_its_declared_fields():
    author = make_user()
    written, generic = as_read_by(author, make_pair(author=author, status=Status.DRAFT))
    assert written == generic
    assert b'"submitted_at":null' in written


def test_the_authors_warnings_are_written_as_the_declared_fields_write_them():
    author = make_user()
    pair = make_pair(author=author, task_type=TaskType.REASONING, final_answer="3,5")
    finding = {"code": "near_duplicate", "field": "question", "level": "warning", "message": "Proche"}
    Revision.objects.filter(pk=pair.current_revision_id).update(findings=[finding | {"start": 0, "end": 4}])
    pair = Pair.objects.select_related("author", "current_revision").get(pk=pair.pk)
    written, generic = as_read_by(author, pair)
    assert written == generic
    assert b'"near_duplicate"' in written


def test_a_pair_whose_author_left_is_written_as_its_declared_fields():
    pair = make_pair(status=Status.VALIDATED)
    Pair.objects.filter(pk=pair.pk).update(author=None)
    written, generic = as_read_by(None, Pair.objects.get(pk=pair.pk))
    assert written == generic


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Cayenne"])
def test_dates_are_written_in_the_current_time_zone_as_drf_writes_them(zone):
    pair = make_pair(status=Status.VALIDATED)
    pair.validated_at = datetime(2026, 3, 29, 0, 30, 0, 123456, tzinfo=zoneinfo.ZoneInfo("UTC"))
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        written, generic = as_read_by(None, pair)
    assert written == generic


def test_the_plan_is_made_once_per_class_and_each_serializer_answers_its_own_request(monkeypatch):
    author = make_user()
    pair = make_pair(author=author)
    finding = {"code": "near_duplicate", "field": "question", "level": "warning", "message": "Proche"}
    Revision.objects.filter(pk=pair.current_revision_id).update(findings=[finding])
    pair = Pair.objects.select_related("author", "current_revision").get(pk=pair.pk)
    as_read_by(make_user(), pair)  # plans PairSerializer
    built = []
    monkeypatch.setattr(PairSerializer, "get_fields", lambda self: built.append(self) or {})
    # The next serializers reuse the plan (no fields built) but their methods read their own request: the
    # warnings go to the author only, whoever read the pair before.
    by_author = _written_for(author, pair)
    by_other = _written_for(make_user(), pair)
    assert built == []
    assert by_author["warnings"] == [finding]
    assert by_other["warnings"] == []


def _written_for(user: User, pair: Pair) -> dict:
    request = APIRequestFactory().get("/")
    request.user = user
    return PairSerializer(context={"request": request}).to_representation(pair)


def test_a_serializer_with_fields_of_its_own_making_is_planned_every_time():
    class Narrowed(PairSerializer):
        def get_fields(self):
            fields = super().get_fields()
            if not self.context.get("full"):
                fields = {"id": fields["id"]}
            return fields

    pair = make_pair()
    assert list(Narrowed(context={}).to_representation(pair)) == ["id"]
    assert "status" in Narrowed(context={"full": True}).to_representation(pair)


def test_a_list_page_writes_each_pair_as_the_serializer_writes_the_pair_itself():
    # The list reads rows (ListedPair), not model objects: every kind of pair must come out the same as
    # PairSerializer writes the Pair, for its author (warnings included) and for anyone else.
    author = make_user(pseudonym="Plume", attribution_opt_in=True)
    shy = make_user(pseudonym="Discrète", attribution_opt_in=False)
    finding = {"code": "near_duplicate", "field": "question", "level": "warning", "message": "Proche"}
    credited = make_pair(author=author, status=Status.VALIDATED, level=Level.MIDDLE_SCHOOL, final_answer="42")
    Revision.objects.filter(pk=credited.current_revision_id).update(findings=[finding])
    pending = make_pair(author=author, task_type=TaskType.REASONING, final_answer="3,5")
    draft = make_pair(author=author, status=Status.DRAFT)
    uncredited = make_pair(author=shy, status=Status.VALIDATED)
    orphan = make_pair(status=Status.VALIDATED)
    Pair.objects.filter(pk=orphan.pk).update(author=None)
    reader = make_user()
    for user, query, expected in [
        (reader, {}, {credited, uncredited, orphan}),
        (None, {}, {credited, uncredited, orphan}),
        (author, {}, {credited, uncredited, orphan}),
        (author, {"mine": "1"}, {credited, pending, draft}),
    ]:
        listed = api_client(user).get("/api/v1/pairs/", query).json()["results"]
        assert {item["id"] for item in listed} == {str(pair.pk) for pair in expected}
        for item in listed:
            pair = Pair.objects.select_related("author", "current_revision").get(pk=item["id"])
            request = APIRequestFactory().get("/")
            request.user = user or AnonymousUser()
            alone = PairSerializer(context={"request": request}).to_representation(pair)
            assert JSONRenderer().render(item) == JSONRenderer().render(alone)
    mine = api_client(author).get("/api/v1/pairs/", {"mine": "1"}).json()["results"]
    assert [item["warnings"] for item in mine if item["id"] == str(credited.pk)] == [[finding]]
    others = api_client(reader).get("/api/v1/pairs/").json()["results"]
    assert {item["author"] for item in others} == {"Plume", None}
