"""A pair's editable fields are listed once (collect.models.PAIR_FIELDS): every door reads that list."""

import pytest

from collect.forms import PairForm
from collect.models import PAIR_FIELDS, PAIR_TEXT_FIELDS, Pair, Revision
from collect.serializers import PairSerializer, PairWriteSerializer
from review.forms import ModeratorEditForm
from review.serializers import ReviewItemSerializer


def test_every_pair_field_is_stored_on_the_pair_and_on_each_revision():
    for model in (Pair, Revision):
        stored = {field.name for field in model._meta.get_fields()}
        assert set(PAIR_FIELDS) <= stored, model


def test_the_text_fields_are_pair_fields():
    assert set(PAIR_TEXT_FIELDS) <= set(PAIR_FIELDS)


def test_the_writing_form_and_the_api_read_and_write_every_pair_field():
    assert set(PAIR_FIELDS) <= set(PairForm.base_fields)
    assert set(PAIR_FIELDS) <= set(PairWriteSerializer().fields)
    assert set(PAIR_FIELDS) <= set(PairSerializer.Meta.fields)
    assert set(PAIR_FIELDS) <= set(ReviewItemSerializer.Meta.fields)


def test_a_moderator_corrects_the_texts_and_only_them():
    assert set(ModeratorEditForm.TEXT_FIELDS) == set(PAIR_TEXT_FIELDS)
    assert set(PAIR_TEXT_FIELDS) <= set(ModeratorEditForm.base_fields)


@pytest.mark.django_db
def test_the_form_keeps_every_pair_field_of_a_draft():
    data = {"question": "Q ?", "context": "C", "answer": "R", "task_type": "open_qa", "domain": "maths"}
    data |= {"level": "lycee", "final_answer": "42"}
    form = PairForm(data)
    form.is_valid()
    kept = form.pair_data()
    assert {name: kept[name] for name in PAIR_FIELDS} == data
