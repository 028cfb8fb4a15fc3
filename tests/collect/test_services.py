import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from collect.models import Pair, PairBand, Status
from collect.services import PairStateError, SubmissionRefused, save_draft, submit_pair, withdraw_pair
from collect.similarity import band_keys
from tests.factories import make_pair, make_user, pair_text

pytestmark = pytest.mark.django_db


def test_submitting_a_new_pair_makes_it_pending_with_a_first_revision():
    author = make_user()
    pair = submit_pair(author=author, data=pair_text())
    assert pair.status == Status.PENDING
    assert pair.revision_number == 1
    assert pair.current_revision.number == 1
    assert pair.license == "CC-BY-4.0"
    assert PairBand.objects.filter(pair=pair).count() == 32


def test_deleting_a_pair_deletes_its_bands():
    """The database no longer enforces the bands' foreign key (collect.models.PairBand): Django's CASCADE
    does the work."""
    author = make_user()
    pair = submit_pair(author=author, data=pair_text())
    kept = submit_pair(author=author, data=pair_text())

    Pair.objects.filter(pk=pair.pk).delete()

    assert not PairBand.objects.filter(pair_id=pair.pk).exists()
    assert PairBand.objects.filter(pair=kept).count() == 32


def test_editing_a_pending_pair_creates_a_new_revision_and_resets_votes():
    author = make_user()
    pair = submit_pair(author=author, data=pair_text())
    Pair.objects.filter(pk=pair.pk).update(review_count=2, approvals=1, rejections=1)
    pair.refresh_from_db()
    data = pair_text()
    edited = submit_pair(author=author, data=data, pair=pair)
    assert edited.revision_number == 2
    assert edited.revisions.count() == 2
    assert edited.review_count == 0
    assert edited.answer == data["answer"]


@pytest.mark.parametrize("edit", [False, True])
def test_a_revision_writes_its_pair_once(edit):
    author = make_user()
    pair = submit_pair(author=author, data=pair_text()) if edit else None
    with CaptureQueriesContext(connection) as queries:
        saved = submit_pair(author=author, data=pair_text(), pair=pair)
    table = Pair._meta.db_table
    writes = [
        query["sql"].split()[0]
        for query in queries.captured_queries
        if query["sql"].startswith(("INSERT", "UPDATE")) and f'"{table}"' in query["sql"].split("(")[0]
    ]
    assert writes == ["UPDATE" if edit else "INSERT"]
    assert saved.current_revision.number == (2 if edit else 1)
    assert Pair.objects.get(pk=saved.pk).current_revision_id == saved.current_revision.pk


def test_a_new_revision_replaces_the_bands_of_the_last_one():
    author = make_user()
    draft = save_draft(author=author, data=pair_text())
    pair = submit_pair(author=author, data=pair_text(), pair=draft)
    first = set(PairBand.objects.filter(pair=pair).values_list("key", flat=True))
    assert first == set(band_keys(pair.minhash))
    edited = submit_pair(author=author, data=pair_text(), pair=pair)
    keys = list(PairBand.objects.filter(pair=edited).values_list("key", flat=True))
    assert sorted(keys) == sorted(band_keys(edited.minhash))
    assert first - set(keys), "the edit's text should have other bands"


def test_refused_submission_keeps_the_text_as_a_draft():
    author = make_user()
    data = pair_text() | {"answer": "Écrivez-moi à jeanne.dupont@example.org pour la réponse complète."}
    with pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=author, data=data)
    draft = Pair.objects.get(pk=refused.value.pair.pk)
    assert draft.status == Status.DRAFT
    assert draft.answer == data["answer"]
    assert "email" in [f.code for f in refused.value.evaluation.errors]


def test_exact_duplicate_is_refused_whatever_the_case_and_spacing():
    data = pair_text()
    submit_pair(author=make_user(), data=data)
    copy = data | {"question": "  " + data["question"].upper() + "  "}
    with pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=make_user(), data=copy)
    assert [f.code for f in refused.value.evaluation.errors] == ["duplicate"]


def test_database_refuses_two_live_pairs_with_the_same_text():
    first = make_pair(status=Status.PENDING)
    with pytest.raises(IntegrityError):
        make_pair(
            status=Status.VALIDATED, question=first.question, context=first.context, answer=first.answer
        )


def test_withdrawn_pair_text_can_be_submitted_again():
    data = pair_text()
    pair = submit_pair(author=make_user(), data=data)
    withdraw_pair(pair=pair)
    again = submit_pair(author=make_user(), data=data)
    assert again.status == Status.PENDING


def test_near_duplicate_is_a_warning_recorded_on_the_revision():
    data = pair_text()
    original = submit_pair(author=make_user(), data=data)
    near = data | {"answer": data["answer"].replace("simplement", "clairement")}
    pair = submit_pair(author=make_user(), data=near)
    assert pair.status == Status.PENDING
    assert pair.current_revision.near_duplicates[0]["id"] == str(original.pk)


def test_validated_pair_cannot_be_edited_by_submission():
    pair = make_pair(status=Status.VALIDATED)
    with pytest.raises(PairStateError):
        submit_pair(author=pair.author, data=pair_text(), pair=pair)


def test_draft_keeps_incomplete_text():
    draft = save_draft(author=make_user(), data={"question": "Pourquoi", "answer": ""})
    assert Pair.objects.get(pk=draft.pk).question == "Pourquoi"
    assert draft.status == Status.DRAFT


def test_withdrawing_a_validated_pair_is_refused():
    pair = make_pair(status=Status.VALIDATED)
    with pytest.raises(PairStateError):
        withdraw_pair(pair=pair)
