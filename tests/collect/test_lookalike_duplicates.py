"""An exact copy disguised with invisible characters or lookalike letters is a duplicate (issue 13)."""

import pytest

from collect.checks import LanguageVerdict, language_verdict
from collect.models import Pair
from collect.services import SubmissionRefused, evaluate_pair, submit_pair
from tests.factories import make_pair, pair_text

pytestmark = pytest.mark.django_db

CYRILLIC = str.maketrans("aeo", "\u0430\u0435\u043e")
DISGUISES = {
    "zero-width space in every word": lambda text: text.replace(" ", " \u200b"),
    "soft hyphens": lambda text: text.replace("ou", "o\u00adu"),
    "Cyrillic а, е, о": lambda text: (
        text.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e")
    ),
}


@pytest.mark.parametrize("disguise", DISGUISES.values(), ids=list(DISGUISES))
def test_a_disguised_copy_of_a_live_pair_is_refused_as_a_duplicate(contributor, disguise):
    original = make_pair(status="validated")
    data = pair_text() | {name: disguise(getattr(original, name)) for name in ("question", "answer")}

    with pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=contributor, data=data)

    assert refused.value.evaluation.duplicate_of == original
    assert Pair.objects.filter(status="pending").count() == 0


def test_the_live_check_sees_the_duplicate_too():
    original = make_pair()

    evaluation = evaluate_pair(
        {"question": DISGUISES["Cyrillic а, е, о"](original.question), "answer": original.answer + "\u200b"}
    )

    assert evaluation.duplicate_of == original


def test_the_language_check_sees_through_invisible_characters_between_letters():
    english = (
        "The capital of Australia is Canberra, not Sydney as many people think, because of a compromise."
    )

    # Without reading it as a reader does, this was only "unsure" (a warning), and went through.
    assert language_verdict("\u200b".join(english)) == LanguageVerdict.NOT_FRENCH


def test_the_migration_gives_disguised_pairs_their_new_keys_and_leaves_french_ones():
    from importlib import import_module

    from django.apps import apps

    from collect.models import PairBand
    from collect.similarity import content_hash

    migration = import_module("collect.migrations.0002_recompute_keys_with_lookalikes_folded")
    french = make_pair()
    disguised = make_pair(question="Pourquoi la m\u0435r \u200best-elle salée, vraiment ?")
    original_of_a_copy = make_pair(status="validated")
    copy = make_pair()
    # As the rows were before: keys computed without folding (here, stand-ins), no bands.
    Pair.objects.filter(pk=disguised.pk).update(content_hash="old-disguised", minhash=b"")
    Pair.objects.filter(pk=copy.pk).update(
        question=original_of_a_copy.question + "\u200b",
        answer=original_of_a_copy.answer,
        content_hash="old-copy",
        minhash=b"",
    )
    Pair.objects.filter(pk=french.pk).update(content_hash="untouched")
    PairBand.objects.all().delete()

    migration.recompute_keys(apps, None)

    disguised.refresh_from_db()
    assert disguised.content_hash == content_hash(
        question="Pourquoi la mer est-elle salée, vraiment ?", context="", answer=disguised.answer
    )
    assert PairBand.objects.filter(pair=disguised).count() > 0
    # The copy's new hash is its original's: it keeps its old one, the constraint holds.
    assert Pair.objects.get(pk=copy.pk).content_hash == "old-copy"
    assert Pair.objects.get(pk=french.pk).content_hash == "untouched"
