"""Personal data in any text: e-mail addresses, phone, social security, bank account and card numbers
(SPEC.md §3). Text in, findings out, no database: pairs are checked when written (`collect.checks`) and
again when released (`export.rows`), and pseudonyms when chosen (`accounts.models`).

The numbers themselves are found by `moisson.personal_numbers`; this module reads the text as a reader
sees it, finds the e-mail addresses, and words the findings.

Every release reads every published row again, so most texts must cost next to nothing: before searching,
`worth_searching` rules out, by cheap exact tests, the searches that cannot find anything in a text (no
"@" nor spelled-out "at", no "zéro", too few digits). It never changes an answer: the tests compare it,
on varied texts, with every search run.
"""

import re
from collections.abc import Collection

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy

from .findings import ERROR, PLACES, WARNING, Finding
from .personal_numbers import (
    NUMBER_SEARCHES,
    Span,
    account_numbers_in,
    number_searches_worth_running,
    phones_in,
    with_lookalike_digits,
)
from .text import UNCHANGED_BY_FOLDING, comparable_view


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
# Spellings people use to hide an address from robots: "jean.dupont @ gmail.com", "jean [at] gmail [dot]
# com", "jean (at) gmail (point) fr", "jean arobase gmail point com", "jean.dupont(a)gmail.com".
_AT_IN_BRACKETS = r"[\[({<]\s*(?:at|arobase|a|@)\s*[\])}>]"
_AT_IN_WORDS = r"(?:at|arobase|chez)"
_AT = rf"(?P<at>\s*@\s*|\s*{_AT_IN_BRACKETS}\s*|\s+{_AT_IN_WORDS}\s+)"
# Every address pattern holds an "@" or one of these: looked for alone, they cost far less. The second is
# looked for in the casefolded text: "ARObase" as well.
_BRACKETED_AT = re.compile(_AT_IN_BRACKETS, re.IGNORECASE)
_SPELLED_OUT_AT = re.compile(rf"\s{_AT_IN_WORDS}\s")
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


# A text made only of these holds nothing that any search looks for but a lone "at" or "arobase": it is its
# own view (nothing to fold), without digits (numbers, phones), "@" nor brackets (addresses), nor "z" ("zéro"
# starts a spelled-out phone, "chez" may stand for "at").
_QUIET = re.compile(
    "[^" + re.escape("".join(sorted(set(UNCHANGED_BY_FOLDING) - set("0123456789@[({<zZ")))) + "]"
)
# "at" or "arobase" alone, in any case: in a quiet text only ASCII letters match them (a test checks it).
# Anchored on the "a", so that the search skips the rest of the text.
_AT_ALONE = re.compile(r"[aA](?<=\s[aA])(?:[tT]|[rR][oO][bB][aA][sS][eE])\s")


def find_personal_data(text: str, *, field: str) -> list[Finding]:
    """Every e-mail address, phone, social security, bank account and card number found in `text`.

    `text` may be any text (a pair's field, a pseudonym, a released row): it is read as a reader sees it,
    with lookalike letters folded and invisible characters ignored, and the spans found point into `text`.
    Only its first `max_checked_chars()` characters are read.
    """
    text = text[: max_checked_chars()]
    if nothing_to_search_in(text):
        return []
    view, origins = comparable_view(text)
    numbers = with_lookalike_digits(view)
    spans = spans_found(view, numbers, searches=worth_searching(view, numbers))
    findings = []
    for span in spans:
        start, end = origins[span.start], origins[span.end - 1] + 1
        template = _PERSONAL_DATA_MESSAGES[span.kind] if span.level == ERROR else _UNSURE_MESSAGE
        message = str(template) % {
            "excerpt": _masked(text[start:end]),
            "place": PLACES[field],
            "what": _KIND_NAMES[span.kind],
        }
        findings.append(
            Finding(code=span.kind, field=field, level=span.level, message=message, start=start, end=end)
        )
    return findings


SEARCHES = NUMBER_SEARCHES | {"email"}


def nothing_to_search_in(text: str) -> bool:
    """Whether a quick look proves that no search can find anything in `text`: true of most texts."""
    return _QUIET.search(text) is None and _AT_ALONE.search(text) is None


def worth_searching(view: str, numbers: str) -> set[str]:
    """The searches of `SEARCHES` that may find something in `view` (`numbers`: the same with its lookalike
    digits read); each of the others provably finds nothing there."""
    # The searches ignore case as Unicode does: any character that matches one of the letters they look for
    # casefolds to that letter (a test checks it), so the casefolded text holds any word they would find.
    casefolded = view.casefold()
    worth = number_searches_worth_running(view, numbers, casefolded=casefolded)
    if "@" in view or _BRACKETED_AT.search(view) or _SPELLED_OUT_AT.search(casefolded):
        worth.add("email")
    return worth


def spans_found(view: str, numbers: str, *, searches: Collection[str] = SEARCHES) -> list[Span]:
    """Where personal data is in `view`, in order, found by `searches` (all of them unless told)."""
    spans: list[Span] = []
    emails = _emails_in(view) if "email" in searches else []
    # The most specific first: a phone number found inside an IBAN is the IBAN.
    for span in [
        *account_numbers_in(numbers, searches=searches),
        *emails,
        *phones_in(view, numbers, searches=searches),
    ]:
        if not any(span.start < other.end and other.start < span.end for other in spans):
            spans.append(span)
    return sorted(spans, key=lambda span: span.start)


def _emails_in(view: str) -> list[Span]:
    found = [Span("email", ERROR, match.start(), match.end()) for match in _EMAIL.finditer(view)]
    for match in _SPACED_OUT.finditer(view):
        if _EMAIL.search(match[0].replace(" ", "")):
            found.append(Span("email", ERROR, match.start(), match.end()))
    for pattern in (_OBFUSCATED_EMAIL, _EMAIL_WITHOUT_ENDING):
        for match in pattern.finditer(view):
            level = _obfuscated_email_level(match)
            if level is not None:
                found.append(Span("email", level, match.start(), match.end()))
    return found


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


def _masked(found: str) -> str:
    # Enough to recognise it, not enough to copy it from a message that may be logged or shown to others.
    return f"{found[:3]}…{found[-2:]}" if len(found) > 6 else f"{found[:1]}…"
