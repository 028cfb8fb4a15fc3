"""Text checks run while a pair is written and when it is submitted (SPEC.md §3).

Lengths, language and personal data: text in, findings out. Nothing here touches the database or HTTP, so
the web form, the API and the management commands get exactly the same answers. Duplicates need the
database and live in `collect/services.py` (with the helpers of `collect/similarity.py`).
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from stdnum import iban, luhn
from stdnum.fr import nir

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str  # "too_short", "too_long", "required", "not_french", "language_unsure", "email", "phone", ...
    field: str  # "question" | "context" | "answer"
    level: str  # ERROR blocks the submission, WARNING is only shown
    message: str
    start: int | None = None  # character span in that field's text, when relevant
    end: int | None = None


# Where a finding is, as messages say it (French needs the article: "dans la réponse", "dans le contexte").
_PLACES: dict[str, Promise] = {
    "question": gettext_lazy("in the question"),
    "context": gettext_lazy("in the context"),
    "answer": gettext_lazy("in the answer"),
}


def check_pair_text(*, question: str, context: str, answer: str, task_type: str = "") -> list[Finding]:
    findings = check_lengths(question=question, context=context, answer=answer)
    findings += check_language(question=question, context=context, answer=answer, task_type=task_type)
    for field, text in (("question", question), ("context", context), ("answer", answer)):
        findings += find_personal_data(text, field=field)
    return findings


# Lengths -------------------------------------------------------------------------------------------------

_LENGTH_MESSAGES: dict[tuple[str, str], Promise] = {
    ("required", "question"): gettext_lazy("Please write a question."),
    ("required", "answer"): gettext_lazy("Please write an answer."),
    ("too_short", "question"): gettext_lazy(
        "The question is too short (%(length)d characters): please write at least %(limit)d characters."
    ),
    ("too_short", "answer"): gettext_lazy(
        "The answer is too short (%(length)d characters): please write at least %(limit)d characters."
    ),
    ("too_long", "question"): gettext_lazy(
        "The question is too long (%(length)d characters): please keep it under %(limit)d characters."
    ),
    ("too_long", "context"): gettext_lazy(
        "The context is too long (%(length)d characters): please keep it under %(limit)d characters."
    ),
    ("too_long", "answer"): gettext_lazy(
        "The answer is too long (%(length)d characters): please keep it under %(limit)d characters."
    ),
}


def check_lengths(*, question: str, context: str, answer: str) -> list[Finding]:
    """Lengths are counted without the surrounding whitespace, which nobody sees."""
    limits = [
        # field, text, minimum (None: the field may stay empty), maximum
        ("question", question, settings.MOISSON_QUESTION_MIN_LENGTH, settings.MOISSON_QUESTION_MAX_LENGTH),
        ("context", context, None, settings.MOISSON_CONTEXT_MAX_LENGTH),
        ("answer", answer, settings.MOISSON_ANSWER_MIN_LENGTH, settings.MOISSON_ANSWER_MAX_LENGTH),
    ]
    findings = []
    for field, text, minimum, maximum in limits:
        length = len(text.strip())
        if minimum is not None and length == 0:
            findings.append(_length_finding("required", field, length, minimum))
        elif minimum is not None and length < minimum:
            findings.append(_length_finding("too_short", field, length, minimum))
        elif length > maximum:
            findings.append(_length_finding("too_long", field, length, maximum))
    return findings


def _length_finding(code: str, field: str, length: int, limit: int) -> Finding:
    message = str(_LENGTH_MESSAGES[code, field]) % {"length": length, "limit": limit}
    return Finding(code=code, field=field, level=ERROR, message=message)


# Language ------------------------------------------------------------------------------------------------

# French and the languages it is most often confused with. Each language costs about 25 MB of n-gram
# models, so we do not load all 75: with these ten, the detector takes about 280 MB and 1 s to load
# (against 1.3 GB and 5.5 s for all languages), and still tells French from its neighbours. A text in a
# language outside the list lands on one of them, which is not French either.
DETECTED_LANGUAGES = [
    Language.FRENCH,
    Language.ENGLISH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.GERMAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.CATALAN,
    Language.ROMANIAN,
    Language.LATIN,
]
# Below this many letters, nobody (not even a model) can tell the language reliably: no finding at all.
MIN_LETTERS_TO_JUDGE = 20
# We only block (rather than warn) when there is enough text and French is all but excluded. Short French
# questions full of names or English words ("Qui chante « Bohemian Rhapsody » ?") can score as low as 0.1.
MIN_LETTERS_TO_BLOCK = 40
MAX_FRENCH_CONFIDENCE_TO_BLOCK = 0.05

# Code, addresses and links are not prose; left in, they make any text look English.
_NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|https?://\S+|www\.\S+|\S+@\S+", re.DOTALL)

_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


class LanguageVerdict(StrEnum):
    TOO_SHORT = "too_short"
    FRENCH = "french"
    UNSURE = "unsure"
    NOT_FRENCH = "not_french"


_NOT_FRENCH_ENOUGH = (LanguageVerdict.UNSURE, LanguageVerdict.NOT_FRENCH)


def language_verdict(text: str) -> LanguageVerdict:
    prose = _NOT_PROSE.sub(" ", text)
    letters = sum(character.isalpha() for character in prose)
    if letters < MIN_LETTERS_TO_JUDGE:
        return LanguageVerdict.TOO_SHORT
    confidences = _language_detector().compute_language_confidence_values(prose)
    # Text in a script none of our languages uses (Cyrillic, CJK...) gets no confidence at all: French is 0.
    french = next((item.value for item in confidences if item.language == Language.FRENCH), 0.0)
    if confidences and confidences[0].language == Language.FRENCH and french > 0:
        return LanguageVerdict.FRENCH
    if letters >= MIN_LETTERS_TO_BLOCK and french < MAX_FRENCH_CONFIDENCE_TO_BLOCK:
        return LanguageVerdict.NOT_FRENCH
    return LanguageVerdict.UNSURE


def check_language(*, question: str, context: str, answer: str, task_type: str = "") -> list[Finding]:
    """Judge the question and the answer together: a question alone is often too little text to judge.

    The context is quoted material: a text to translate is in another language by nature, and a text to
    summarise or to answer from may be too. It never blocks; outside translations it only warns.
    """
    findings = _check_question_and_answer(question=question, answer=answer)
    if context and task_type != "translation" and language_verdict(context) in _NOT_FRENCH_ENOUGH:
        message = _(
            "The context does not look like French. That is fine if the task needs a text in another "
            "language; otherwise, please use a French text."
        )
        findings.append(Finding(code="language_unsure", field="context", level=WARNING, message=message))
    return findings


def _check_question_and_answer(*, question: str, answer: str) -> list[Finding]:
    fields = {"question": question, "answer": answer}
    verdict = language_verdict("\n".join(fields.values()))
    if verdict in (LanguageVerdict.TOO_SHORT, LanguageVerdict.FRENCH):
        return []
    field_verdicts = {field: language_verdict(text) for field, text in fields.items()}
    off = [field for field, field_verdict in field_verdicts.items() if field_verdict in _NOT_FRENCH_ENOUGH]
    if len(off) == 1:
        # One field is the problem (typically an answer pasted in English): point at it, and block if that
        # field alone is clearly not French even though the French around it blurs the whole.
        field, place = off[0], _PLACES[off[0]]
        if field_verdicts[field] == LanguageVerdict.NOT_FRENCH:
            verdict = LanguageVerdict.NOT_FRENCH
    else:
        field, place = "answer", gettext_lazy("in this pair")
    if verdict == LanguageVerdict.NOT_FRENCH:
        message = _(
            "The text %(place)s does not look like French. Moisson only publishes French: please write it "
            "in French (a quotation or a few words in another language are fine)."
        )
        return [Finding(code="not_french", field=field, level=ERROR, message=message % {"place": place})]
    message = _(
        "We are not sure the text %(place)s is in French. If it is, you can ignore this message; "
        "otherwise, please write it in French."
    )
    return [Finding(code="language_unsure", field=field, level=WARNING, message=message % {"place": place})]


def _language_detector() -> LanguageDetector:
    # Built on first use, not at import: migrations, Celery exports and the admin never pay for the models.
    # The lock keeps two threads of one process from loading them twice.
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = (
                LanguageDetectorBuilder.from_languages(*DETECTED_LANGUAGES)
                .with_preloaded_language_models()
                .build()
            )
        return _detector


# Personal data -------------------------------------------------------------------------------------------

_PERSONAL_DATA_MESSAGES: dict[str, Promise] = {
    "email": gettext_lazy(
        "We found what looks like an e-mail address (%(excerpt)s) %(place)s. Please remove it: personal "
        "data must not be published."
    ),
    "phone": gettext_lazy(
        "We found what looks like a phone number (%(excerpt)s) %(place)s. Please remove it: personal data "
        "must not be published."
    ),
    "nir": gettext_lazy(
        "We found what looks like a French social security number (%(excerpt)s) %(place)s. Please remove "
        "it: personal data must not be published."
    ),
    "iban": gettext_lazy(
        "We found what looks like a bank account number, an IBAN (%(excerpt)s) %(place)s. Please remove "
        "it: personal data must not be published."
    ),
    "card": gettext_lazy(
        "We found what looks like a payment card number (%(excerpt)s) %(place)s. Please remove it: "
        "personal data must not be published."
    ),
}

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_SEPARATOR = "[ \u00a0\u202f.-]"  # French typography puts (narrow) no-break spaces between digit groups
# Groups of digits separated by one separator, e.g. "1 85 05 2A 006 084 36" (2A/2B: Corsica in a NIR).
_DIGIT_RUN = re.compile(rf"(?<!\w)[0-9][0-9AB]*(?:{_SEPARATOR}[0-9][0-9AB]*)*(?!\w)")
# From a country code and check digits, e.g. "FR76 3000 6000 0112 3456 7890 189" (and the words after it).
_IBAN_RUN = re.compile(rf"(?<!\w)[A-Za-z]{{2}}[0-9]{{2}}[A-Za-z0-9]*(?:{_SEPARATOR}[A-Za-z0-9]+)*")
_GROUP = re.compile("[A-Za-z0-9]+")
# First digit of a NIR: 1 or 2 (sex), 3 or 4 (old registrations of people born abroad), 7 or 8 (temporary).
_NIR_FIRST_DIGITS = "123478"
# Issuer prefixes of the cards people carry (Visa, Mastercard, Amex, Diners, JCB, Discover, Maestro,
# UnionPay): a Luhn-valid number outside them is far more likely an ordinary long number.
_CARD_PREFIXES = re.compile(r"4|5[0-8]|6|3[04-8]|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)")
# Numbers anyone may call are not personal data: a helpline in an answer is useful information.
_PUBLIC_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.UAN,
}


def find_personal_data(text: str, *, field: str) -> list[Finding]:
    """Every e-mail address, phone, social security, bank account and card number found in `text`."""
    spans: list[tuple[str, int, int]] = []
    # The most specific numbers first: a phone number found inside an IBAN is the IBAN.
    for kind, run, is_kind, max_length in (
        ("nir", _DIGIT_RUN, _is_nir, 15),
        ("iban", _IBAN_RUN, _is_iban, 34),
        ("card", _DIGIT_RUN, _is_card, 19),
    ):
        for start, end in _find_numbers(text, run, is_kind, max_length):
            if not _overlaps(spans, start, end):
                spans.append((kind, start, end))
    for match in _EMAIL.finditer(text):
        if not _overlaps(spans, match.start(), match.end()):
            spans.append(("email", match.start(), match.end()))
    for match in phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.VALID):
        if phonenumbers.number_type(match.number) in _PUBLIC_PHONE_TYPES:
            continue
        if not _overlaps(spans, match.start, match.end):
            spans.append(("phone", match.start, match.end))
    findings = []
    for kind, start, end in sorted(spans, key=lambda span: span[1]):
        message = str(_PERSONAL_DATA_MESSAGES[kind]) % {
            "excerpt": _masked(text[start:end]),
            "place": _PLACES[field],
        }
        findings.append(Finding(code=kind, field=field, level=ERROR, message=message, start=start, end=end))
    return findings


def _find_numbers(
    text: str, run: re.Pattern[str], is_kind: Callable[[list[str]], bool], max_length: int
) -> list[tuple[int, int]]:
    """Spans of `text` made of whole groups of a run that `is_kind` accepts, longest first, not overlapping.

    Trying every stretch of whole groups, rather than the whole run, finds a number followed by other
    digits ("4970 1012 3456 7897 12/27") without ever cutting a group in two.
    """
    found = []
    for match in run.finditer(text):
        groups = [
            (match.start() + group.start(), match.start() + group.end())
            for group in _GROUP.finditer(match[0])
        ]
        first = 0
        while first < len(groups):
            parts: list[str] = []
            length = 0
            best = None
            for last in range(first, len(groups)):
                start, end = groups[last]
                parts.append(text[start:end])
                length += end - start
                if length > max_length:
                    break
                if is_kind(parts):
                    best = last
            if best is None:
                first += 1
            else:
                found.append((groups[first][0], groups[best][1]))
                first = best + 1
    return found


def _is_nir(groups: list[str]) -> bool:
    number = "".join(groups).upper()
    return len(number) == 15 and number[0] in _NIR_FIRST_DIGITS and nir.is_valid(number)


def _is_iban(groups: list[str]) -> bool:
    return len(groups[0]) >= 4 and groups[0][:2].isalpha() and iban.is_valid("".join(groups))


def _is_card(groups: list[str]) -> bool:
    number = "".join(groups)
    if not (13 <= len(number) <= 19 and number.isdigit() and _CARD_PREFIXES.match(number)):
        return False
    sizes = [len(group) for group in groups]
    # How cards are printed: one block, groups of four (the last one shorter), or Amex/Diners 4-6-5/4-6-4.
    printed_like_a_card = (
        len(groups) == 1
        or (all(size == 4 for size in sizes[:-1]) and sizes[-1] <= 4)
        or sizes in ([4, 6, 5], [4, 6, 4])
    )
    return printed_like_a_card and luhn.is_valid(number)


def _overlaps(spans: list[tuple[str, int, int]], start: int, end: int) -> bool:
    return any(start < other_end and other_start < end for _kind, other_start, other_end in spans)


def _masked(found: str) -> str:
    # Enough to recognise it, not enough to copy it from a message that may be logged or shown to others.
    return f"{found[:3]}…{found[-2:]}" if len(found) > 6 else f"{found[:1]}…"
