import hashlib
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django import Settings

from collect.similarity import (
    MAX_SIGNATURE_CHARS,
    _without_accents,
    band_keys,
    content_hash,
    fingerprints,
    normalise,
    signature,
    signatures,
    similarity,
    similarity_text,
)

SKY = (
    "Pourquoi le ciel est-il bleu pendant la journée ?\n"
    "Le ciel paraît bleu parce que la lumière du Soleil est diffusée par les molécules de l'air. "
    "Cette diffusion, appelée diffusion de Rayleigh, est beaucoup plus forte pour les courtes longueurs "
    "d'onde, comme le bleu, que pour les grandes, comme le rouge. La lumière bleue est donc renvoyée dans "
    "toutes les directions et nous arrive de partout dans le ciel. Au coucher du soleil, la lumière traverse "
    "une plus grande épaisseur d'atmosphère et le bleu est dispersé avant de nous atteindre : le ciel prend "
    "alors des teintes orangées."
)
# The same pair with three changes, as someone rewording a pair they found would do.
SKY_REWORDED = (
    SKY.replace("paraît", "semble")
    .replace("beaucoup plus forte", "bien plus forte")
    .replace("Au coucher du soleil", "Le soir")
)
PASTRY = (
    "Comment faire une pâte brisée maison ?\n"
    "Mélangez 250 g de farine, 125 g de beurre froid coupé en dés et une pincée de sel du bout des doigts "
    "jusqu'à obtenir une texture sableuse. Ajoutez un jaune d'œuf et cinq centilitres d'eau froide, "
    "rassemblez la pâte en boule sans trop la travailler, puis laissez-la reposer une heure au frais avant "
    "de l'étaler."
)


def test_normalise_ignores_case_spacing_and_punctuation() -> None:
    assert normalise("  L'ÉTÉ,   c'est\tchaud !\n") == normalise("l'été c'est chaud")


def test_normalise_keeps_accents() -> None:
    assert normalise("La côte") != normalise("La cote")


def test_content_hash_ignores_case_and_whitespace_differences() -> None:
    first = content_hash(question="Quelle est la capitale ?", context="", answer="C'est Paris.")
    second = content_hash(question="  quelle est   la CAPITALE ?", context="", answer="c'est paris.\n")

    assert first == second


def test_content_hash_changes_when_the_answer_changes() -> None:
    first = content_hash(question="Quelle est la capitale ?", context="", answer="C'est Paris.")
    second = content_hash(question="Quelle est la capitale ?", context="", answer="C'est Lyon.")

    assert first != second


def test_content_hash_depends_on_which_field_holds_the_text() -> None:
    first = content_hash(question="Quelle est la capitale", context="", answer="de la France ?")
    second = content_hash(question="Quelle est la capitale de la France ?", context="", answer="")

    assert first != second


def test_signature_is_the_same_for_the_same_text() -> None:
    assert signature(SKY) == signature(SKY)


def test_signature_takes_four_bytes_per_permutation(settings: Settings) -> None:
    settings.MOISSON_MINHASH_PERMUTATIONS = 64

    assert len(signature(SKY)) == 256


def test_reworded_pair_is_a_near_duplicate() -> None:
    """Measured: estimated 0.77 with 128 permutations, exact Jaccard 0.80 (three edits in about 100 words).

    Each changed word removes up to three word shingles on each side: on shorter pairs, the same edits
    weigh more.
    """
    assert similarity(signature(SKY), signature(SKY_REWORDED)) > 0.7


def test_copy_without_accents_is_a_near_duplicate() -> None:
    without_accents = SKY.replace("é", "e").replace("è", "e").replace("î", "i")

    assert similarity(signature(SKY), signature(without_accents)) == 1.0


def test_unrelated_pair_is_not_similar() -> None:
    """Measured: 0.0."""
    assert similarity(signature(SKY), signature(PASTRY)) < 0.1


def test_near_duplicates_share_a_band_key() -> None:
    assert set(band_keys(signature(SKY))) & set(band_keys(signature(SKY_REWORDED)))


def test_unrelated_pairs_share_no_band_key() -> None:
    assert not set(band_keys(signature(SKY))) & set(band_keys(signature(PASTRY)))


def test_there_is_one_band_key_per_band(settings: Settings) -> None:
    settings.MOISSON_MINHASH_BANDS = 16

    assert len(band_keys(signature(SKY))) == 16


def test_band_keys_fit_a_signed_64_bit_integer() -> None:
    assert all(-(2**63) <= key < 2**63 for key in band_keys(signature(SKY)))


def test_band_keys_stay_those_already_stored() -> None:
    """Stored bands are only comparable with new ones computed the same way: each band's key is the
    BLAKE2b (8 bytes) of its index (2 bytes, big-endian) and its 16 bytes, read as a signed big-endian
    integer."""
    sig = signature(SKY)
    expected = [
        int.from_bytes(
            hashlib.blake2b(
                index.to_bytes(2, "big") + sig[index * 16 : (index + 1) * 16], digest_size=8
            ).digest(),
            "big",
            signed=True,
        )
        for index in range(32)
    ]

    assert band_keys(sig) == expected


def test_signature_that_bands_cannot_split_evenly_is_refused(settings: Settings) -> None:
    settings.MOISSON_MINHASH_BANDS = 30

    with pytest.raises(ValueError):
        band_keys(signature(SKY))


def test_short_texts_differing_by_punctuation_are_identical() -> None:
    assert similarity(signature("Capitale de la France ?"), signature("capitale de la France")) == 1.0


def test_short_texts_are_compared_on_their_characters() -> None:
    """Word shingles would give 0 here: one word in three changed."""
    assert similarity(signature("Capitale de la France"), signature("Capitales de la France")) > 0.5


def test_signatures_made_with_different_permutation_counts_cannot_be_compared(settings: Settings) -> None:
    before = signature(SKY)
    settings.MOISSON_MINHASH_PERMUTATIONS = 64

    with pytest.raises(ValueError):
        similarity(before, signature(SKY))


# Lookalikes and invisible characters (issue 13) ----------------------------------------------------------

CYRILLIC = str.maketrans("aeo", "\u0430\u0435\u043e")
LOOKALIKE_COPIES = {
    "zero-width space in every word": lambda text: text.replace(" ", "\u200b "),
    "soft hyphens": lambda text: text.replace("tion", "ti\u00adon").replace("ère", "è\u00adre"),
    "Cyrillic а, е, о": lambda text: (
        text.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e")
    ),
    "Greek ο": lambda text: text.replace("o", "\u03bf"),
    "bidi marks": lambda text: "\u202a" + text.replace(". ", ".\u200f ") + "\u202c",
    "CRLF and trailing spaces": lambda text: text.replace("\n", "  \r\n"),
}


@pytest.mark.parametrize("copy", LOOKALIKE_COPIES.values(), ids=list(LOOKALIKE_COPIES))
def test_a_lookalike_copy_has_the_same_content_hash(copy) -> None:
    question, answer = SKY.split("\n", 1)

    assert content_hash(question=copy(question), context="", answer=copy(answer)) == content_hash(
        question=question, context="", answer=answer
    )


@pytest.mark.parametrize("copy", LOOKALIKE_COPIES.values(), ids=list(LOOKALIKE_COPIES))
def test_a_lookalike_copy_has_the_same_signature(copy) -> None:
    assert similarity(signature(copy(SKY)), signature(SKY)) == 1.0


def test_the_content_hash_of_french_text_did_not_change_with_folding() -> None:
    # The value the code computed before lookalikes were folded (commit d58587e): stored hashes of French
    # pairs, accents, ligatures and symbols included, stay valid without recomputing them.
    digest = content_hash(
        question="Pourquoi l'été ? « Ça » côté œuf",
        context="Un texte − 3 × 4 = 12 €",
        answer="Réponse : à Noël, 1 200 € ; fin…",
    )

    assert digest == "b209c52b046e62fd3ec9bab5642d59c5658329bbeb701db51be700070de0a950"


def test_accents_dropped_are_the_combining_marks_of_any_character() -> None:
    """Signatures compare texts without what Unicode calls combining marks (category Mn), whatever the
    script: every code point, decomposed, loses exactly those."""
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    decomposed = unicodedata.normalize("NFD", every)
    expected = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")

    assert _without_accents(every) == unicodedata.normalize("NFC", expected)
    assert _without_accents("Été, côte, coté, naïve, ñandú") == "Ete, cote, cote, naive, nandu"


def test_signatures_of_no_text_are_no_signatures() -> None:
    assert signatures([]) == []


# Each field normalised once for the hash and the signature (`fingerprints`) -------------------------------

# What could make a field's normalised text depend on its neighbours: line breaks of every kind, spaces,
# combining marks (which compose with the letter before them), Hangul jamo (which compose with each other),
# lookalikes, invisible and control characters, compatibility forms, punctuation, letters whose case folds
# to several.
TRICKY_PIECES = [
    "Été",
    "cote",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\u0085",
    "\t",
    "\u00a0",
    "\u3000",
    "\u0301",
    "\u0327",
    "\u0323\u0302",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\u0430",
    "\u03bf",
    "\u200b",
    "\u00ad",
    "\u202e",
    "\x00",
    "\x1f",
    "Ａ",
    "ﬁ",
    "½",
    "①",
    "ß",
    "İ",
    "ς",
    "?",
    "«",
    "»",
    "…",
    "-",
    "e",
    "a",
]
tricky_field = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TRICKY_PIECES), max_size=12).map("".join),
)


@settings(max_examples=400, deadline=None, database=None)
@given(fields=st.tuples(tricky_field, tricky_field, tricky_field))
def test_the_fields_normalised_one_by_one_are_the_pair_normalised_whole(fields) -> None:
    """What `fingerprints` relies on, for any text: `normalise` of the fields joined by line breaks is the
    join of their `normalise` by spaces, the empty ones left out."""
    assert normalise(similarity_text(*fields)) == " ".join(part for part in map(normalise, fields) if part)


@settings(max_examples=100, deadline=None, database=None)
@given(fields=st.tuples(tricky_field, tricky_field, tricky_field))
def test_fingerprints_are_the_content_hash_and_the_signature(fields) -> None:
    question, context, answer = fields

    assert fingerprints([fields]) == [
        (content_hash(question=question, context=context, answer=answer), signature(similarity_text(*fields)))
    ]


def test_fingerprints_of_text_longer_than_a_signature_reads() -> None:
    """Beyond MAX_SIGNATURE_CHARS, the signature is that of the joined text's beginning."""
    long_fields = [
        ("Question " * 1_500, "Contexte " * 1_500, "Réponse " * 1_000),
        ("q" * (MAX_SIGNATURE_CHARS // 2), "", "r" * (MAX_SIGNATURE_CHARS // 2)),
        ("q" * (MAX_SIGNATURE_CHARS // 2), "", "r" * (MAX_SIGNATURE_CHARS // 2 - 1)),
        ("mot " * 10_000, "", "fin"),
        (SKY, "", PASTRY),
    ]

    assert fingerprints(long_fields) == [
        (content_hash(question=q, context=c, answer=a), signature(similarity_text(q, c, a)))
        for q, c, a in long_fields
    ]
