import pytest

from collect.models import Pair
from collect.services import save_draft, submit_pair
from moisson.text import INVISIBLE, CharacterMap, comparable_view, fold_confusables, normalize_text
from tests.factories import pair_text


def test_crlf_and_cr_line_breaks_become_lf():
    assert normalize_text("un\r\ndeux\rtrois\n") == "un\ndeux\ntrois\n"


def test_spaces_at_the_end_of_each_line_are_removed():
    assert normalize_text("un  \ndeux\t\ntrois \u00a0") == "un\ndeux\ntrois"


def test_zero_width_soft_hyphen_and_bidi_characters_are_removed():
    hidden = "a\u200bn\u200ct\u200di\u2060c\ufeffo\u00adn\u202es\u202at\u2066i\u2069t\u200eu\u200ft\u061cion"
    assert normalize_text(hidden) == "anticonstitution"


def test_text_is_composed_to_nfc():
    assert normalize_text("e\u0301te\u0301") == "été"


def test_nul_and_other_control_characters_are_removed_but_tabs_stay():
    assert normalize_text("a\x00b\x07c\td") == "abc\td"


def test_the_invisible_and_control_characters_are_the_only_ones_dropped():
    controls = {chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
    plane = [chr(code) for code in range(0x10000) if not 0xD800 <= code < 0xE000]
    assert {character for character in plane if normalize_text(f"-{character}-") == "--"} == (
        INVISIBLE | controls
    )


def test_normalising_twice_changes_nothing():
    text = "Ligne\r\n  avec\u200b des espaces  \r\nété"
    assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_french_text_is_not_changed_by_folding():
    text = "Ça côté œuf, l'été à Noël : « déjà » ! 3 × 4 = 12 € − 1"
    assert fold_confusables(text) == text


def test_cyrillic_and_greek_lookalikes_fold_to_latin():
    assert fold_confusables("l\u0430 m\u0435r \u03bfu") == "la mer ou"


def test_the_comparable_view_maps_each_character_back_to_the_original():
    text = "jean\u200b\uff20exemple.fr"
    view, origins = comparable_view(text)

    assert view == "jean@exemple.fr"
    assert text[origins[4]] == "\uff20"
    assert origins[-1] == len(text)


@pytest.mark.django_db
def test_a_submitted_pair_is_stored_normalised(contributor):
    data = pair_text() | {"answer": pair_text()["answer"].replace(" ", "\u200b ", 3) + "  \r\nFin."}

    pair = submit_pair(author=contributor, data=data)

    stored = Pair.objects.get(pk=pair.pk)
    assert "\u200b" not in stored.answer
    assert stored.answer.endswith(".\nFin.")
    assert stored.current_revision.answer == stored.answer


@pytest.mark.django_db
def test_a_draft_is_stored_normalised(contributor):
    pair = save_draft(author=contributor, data={"question": "Une\r\nquestion\u202e ?"})

    assert Pair.objects.get(pk=pair.pk).question == "Une\nquestion ?"


def test_the_view_skips_only_characters_that_fold_to_themselves():
    # comparable_view and fold_confusables leave alone, without folding them, plain ASCII and the common
    # characters found at import to fold to themselves: the view must be what folding every character gives.
    from moisson.text import _NOT_PLAIN_ASCII, _fold

    texts = [
        "".join(map(chr, range(0x09, 0x2400))),
        "Écrivez\u00a0: ｊean＠gmail.com",
        "Le ciel « bleu » − 3 €",
    ]
    for text in texts:
        expected = "".join(_fold(c) if _NOT_PLAIN_ASCII.match(c) else c for c in text)
        view, origins = comparable_view(text)
        assert view == fold_confusables(text) == expected
        assert [text[origins[index]] for index in range(len(view))] == [
            c for c in text for _ in (_fold(c) if _NOT_PLAIN_ASCII.match(c) else c)
        ]


def test_a_translate_table_keeps_only_the_characters_of_common_scripts():
    # A text made of thousands of rare code points, sent again and again, must not grow the tables of every
    # server process; the characters themselves are still translated.
    table = CharacterMap(lambda character: ord(character) if character.isalpha() else None)
    rare = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 5_000))  # CJK ideographs: letters
    assert len((rare + "été !").translate(table)) == 5_003
    assert len(table) < 10
