"""How text is cleaned where it enters Moisson, and how it is compared (SPEC.md §3; issue 13, "lookalikes").

Pure text tools, no database: they live below the apps because `accounts` (pseudonyms) needs them as much
as `collect` and `review`, and `accounts` must not import `collect`.

`normalize_text` runs once, where people's text comes in (the services of `collect` and `review`, a
pseudonym), before any check, hash or storage: what is stored is what people see, without the invisible
characters that would let two identical-looking texts differ, or a browser's CRLF line breaks make a text
look edited.

`fold_confusables` and `comparable_view` are for comparing, never for storing: they map lookalike letters
(Cyrillic "а", Greek "ο"...) to the Latin letter they imitate, with the Unicode TR39 skeleton of the
`disarm` library, so that duplicates, personal data and the language check see the text as a reader does.
"""

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence

from disarm import skeleton_key

# Invisible characters that change a string without changing what a reader sees: zero-width space,
# non-joiner and joiner, word joiner, byte-order mark, soft hyphen, the invisible maths operators, the
# Mongolian vowel separator, combining grapheme joiner; and the bidirectional marks, embeddings, overrides
# and isolates, which can also reorder what is displayed.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters nobody types (NUL cannot even be stored by PostgreSQL); tabs and line breaks stay.
_CONTROLS = frozenset(chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_DROPPED = INVISIBLE | _CONTROLS
_DROP_TABLE = dict.fromkeys(map(ord, _DROPPED))
# Searched for before dropping: most texts hold none of them, and `str.translate` looks each character up
# in the table (in vain, as an exception), twelve times slower than this search.
_ANY_DROPPED = re.compile("[" + "".join(sorted(map(re.escape, _DROPPED))) + "]")
_LINE_BREAKS = re.compile("\r\n|\r|\u2028|\u2029|\u0085")
# What may need folding or dropping: everything but printable ASCII, tabs and line breaks.
_NOT_PLAIN_ASCII = re.compile(r"[^\t\n\r\x20-\x7e]")
# Where the characters of French text come from besides ASCII: Latin-1 and Latin Extended (é, œ, «, °),
# general punctuation (’, –, …, narrow no-break space), currency signs (€), arrows and maths operators (→,
# −, ≈). Those of them that fold to themselves are found once, at import, so that a text made of them needs
# no folding at all (every released row is read again: most are such texts).
_COMMON_BLOCKS = [range(0x00A0, 0x0250), range(0x2000, 0x2070), range(0x20A0, 0x20D0), range(0x2190, 0x2300)]
# Letters of the Latin script up to Latin Extended-B (French, its accents, œ, æ...) are never folded: a
# French text's comparison key stays what it was before folding existed.
_LAST_PLAIN_CODE_POINT = 0x024F


def normalize_text(text: str) -> str:
    """The text as it is stored: NFC, no invisible characters, LF line breaks, no spaces at line ends."""
    if _ANY_DROPPED.search(text):
        text = text.translate(_DROP_TABLE)
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    # Line by line rather than with a regex: a regex anchored at line ends backtracks quadratically on a
    # long run of spaces.
    return "\n".join(line.rstrip() for line in text.split("\n"))


class CharacterMap(dict):
    """A `str.translate` table that `function` fills as characters are met (a character in, the code point
    it becomes out, or None to drop it): the function runs once per character in the life of the process,
    and translating a text then runs at C speed instead of a Python loop over its characters.

    Only the characters below KEPT_BELOW are kept (the alphabets and punctuation of French texts, and those
    of most others): a client sending texts made of every code point of Unicode would otherwise grow each
    table of each server process to a million entries."""

    KEPT_BELOW = 0x3000

    def __init__(self, function: Callable[[str], int | None]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, code: int) -> int | None:
        value = self._function(chr(code))
        if code < self.KEPT_BELOW:
            self[code] = value
        return value


def has_bidi_controls(text: str) -> bool:
    return any(character in BIDI_CONTROLS for character in text)


def fold_confusables(text: str) -> str:
    """Lookalike letters and digits of other scripts replaced by the Latin ones they imitate (TR39)."""
    return _CHANGED_BY_FOLDING.sub(lambda match: _fold(match[0]), text)


def comparable_view(text: str) -> tuple[str, Sequence[int]]:
    """The text as a reader sees it (compatibility forms, lookalikes folded, invisible characters dropped)
    with, for each character of the view, the position in `text` it comes from.

    Checks look for personal data in the view and report positions in the original text.
    """
    if _CHANGED_BY_FOLDING.search(text) is None:
        # Most French text: nothing to fold, the view is the text itself.
        return text, range(len(text) + 1)
    view: list[str] = []
    origins: list[int] = []
    done = 0
    for match in _CHANGED_BY_FOLDING.finditer(text):
        position = match.start()
        view.append(text[done:position])
        origins.extend(range(done, position))
        seen = _fold(match[0])
        view.append(seen)
        origins.extend([position] * len(seen))
        done = position + 1
    view.append(text[done:])
    origins.extend(range(done, len(text) + 1))
    return "".join(view), origins


def skeleton(text: str) -> str:
    """A key under which the spellings a reader cannot tell apart are equal: pseudonyms' uniqueness.

    Case, invisible characters and lookalike letters of any script are folded ("Alice", "ALICE",
    "Alice\u200b" and "Аlice" with a Cyrillic А have the same key).
    """
    return skeleton_key(normalize_text(text).casefold()) if text else ""


def skeletons(text: str) -> set[str]:
    """`skeleton`, and the key of what the text looks like before case is folded: a capital I reads as a
    small l ("AIice" looks like "Alice"), which folding case first would hide."""
    return {skeleton(text), skeleton(skeleton_key(normalize_text(text)))} - {""}


@functools.lru_cache(maxsize=4096)
def _fold(character: str) -> str:
    if character in _DROPPED:
        return ""
    # Fullwidth "＠", mathematical bold letters and ligatures first become what they stand for (NFKC).
    compatible = unicodedata.normalize("NFKC", character)
    return "".join(
        skeleton_key(part)
        if ord(part) > _LAST_PLAIN_CODE_POINT and unicodedata.category(part)[0] in "LN"
        else part
        for part in compatible
    )


# Plain ASCII, and the characters of `_COMMON_BLOCKS` that fold to themselves: a text made of these is its
# own view. Everything else may change when folded.
UNCHANGED_BY_FOLDING = (
    "\t\n\r"
    + "".join(map(chr, range(0x20, 0x7F)))
    + "".join(
        character
        for character in map(chr, itertools.chain(*_COMMON_BLOCKS))
        if _fold.__wrapped__(character) == character
    )
)
_CHANGED_BY_FOLDING = re.compile("[^" + re.escape(UNCHANGED_BY_FOLDING) + "]")
