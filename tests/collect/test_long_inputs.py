"""Very long inputs cannot cost seconds of CPU (issue 13): each check reads a bounded part of the text."""

import time

import pytest

from collect import checks
from collect.checks import check_pair_text
from collect.similarity import MAX_SIGNATURE_CHARS, content_hash, signature
from moisson import personal_data
from moisson.personal_data import find_personal_data

ONE_MEGABYTE = 1_000_000

# Text shapes that make careless regexes or loops slow: one long word, long runs of spaces and of spaced
# digits, lots of "@" and "at" without an address, unclosed code blocks.
SHAPES = {
    "prose": "Le ciel est bleu parce que la lumière est diffusée. ",
    "one long word": "a",
    "spaces": " ",
    "spaced digits": "1 ",
    "dotted words": "a.b ",
    "at words": "jean at ",
    "digit lookalikes": "O1",
    "backticks": "```a ",
}


def test_personal_data_checks_read_only_a_bounded_part_of_the_text(monkeypatch):
    # What reads the text first: the quick look, then (when it does not rule everything out) the view.
    read = []
    for name in ("nothing_to_search_in", "comparable_view"):
        real = getattr(personal_data, name)
        monkeypatch.setattr(personal_data, name, lambda text, real=real: read.append(len(text)) or real(text))

    find_personal_data("Bonjour. " * (ONE_MEGABYTE // 9), field="answer")
    find_personal_data("Bonjour 1. " * (ONE_MEGABYTE // 11), field="answer")

    assert read == [personal_data.max_checked_chars()] * 3
    assert read[0] < 10_000


def test_an_email_within_the_longest_allowed_field_is_still_found():
    text = "x " * 3_990 + "jean.dupont@gmail.com"

    assert [finding.code for finding in find_personal_data(text, field="answer")] == ["email"]


def test_the_language_is_judged_on_a_bounded_sample(monkeypatch):
    judged = []
    detector = checks._language_detector()

    class Spy:
        def compute_language_confidence_values(self, text: str) -> list:
            judged.append(len(text))
            return detector.compute_language_confidence_values(text)

    monkeypatch.setattr(checks, "_language_detector", lambda: Spy())

    checks.language_verdict("Le ciel est bleu parce que la lumière est diffusée. " * 20_000)

    assert judged == [checks.LANGUAGE_SAMPLE_CHARS]


def test_the_near_duplicate_signature_hashes_a_bounded_part_of_the_text():
    long_text = "mot " * (ONE_MEGABYTE // 4)

    assert signature(long_text) == signature(long_text[:MAX_SIGNATURE_CHARS])


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_one_megabyte_through_every_check_takes_no_pathological_time(shape):
    text = (SHAPES[shape] * (ONE_MEGABYTE // len(SHAPES[shape]) + 1))[:ONE_MEGABYTE]

    started = time.process_time()
    findings = check_pair_text(question=text, context=text, answer=text)
    content_hash(question=text, context=text, answer=text)
    signature(text)
    spent = time.process_time() - started

    assert findings  # too long, or required for a text of spaces: judged, not skipped
    # Generous on purpose (a shared CI machine): the bug this catches is quadratic work, which takes
    # minutes on a megabyte, not a slow second.
    assert spent < 10
