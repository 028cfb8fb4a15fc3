"""Text checks run while a pair is written and when it is submitted (SPEC.md §3).

Lengths, language and personal data: text in, findings out. Nothing here touches the database or HTTP, so
the web form, the API and the management commands get exactly the same answers. The personal-data
detection itself is `moisson.personal_data` (pseudonyms need it too); duplicates need the database and
live in `collect/services.py` (with the helpers of `collect/similarity.py`).
"""

import os
import re
import threading
from enum import StrEnum

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from moisson.findings import ERROR, PLACES, WARNING, Finding
from moisson.personal_data import find_personal_data
from moisson.text import CharacterMap, fold_confusables


def check_pair_text(*, question: str, context: str, answer: str, task_type: str = "") -> list[Finding]:
    return check_pairs_text(
        [{"question": question, "context": context, "answer": answer, "task_type": task_type}]
    )[0]


def check_pairs_text(pairs: list[dict]) -> list[list[Finding]]:
    """`check_pair_text` of many pairs (dicts of its arguments), the same findings for each: the language of
    their questions and answers, and of the contexts that are judged, is judged all at once, on every core
    (see `language_verdicts`)."""
    judged_contexts = [
        index
        for index, pair in enumerate(pairs)
        if _context_is_judged(context=pair["context"], task_type=pair.get("task_type", ""))
    ]
    verdicts = language_verdicts(
        [_question_and_answer(pair["question"], pair["answer"]) for pair in pairs]
        + [pairs[index]["context"] for index in judged_contexts]
    )
    context_verdicts = dict(zip(judged_contexts, verdicts[len(pairs) :], strict=True))
    results = []
    for index, (pair, verdict) in enumerate(zip(pairs, verdicts[: len(pairs)], strict=True)):
        question, context, answer = pair["question"], pair["context"], pair["answer"]
        findings = check_lengths(question=question, context=context, answer=answer)
        findings += check_language(
            question=question,
            context=context,
            answer=answer,
            task_type=pair.get("task_type", ""),
            verdict=verdict,
            context_verdict=context_verdicts.get(index),
        )
        results.append(findings + personal_data_in(question=question, context=context, answer=answer))
    return results


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

# What counts as a letter: `str.isalpha`. Counted by dropping the other characters (see CharacterMap).
_LETTERS_ONLY = CharacterMap(lambda character: ord(character) if character.isalpha() else None)

_detector: LanguageDetector | None = None
# The process that built the detector: the only one where lingua's threads run (see `_in_parallel`).
_detector_process: int | None = None
_detector_lock = threading.Lock()


class LanguageVerdict(StrEnum):
    TOO_SHORT = "too_short"
    FRENCH = "french"
    UNSURE = "unsure"
    NOT_FRENCH = "not_french"


_NOT_FRENCH_ENOUGH = (LanguageVerdict.UNSURE, LanguageVerdict.NOT_FRENCH)


def language_verdict(text: str) -> LanguageVerdict:
    return language_verdicts([text])[0]


def language_verdicts(texts: list[str]) -> list[LanguageVerdict]:
    """The verdict on each text; several texts are handed to lingua together, which spreads them over the
    cores (its `..._in_parallel` call: the same models and the same scores), where it can (`_in_parallel`)."""
    # Judged as a reader sees it: lookalike letters of other scripts and invisible characters would make a
    # French (or English) text look like something else.
    proses = [_NOT_PROSE.sub(" ", fold_confusables(text[:LANGUAGE_SAMPLE_CHARS])) for text in texts]
    letters = [len(prose.translate(_LETTERS_ONLY)) for prose in proses]
    judged = [index for index, count in enumerate(letters) if count >= MIN_LETTERS_TO_JUDGE]
    detector = _language_detector()
    if len(judged) <= 1 or not _in_parallel():
        scores = [detector.compute_language_confidence_values(proses[index]) for index in judged]
    else:
        scores = detector.compute_language_confidence_values_in_parallel([proses[index] for index in judged])
    verdicts = [LanguageVerdict.TOO_SHORT] * len(texts)
    for index, confidences in zip(judged, scores, strict=True):
        verdicts[index] = _verdict(letters[index], confidences)
    return verdicts


def _verdict(letters: int, confidences: list) -> LanguageVerdict:
    # Text in a script none of our languages uses (Cyrillic, CJK...) gets no confidence at all: French is 0.
    french = next((item.value for item in confidences if item.language == Language.FRENCH), 0.0)
    if confidences and confidences[0].language == Language.FRENCH and french > 0:
        return LanguageVerdict.FRENCH
    if letters >= MIN_LETTERS_TO_BLOCK and french < MAX_FRENCH_CONFIDENCE_TO_BLOCK:
        return LanguageVerdict.NOT_FRENCH
    return LanguageVerdict.UNSURE


def check_language(
    *,
    question: str,
    context: str,
    answer: str,
    task_type: str = "",
    verdict: LanguageVerdict | None = None,
    context_verdict: LanguageVerdict | None = None,
) -> list[Finding]:
    """Judge the question and the answer together: a question alone is often too little text to judge.

    `verdict` is that of the question and answer together, and `context_verdict` that of the context, when
    the caller judged them already (with others). The context is quoted material: a text to translate is in
    another language by nature, and a text to summarise or to answer from may be too. It never blocks;
    outside translations it only warns.
    """
    if verdict is None:
        verdict = language_verdict(_question_and_answer(question, answer))
    findings = _check_question_and_answer(question=question, answer=answer, verdict=verdict)
    if not _context_is_judged(context=context, task_type=task_type):
        return findings
    if context_verdict is None:
        context_verdict = language_verdict(context)
    if context_verdict in _NOT_FRENCH_ENOUGH:
        message = _(
            "The context does not look like French. That is fine if the task needs a text in another "
            "language; otherwise, please use a French text."
        )
        findings.append(Finding(code="language_unsure", field="context", level=WARNING, message=message))
    return findings


def _context_is_judged(*, context: str, task_type: str) -> bool:
    """Whether the language of a pair's context is judged: there is one, and it is not a text to translate."""
    return bool(context) and task_type != "translation"


def _question_and_answer(question: str, answer: str) -> str:
    return f"{question}\n{answer}"


def _check_question_and_answer(*, question: str, answer: str, verdict: LanguageVerdict) -> list[Finding]:
    fields = {"question": question, "answer": answer}
    if verdict in (LanguageVerdict.TOO_SHORT, LanguageVerdict.FRENCH):
        return []
    field_verdicts = {field: language_verdict(text) for field, text in fields.items()}
    off = [field for field, field_verdict in field_verdicts.items() if field_verdict in _NOT_FRENCH_ENOUGH]
    if len(off) == 1:
        # One field is the problem (typically an answer pasted in English): point at it, and block if that
        # field alone is clearly not French even though the French around it blurs the whole.
        field, place = off[0], PLACES[off[0]]
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


def language_detector_loaded() -> bool:
    """Whether this process has built the detector, and so started lingua's threads."""
    return _detector is not None


def _in_parallel() -> bool:
    """Whether lingua's parallel calls may be used here: only in the process that built the detector.

    Building it starts lingua's threads, which its parallel calls hand the texts to. A process forked since
    has a copy of the detector without those threads (a fork copies only the thread that forks), and a
    parallel call there waits forever: a web server's workers are such processes, their master having built
    the detector before forking them (moisson.wsgi.prepare_to_fork). There, texts are judged one by one, with
    the same models and the same scores."""
    return _detector_process == os.getpid()


def _language_detector() -> LanguageDetector:
    # Built on first use, not at import: migrations, Celery exports and the admin never pay for the models.
    # The lock keeps two threads of one process from loading them twice.
    global _detector, _detector_process
    with _detector_lock:
        if _detector is None:
            _detector = (
                LanguageDetectorBuilder.from_languages(*DETECTED_LANGUAGES)
                .with_preloaded_language_models()
                .build()
            )
            _detector_process = os.getpid()
        return _detector


# Personal data -------------------------------------------------------------------------------------------
