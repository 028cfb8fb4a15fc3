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
from django.utils.translation import gettext_lazy, pgettext_lazy
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from stdnum import iban, luhn
from stdnum.fr import nir

from .text import comparable_view, fold_confusables

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
    "pseudonym": gettext_lazy("in the pseudonym"),
}


def check_pair_text(*, question: str, context: str, answer: str, task_type: str = "") -> list[Finding]:
    findings = check_lengths(question=question, context=context, answer=answer)
    findings += check_language(question=question, context=context, answer=answer, task_type=task_type)
    return findings + personal_data_in(question=question, context=context, answer=answer)


def personal_data_in(*, question: str, context: str, answer: str) -> list[Finding]:
    """The personal data of a pair's three fields, errors (refused) and warnings (unsure): what writing a
    pair and building a release (on each row's stored text) both ask."""
    findings = []
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
# The language of a text shows in its first few thousand characters; judging more only costs time (about
# 1 s of CPU for 100,000 characters).
LANGUAGE_SAMPLE_CHARS = 4_000

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
    # Judged as a reader sees it: lookalike letters of other scripts and invisible characters would make a
    # French (or English) text look like something else.
    prose = _NOT_PROSE.sub(" ", fold_confusables(text[:LANGUAGE_SAMPLE_CHARS]))
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


def max_checked_chars() -> int:
    """How much of a text the personal-data checks read: a little more than the longest field allowed.

    Looking further would only let a very long text (a draft, an abuse of the live check) cost seconds of
    CPU, and such a text is refused for its length anyway.
    """
    return 100 + max(
        settings.MOISSON_QUESTION_MAX_LENGTH,
        settings.MOISSON_CONTEXT_MAX_LENGTH,
        settings.MOISSON_ANSWER_MAX_LENGTH,
    )


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
    "rib": gettext_lazy(
        "We found what looks like French bank details, a RIB (%(excerpt)s) %(place)s. Please remove "
        "them: personal data must not be published."
    ),
    "card": gettext_lazy(
        "We found what looks like a payment card number (%(excerpt)s) %(place)s. Please remove it: "
        "personal data must not be published."
    ),
}
# When we are not sure (an unusual spelling that ordinary text could also produce), we only warn: the
# warning is stored with the revision, so reviewers and moderators see it too.
_UNSURE_MESSAGE = gettext_lazy(
    "This may be %(what)s (%(excerpt)s) %(place)s. If it is personal data, please remove it: it must not "
    "be published. Reviewers and moderators will see this notice."
)
# In French, the article goes with "Il s'agit peut-être": "d'une adresse e-mail".
_KIND_NAMES: dict[str, Promise] = {
    "email": pgettext_lazy("this may be", "an e-mail address"),
    "phone": pgettext_lazy("this may be", "a phone number"),
    "nir": pgettext_lazy("this may be", "a French social security number"),
    "iban": pgettext_lazy("this may be", "a bank account number"),
    "rib": pgettext_lazy("this may be", "French bank details (RIB)"),
    "card": pgettext_lazy("this may be", "a payment card number"),
}

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# "j e a n . d u p o n t @ g m a i l . c o m": one character at a time.
_SPACED_OUT = re.compile(r"(?<!\S)(?:\S ){5,}\S(?!\S)")
# Numbers written in French words, for phones spelled out: "zéro six, douze, trente-quatre...".
_NUMBER_WORDS = {
    "zero": 0, "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "soixante": 60,
}  # fmt: skip
_NUMBER_WORD = "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
# "et" joins the parts of one number only before "un" and "onze" ("vingt et un", "soixante et onze");
# elsewhere it separates two numbers ("cinquante-six et soixante-dix-huit").
_SPELLED_NUMBER = rf"{_NUMBER_WORD}(?:-(?:et-)?{_NUMBER_WORD}|\s+et\s+(?:une?|onze)(?!\w))*"
_SPELLED_NUMBERS = re.compile(
    rf"(?<!\w)(?:{_SPELLED_NUMBER})(?:(?:\s+et\s+|[\s,;.-]+)(?:{_SPELLED_NUMBER})){{4,}}(?!\w)",
    re.IGNORECASE,
)
_SPELLED_PART = re.compile(_SPELLED_NUMBER, re.IGNORECASE)
# Spellings people use to hide an address from robots: "jean.dupont @ gmail.com", "jean [at] gmail [dot]
# com", "jean (at) gmail (point) fr", "jean arobase gmail point com", "jean.dupont(a)gmail.com".
_AT = (
    r"(?P<at>\s*@\s*"
    r"|\s*[\[({<]\s*(?:at|arobase|a|@)\s*[\])}>]\s*"
    r"|\s+(?:at|arobase|chez)\s+)"
)
_DOT = r"(?:\s*\.\s*|\s*[\[({<]\s*(?:dot|point|pt|\.)\s*[\])}>]\s*|\s+(?:dot|point)\s+)"
_WORD = r"[\w+-]{1,64}"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.%+-]){_WORD}(?:{_DOT}{_WORD}){{0,3}}{_AT}"
    rf"(?P<domain>{_WORD}(?:{_DOT}{_WORD}){{0,3}}?){_DOT}(?P<tld>[^\W\d_]{{2,6}})(?![\w])",
    re.IGNORECASE,
)
# An address without its ending is still one when the provider is a well-known mail service.
_MAIL_PROVIDERS = (
    "gmail|googlemail|hotmail|yahoo|outlook|orange|free|laposte|wanadoo|sfr|icloud|live|msn|protonmail"
    "|proton|gmx|yopmail|aol|bbox|neuf|numericable|club-internet"
)
_EMAIL_WITHOUT_ENDING = re.compile(
    rf"(?<![\w.%+-]){_WORD}(?:{_DOT}{_WORD}){{0,3}}{_AT}(?P<domain>{_MAIL_PROVIDERS})(?![\w.@-])",
    re.IGNORECASE,
)
# Endings accepted after a spelled-out "at" ("chez", "arobase"): with these words, ordinary French
# ("il est chez Paul. Fin") must not look like an address.
_KNOWN_ENDINGS = {
    "com", "fr", "org", "net", "eu", "be", "ch", "ca", "lu", "mc", "re", "io", "info", "biz", "edu",
    "uk", "de", "es", "it", "pt", "nl", "me", "tv", "xyz", "app", "dev", "gouv", "bzh", "paris",
}  # fmt: skip
# French typography puts (narrow) no-break spaces between digit groups; slashes and underscores dodge
# detection.
_SEPARATOR = "[ \u00a0\u202f./_-]"
# Groups of digits separated by one separator, e.g. "1 85 05 2A 006 084 36" (2A/2B: Corsica in a NIR).
_DIGIT_RUN = re.compile(rf"(?<!\w)[0-9][0-9AB]*(?:{_SEPARATOR}[0-9][0-9AB]*)*(?!\w)")
# The same with any separator people use to dodge detection: "06/12/34/56/78", "06_12_34", "06, 12, 34",
# "+33 (0)6", or a word between groups ("06 12 34 puis 56 78").
_LOOSE_SEPARATOR = r"(?:[\s./_|*,;:()\\\u2010-\u2015-]{1,3}|\s+(?:puis|et|point|tiret|virgule|slash)\s+)"
_LOOSE_DIGIT_RUN = re.compile(rf"(?<![\w+])\+?\(?[0-9]+(?:{_LOOSE_SEPARATOR}[0-9]+)*(?!\w)")
# From a country code and check digits, e.g. "FR76 3000 6000 0112 3456 7890 189" (and the words after it).
_IBAN_RUN = re.compile(
    rf"(?<!\w)[A-Za-z]{{2}}{_SEPARATOR}?[0-9]{{2}}[A-Za-z0-9]*(?:[ \u00a0\u202f./_-][A-Za-z0-9]+)*"
)
_GROUP = re.compile("[A-Za-z0-9]+")
_DIGITS = re.compile("[0-9]+")
# "Code banque 30006, guichet 00001, compte 12345678901, clé 89": the four parts of a RIB, apart.
_RIB_PARTS = re.compile(
    r"(?<![0-9])([0-9]{5})(?![0-9])[^0-9]{1,40}?(?<![0-9])([0-9]{5})(?![0-9])[^0-9A-Z]{1,40}?"
    r"(?<![0-9A-Z])([0-9A-Z]{11})(?![0-9A-Z])[^0-9]{1,40}?(?<![0-9])([0-9]{2})(?![0-9])"
)
# Letters that stand in for digits inside a number: "O6 12 34 56 78", "l2".
_DIGIT_LOOKALIKES = re.compile(r"(?<![^\W\d_])[0-9OoIl]*[0-9][0-9OoIl]*(?![^\W\d_])")
_AS_DIGITS = str.maketrans("OoIl", "0011")
# First digit of a NIR: 1 or 2 (sex), 3 or 4 (old registrations of people born abroad), 7 or 8 (temporary).
_NIR_FIRST_DIGITS = "123478"
# A NIR without its key: sex, year, month (01-12, or 20-42 and 50-99 when unknown), département (Corsica
# included), commune and order number.
_WRONG_NIR_KEY = re.compile(rf"{_SEPARATOR}?[0-9]{{2}}(?![0-9])")
_NIR_WITHOUT_KEY = re.compile(
    r"[12][0-9]{2}(?:0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])(?:[0-9]{2}|2A|2B)[0-9]{6}"
)
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
# How French numbers are written with their country code: "+33 6...", "0033 6...", "+33 (0)6...".
_FRENCH_PHONE_DIGITS = re.compile(r"(?:0|33|330|0033|00330)([1-9][0-9]{8})")


@dataclass(frozen=True)
class _Span:
    kind: str
    level: str
    start: int
    end: int


# A French phone number has 10 digits and a foreign one rarely fewer than 8 (with its country code); social
# security numbers without their key have 13 digits, the shortest card numbers too, RIBs and IBANs more.
FEWEST_DIGITS_OF_A_PHONE = 8
FEWEST_DIGITS_OF_AN_ACCOUNT_NUMBER = 13


def find_personal_data(text: str, *, field: str) -> list[Finding]:
    """Every e-mail address, phone, social security, bank account and card number found in `text`.

    `text` may be any text (a pair's field, a pseudonym, a released row): it is read as a reader sees it,
    with lookalike letters folded and invisible characters ignored, and the spans found point into `text`.
    Only its first `max_checked_chars()` characters are read.
    """
    text = text[: max_checked_chars()]
    view, origins = comparable_view(text)
    numbers = _DIGIT_LOOKALIKES.sub(lambda match: match[0].translate(_AS_DIGITS), view)
    spans: list[_Span] = []
    # Most texts hold few digits: the number searches, the slowest part (every released row goes through
    # them again), only run when there are enough digits for what they look for.
    digits = sum(character.isdigit() for character in numbers)
    long_numbers = _numbers_in(numbers) if digits >= FEWEST_DIGITS_OF_AN_ACCOUNT_NUMBER else []
    # The most specific first: a phone number found inside an IBAN is the IBAN.
    for span in [*long_numbers, *_emails_in(view), *_phones_in(view, numbers, digits=digits)]:
        if not any(span.start < other.end and other.start < span.end for other in spans):
            spans.append(span)

    findings = []
    for span in sorted(spans, key=lambda span: span.start):
        start, end = origins[span.start], origins[span.end - 1] + 1
        template = _PERSONAL_DATA_MESSAGES[span.kind] if span.level == ERROR else _UNSURE_MESSAGE
        message = str(template) % {
            "excerpt": _masked(text[start:end]),
            "place": _PLACES[field],
            "what": _KIND_NAMES[span.kind],
        }
        findings.append(
            Finding(code=span.kind, field=field, level=span.level, message=message, start=start, end=end)
        )
    return findings


def _numbers_in(numbers: str) -> list[_Span]:
    """Social security, bank account and card numbers, their keys checked."""
    found = []
    for kind, run, is_kind, lengths in (
        ("nir", _DIGIT_RUN, _is_nir, {15}),
        ("iban", _IBAN_RUN, _is_iban, set(range(15, 35))),
        ("iban", _DIGIT_RUN, _is_iban_without_country, {25}),
        ("rib", _DIGIT_RUN, _is_rib, {23}),
        ("card", _DIGIT_RUN, _is_card, set(range(13, 20))),
    ):
        found += [
            _Span(kind, ERROR, start, end) for start, end in _find_numbers(numbers, run, is_kind, lengths)
        ]
    for match in _RIB_PARTS.finditer(numbers):
        if _rib_key_matches(*match.groups()):
            found.append(_Span("rib", ERROR, match.start(), match.end()))
    for start, end in _find_numbers(numbers, _DIGIT_RUN, _is_nir_without_key, {13}):
        sizes = [len(group) for group in _GROUP.findall(numbers[start:end])]
        # Grouped as on a carte Vitale but without the key, it is one; followed by a key that does not
        # match, or written in one block, it may be another number.
        with_a_wrong_key = _WRONG_NIR_KEY.match(numbers, end) is not None
        sure = sizes == [1, 2, 2, 2, 3, 3] and not with_a_wrong_key
        found.append(_Span("nir", ERROR if sure else WARNING, start, end))
    return found


def _emails_in(view: str) -> list[_Span]:
    found = [_Span("email", ERROR, match.start(), match.end()) for match in _EMAIL.finditer(view)]
    for match in _SPACED_OUT.finditer(view):
        if _EMAIL.search(match[0].replace(" ", "")):
            found.append(_Span("email", ERROR, match.start(), match.end()))
    for pattern in (_OBFUSCATED_EMAIL, _EMAIL_WITHOUT_ENDING):
        for match in pattern.finditer(view):
            level = _obfuscated_email_level(match)
            if level is not None:
                found.append(_Span("email", level, match.start(), match.end()))
    return found


def _phones_in(view: str, numbers: str, *, digits: int) -> list[_Span]:
    found = []
    written_in_digits = digits >= FEWEST_DIGITS_OF_A_PHONE
    matches = phonenumbers.PhoneNumberMatcher(view, "FR", leniency=phonenumbers.Leniency.VALID)
    for match in matches if written_in_digits else []:
        if phonenumbers.number_type(match.number) in _PUBLIC_PHONE_TYPES:
            continue
        if max(len(group) for group in _DIGITS.findall(match.raw_string)) > 1:
            found.append(_Span("phone", ERROR, match.start, match.end))
        elif str(match.number.national_number)[0] in "67":
            # Digit by digit, "0 6 1 2 3 4 5 6 7 8", may be a phone; "0 1 2 3 4 5 6 7 8 9" is a list.
            found.append(_Span("phone", WARNING, match.start, match.end))
    if written_in_digits:
        found += [_Span("phone", level, start, end) for start, end, level in _loose_phones(numbers)]
    for match in _SPELLED_NUMBERS.finditer(view):
        values = [_spelled_value(part[0]) for part in _SPELLED_PART.finditer(match[0])]
        digits = "".join(map(str, values))
        # Phone numbers are read two digits at a time ("douze, trente-quatre"); counting "zéro, un, deux,
        # trois..." is not one.
        read_in_pairs = sum(value >= 10 for value in values) >= 3
        if read_in_pairs and digits.startswith("0") and _is_private_french_phone(digits):
            found.append(_Span("phone", ERROR, match.start(), match.end()))
    return found


def _spelled_value(spelled: str) -> int:
    """ "soixante-dix-huit" is 78, "quatre-vingt-dix-neuf" 99, "vingt et un" 21."""
    total = 0
    for word in re.split(r"[\s-]+", spelled.lower()):
        if word == "et":
            continue
        value = _NUMBER_WORDS[word]
        total = 80 if value == 20 and total == 4 else total + value
    return total


def _obfuscated_email_level(match: re.Match[str]) -> str | None:
    at = match["at"].strip().lower()
    spelled_out = at in ("at", "chez")
    ending = match.groupdict().get("tld")
    if ending and (spelled_out or at == "arobase") and ending.lower() not in _KNOWN_ENDINGS:
        return None
    if at == "@" and "tld" not in match.groupdict() and match["at"] != match["at"].strip():
        # "le compte @orange" is a handle, not an address; "jean.dupont @ gmail" may be one.
        return None if match["at"] == match["at"].rstrip() else WARNING
    return WARNING if spelled_out else ERROR


def _loose_phones(numbers: str) -> list[tuple[int, int, str]]:
    """French numbers written with unusual separators: refused when grouped two by two with one kind of
    separator ("06/12/34/56/78"), only flagged otherwise (a list of small numbers can look the same)."""
    found = []
    for match in _LOOSE_DIGIT_RUN.finditer(numbers):
        groups = [(match.start() + g.start(), match.start() + g.end()) for g in _DIGITS.finditer(match[0])]
        first = 0
        while first < len(groups):
            best = None
            digits = ""
            for last in range(first, len(groups)):
                digits += numbers[groups[last][0] : groups[last][1]]
                if len(digits) > 14:
                    break
                if _is_private_french_phone(digits):
                    best = last
            if best is None:
                first += 1
                continue
            chosen = groups[first : best + 1]
            level = _loose_phone_level(numbers, chosen, "".join(numbers[a:b] for a, b in chosen))
            if level is not None:
                found.append((chosen[0][0], chosen[-1][1], level))
            first = best + 1
    return found


def _loose_phone_level(numbers: str, groups: list[tuple[int, int]], digits: str) -> str | None:
    if len(groups) == 1:
        return None  # one block of digits: phonenumbers has judged it already
    sizes = [end - start for start, end in groups]
    separators = {numbers[groups[i][1] : groups[i + 1][0]] for i in range(len(groups) - 1)}
    separator = next(iter(separators)) if len(separators) == 1 else None
    # One kind of separator, not a comma nor a word: "06/12/34/56/78", "06_12_34_56_78".
    uniform = (
        separator is not None
        and separator.strip() not in (",", ";", ":")
        and not any(character.isalpha() for character in separator)
    )
    # Only mobile numbers when unsure: lists of small even numbers ("02, 04, 06, 08 et 10") look like
    # landlines.
    mobile = _FRENCH_PHONE_DIGITS.fullmatch(digits)[1][0] in "67"
    if len(groups) >= 5 and sizes[-4:] == [2, 2, 2, 2]:
        if uniform:
            return ERROR
        return WARNING if mobile and sizes == [2, 2, 2, 2, 2] and len(separators) <= 2 else None
    # Digit by digit, "0 6 1 2 3 4 5 6 7 8": only a mobile number, since "0 1 2 3 4 5 6 7 8 9" is a list.
    if uniform and max(sizes) == 1 and mobile:
        return WARNING
    return None


def _is_private_french_phone(digits: str) -> bool:
    match = _FRENCH_PHONE_DIGITS.fullmatch(digits)
    if match is None:
        return False
    try:
        number = phonenumbers.parse("0" + match[1], "FR")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) not in _PUBLIC_PHONE_TYPES


def _find_numbers(
    text: str, run: re.Pattern[str], is_kind: Callable[[list[str]], bool], lengths: set[int]
) -> list[tuple[int, int]]:
    """Spans of `text` made of whole groups of a run that `is_kind` accepts, longest first, not overlapping.

    Trying every stretch of whole groups, rather than the whole run, finds a number followed by other
    digits ("4970 1012 3456 7897 12/27") without ever cutting a group in two. `is_kind` is only asked
    about stretches of one of the `lengths` it accepts.
    """
    longest_first = sorted(lengths, reverse=True)
    found = []
    for match in run.finditer(text):
        parts = [group[0] for group in _GROUP.finditer(match[0])]
        spans = [
            (match.start() + group.start(), match.start() + group.end())
            for group in _GROUP.finditer(match[0])
        ]
        # Characters before each group, and which group ends after how many characters: the stretches of
        # an accepted length are found by lookup instead of by trying every stretch.
        before, last_at = [], {}
        total = 0
        for index, part in enumerate(parts):
            before.append(total)
            total += len(part)
            last_at[total] = index
        first = 0
        while first < len(parts):
            best = None
            for length in longest_first:
                last = last_at.get(before[first] + length)
                if last is not None and is_kind(parts[first : last + 1]):
                    best = last
                    break
            if best is None:
                first += 1
            else:
                found.append((spans[first][0], spans[best][1]))
                first = best + 1
    return found


def _is_nir(groups: list[str]) -> bool:
    number = "".join(groups).upper()
    return len(number) == 15 and number[0] in _NIR_FIRST_DIGITS and nir.is_valid(number)


def _is_nir_without_key(groups: list[str]) -> bool:
    number = "".join(groups).upper()
    return len(number) == 13 and _NIR_WITHOUT_KEY.fullmatch(number) is not None


def _is_iban(groups: list[str]) -> bool:
    number = "".join(groups)
    return (
        len(number) >= 15 and number[:2].isalpha() and number[2:4].isdigit() and iban.is_valid(number.upper())
    )


def _is_iban_without_country(groups: list[str]) -> bool:
    # A French IBAN whose "FR" was left out: "76 3000 6000 0112 3456 7890 189".
    number = "".join(groups)
    return len(number) == 25 and number.isdigit() and iban.is_valid("FR" + number)


def _is_rib(groups: list[str]) -> bool:
    # The 23 characters of a French RIB (bank, branch, account, key), e.g. an IBAN without "FR76".
    number = "".join(groups).upper()
    if len(number) != 23 or not (number[:10].isdigit() and number[21:].isdigit()):
        return False
    return _rib_key_matches(number[:5], number[5:10], number[10:21], number[21:])


_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def _rib_key_matches(bank: str, branch: str, account: str, key: str) -> bool:
    account = account.upper().translate(_RIB_LETTERS)
    if not account.isdigit():
        return False
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97 == int(key)


def _is_card(groups: list[str]) -> bool:
    number = "".join(groups)
    if not (13 <= len(number) <= 19 and number.isdigit() and _CARD_PREFIXES.match(number)):
        return False
    sizes = [len(group) for group in groups]
    # How cards are printed: one block, groups of four (the last one shorter), or Amex/Diners 4-6-5/4-6-4.
    printed_like_a_card = (
        len(groups) == 1
        or all(size == 1 for size in sizes)  # digit by digit, to dodge detection
        or (all(size == 4 for size in sizes[:-1]) and sizes[-1] <= 4)
        or sizes in ([4, 6, 5], [4, 6, 4])
    )
    return printed_like_a_card and luhn.is_valid(number)


def _masked(found: str) -> str:
    # Enough to recognise it, not enough to copy it from a message that may be logged or shown to others.
    return f"{found[:3]}…{found[-2:]}" if len(found) > 6 else f"{found[:1]}…"
