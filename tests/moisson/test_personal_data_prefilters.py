"""The shortcuts of the personal-data checks never change an answer (issue 14).

Every release reads every published row again, so `find_personal_data` first rules out, by cheap tests,
the searches that cannot find anything in a text (`nothing_to_search_in`, `worth_searching`). These tests
compare, on a varied corpus, what the searches find with the shortcuts and with every search run, and check
the facts about Unicode, phonenumbers and stdnum that the shortcuts rely on.
"""

import json
import random
import re
import sys
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import _VALID_PUNCTUATION
from stdnum import iban

from moisson import personal_data, personal_numbers
from moisson.personal_data import SEARCHES, nothing_to_search_in, spans_found, worth_searching
from moisson.personal_numbers import with_lookalike_digits
from moisson.text import UNCHANGED_BY_FOLDING, comparable_view

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "collect" / "data"
EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))

# Pieces that come close to what the searches look for, mixed into ordinary sentences below.
PIECES = [
    "jean.dupont@gmail.com",
    "jean @ gmail",
    "jean (at) gmail (dot) com",
    "jean AT gmail DOT fr",
    "jean arobase orange point fr",
    "jean chez free",
    "chez Paul. Fin",
    "le compte @orange",
    "[at]",
    "(a)",
    "ARObaſe",
    "j e a n @ g m a i l . c o m",
    "06 12 34 56 78",
    "O6 l2 34 56 78",
    "06/12/34/56/78",
    "+33 6 12 34 56 78",
    "+683 4002",
    "+43 1 2 3 4 5",
    "0 6 1 2 3 4 5 6 7 8",
    "0800 123 456",
    "٠٦١٢٣٤٥٦٧٨",
    "０６１２３４５６７８",
    "06\xa012\xa034\xa056\xa078",
    "1x2x3x4x5x6",
    "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit",
    "ZÉRO SIX DOUZE TRENTE QUATRE",
    "zéro sıx, douze, trente, quarante",
    "un deux trois quatre cinq",
    "1 85 05 78 006 084 36",
    "1 85 05 2A 006 084",
    "185052A006084",
    "FR76 3000 6000 0112 3456 7890 189",
    "fr7630006000011234567890189",
    "76 3000 6000 0112 3456 7890 189",
    "DE89 3704 0044 0532 0130 00",
    "de 25 euros par mois pendant trois ans",
    "Code banque 30006, guichet 00001, compte 12345678901, clé 89",
    "banque 30006, guichet 00001, compte ABCDEFGHIJK, clé 56",
    "RIB 3000600001ABABABABABA45",
    "IBAN QA69 DOHB ABCD EFGH IJKL MNOP QRST U",
    "4970 1012 3456 7897",
    "4970101234567897",
    "4222222222222",
    "378282246310005",
    "en 1789",
    "le 14 juillet 1789",
    "entre 1914 et 1918",
    "3 × 4 = 12",
    "π ≈ 3,14159",
    "x² + 2x + 1",
    "10 000 €",
    "İstanbul",
    "KELVIN",
    "à 12 h 30",
    "Iban",
    "l'an 2000",
    "de 1 à 10",
]


def corpus() -> list[str]:
    variants = [
        line.split("\t")[3].replace("\\n", "\n")
        for line in (DATA / "personal_data_variants.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    ordinary = [
        line
        for line in (DATA / "ordinary_french_numbers.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pairs = json.loads((ROOT / "collect" / "demo" / "pairs.json").read_text(encoding="utf-8"))
    demo = [pair[field] for pair in pairs for field in ("question", "context", "answer") if pair[field]]
    rng = random.Random(14)
    words = ["Le", "la", "un", "une", "des", "et", "chez", "à", "de", "en", "où", "qui", "calcul", "réponse"]
    words += ["été", "Paul", "gmail", "point", "at", "a", "Z", "O", "l"]
    mixes = []
    for _ in range(1500):
        parts = [" ".join(rng.choices(words, k=rng.randint(0, 12)))]
        for _ in range(rng.randint(0, 3)):
            parts += [rng.choice(PIECES), " ".join(rng.choices(words, k=rng.randint(0, 5)))]
        mixes.append(rng.choice([" ", ", ", "\n", " (", ". "]).join(parts))
    return [*variants, *ordinary, *demo, *PIECES, *mixes]


CORPUS = corpus()


def test_the_shortcuts_change_no_answer():
    differ = []
    for text in CORPUS:
        view, _ = comparable_view(text)
        numbers = personal_numbers._DIGIT_LOOKALIKES.sub(
            lambda match: match[0].translate(personal_numbers._AS_DIGITS), view
        )
        everything = spans_found(view, numbers, searches=SEARCHES)
        shortcut = (
            []
            if nothing_to_search_in(text)
            else spans_found(view, numbers, searches=worth_searching(view, numbers))
        )
        if shortcut != everything or with_lookalike_digits(view) != numbers:
            differ.append(text)
    assert differ == []


def test_the_corpus_gives_the_shortcuts_something_to_get_wrong():
    skipped, run, found = set(), set(), set()
    quiet = 0
    for text in CORPUS:
        view, _ = comparable_view(text)
        numbers = with_lookalike_digits(view)
        worth = worth_searching(view, numbers)
        skipped |= SEARCHES - worth
        run |= worth
        found |= {span.kind for span in spans_found(view, numbers)}
        quiet += nothing_to_search_in(text)
    assert skipped == run == SEARCHES
    assert found == {"email", "phone", "nir", "iban", "rib", "card"}
    assert 100 < quiet < len(CORPUS) - 100


def test_in_a_quiet_text_the_letters_of_at_and_arobase_match_only_themselves_in_either_case():
    quiet = set(UNCHANGED_BY_FOLDING) - set("0123456789@[({<zZ")
    for letter in "atrobse":
        matching = set(re.findall(letter, EVERY_CHARACTER, re.IGNORECASE))
        assert matching & quiet == {letter, letter.upper()}
    assert set(re.findall("z", EVERY_CHARACTER, re.IGNORECASE)) == {"z", "Z"}


def test_what_ignoring_case_matches_casefolds_to_the_letter_it_matches():
    # worth_searching looks for "zéro", "at", "arobase" and "chez" in the casefolded text.
    for letter in "zéroatbsch":
        for character in re.findall(letter, EVERY_CHARACTER, re.IGNORECASE):
            assert character.casefold() == letter, hex(ord(character))


def test_no_valid_phone_number_has_fewer_digits_than_the_shortcut_expects():
    lengths = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        lengths.append(len(str(metadata.country_code)) + min(metadata.general_desc.possible_length))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        metadata = PhoneMetadata.metadata_for_nongeo_region(code)
        lengths.append(len(str(code)) + min(metadata.general_desc.possible_length))
    assert min(lengths) == personal_numbers.FEWEST_DIGITS_OF_A_PHONE


def test_the_phone_separators_hold_every_separator_phonenumbers_reads_in_a_number():
    # phonenumbers reads its punctuation as a character class, ignoring case.
    theirs = set(re.findall(f"[{_VALID_PUNCTUATION}]", EVERY_CHARACTER, re.IGNORECASE))
    ours = set(re.findall(personal_numbers._PHONE_SEPARATOR, EVERY_CHARACTER))
    assert theirs - ours == set()


def test_no_iban_is_valid_outside_the_countries_the_shortcut_knows():
    known = set(re.findall(r"\[([A-Z])[a-z]\]\[([A-Z])[a-z]\]", personal_numbers._IBAN_COUNTRY))
    valid_outside = []
    for first in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for second in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if (first, second) in known:
                continue
            bban = "30006000011234567890189"
            check = 98 - int("".join(str(int(c, 36)) for c in bban + first + second + "00")) % 97
            if iban.is_valid(f"{first}{second}{check:02d}{bban}"):
                valid_outside.append(first + second)
    assert valid_outside == []


def test_the_personal_data_module_reads_folding_from_moisson_text():
    assert personal_data.comparable_view is comparable_view
