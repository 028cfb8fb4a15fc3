"""Phone, social security, bank account and card numbers in a text (SPEC.md §3, personal data).

Text in, spans out: `moisson.personal_data` turns them into findings. The numbers are read from the text's
digits, with the letters that stand in for digits read as digits ("O6 l2 34 56 78"); phones spelled out in
French words ("zéro six, douze...") are read from the words.

Every search is named in `NUMBER_SEARCHES`; `number_searches_worth_running` says, by cheap tests, which of
them may find anything in a text (most texts hold too few digits for any), and the searches run only those.
"""

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn, numdb
from stdnum.fr import nir

from .findings import ERROR, WARNING

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
_LOOKALIKE_BESIDE_A_DIGIT = re.compile("[0-9](?:(?<=[OoIl][0-9])|(?=[OoIl]))")
_ASCII_DIGITS = "0123456789"
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
class Span:
    kind: str
    level: str
    start: int
    end: int


def with_lookalike_digits(view: str) -> str:
    """`view` with the letters that stand in for digits inside a number read as digits ("O6 l2" → "06 12"):
    the text the number searches read. Same length as `view`, so positions are the same."""
    # Only a letter beside a digit can become one (a number's letters and digits are side by side).
    if not _LOOKALIKE_BESIDE_A_DIGIT.search(view):
        return view
    return _DIGIT_LOOKALIKES.sub(lambda match: match[0].translate(_AS_DIGITS), view)


# The fewest digits (0-9, lookalikes read) in which each search can find anything. A social security number
# has 15 characters, its département may be 2A or 2B, 12 digits are left without its key; a RIB's account
# number may be letters, and so may all of an IBAN but its check digits in some countries; a card has 13
# digits or more; a French phone number 10.
FEWEST_DIGITS = {
    "nir": 14,
    "nir_without_key": 12,
    "iban": 2,
    "iban_without_country": 25,
    "rib": 12,
    "rib_parts": 12,
    "card": 13,
    "loose_phone": 10,
}
# The shortest valid phone number, its country code included, has 6 digits (+43 1234, Austria; a test
# checks it against phonenumbers' metadata). phonenumbers reads a number from digits with up to four of
# its separators between them (`_VALID_PUNCTUATION`, any case: a test checks that `_PHONE_SEPARATOR` holds
# them all); it would read an "x" as a digit, hence the "x" among the digits.
FEWEST_DIGITS_OF_A_PHONE = 6
_PHONE_SEPARATOR = r"[\s\-xX‐-―−ー－／()（）［］.．\[\]/~⁓∼～\u00ad\u200b\u2060]"
_PHONE_LIKE = re.compile(rf"[\dxX](?:{_PHONE_SEPARATOR}{{0,4}}[\dxX]){{{FEWEST_DIGITS_OF_A_PHONE - 1}}}")
# An IBAN starts with its country's code and two check digits (stdnum knows no IBAN of other countries), and
# has 15 characters or more: digits, ASCII letters, one separator between groups. Looked for from a digit,
# which most text lacks, this costs far less than the search.
_IBAN_COUNTRY = "|".join(
    f"[{code[0]}{code[0].lower()}][{code[1]}{code[1].lower()}]"
    for code in sorted({prefix[1] for prefix in numdb.get("iban").prefixes})
)
_IBAN_START = re.compile(
    rf"[0-9](?:(?<=(?:{_IBAN_COUNTRY})[0-9])|(?<=(?:{_IBAN_COUNTRY}){_SEPARATOR}[0-9]))"
    rf"(?:{_SEPARATOR}?[A-Za-z0-9]){{12}}"
)
NUMBER_SEARCHES = frozenset({*FEWEST_DIGITS, "phone", "spelled_phone"})


def number_searches_worth_running(view: str, numbers: str, *, casefolded: str) -> set[str]:
    """The searches of `NUMBER_SEARCHES` that may find something in `view` (`numbers`: the same with its
    lookalike digits read; `casefolded`: its `casefold()`): each of the others provably finds nothing."""
    digits = sum(map(numbers.count, _ASCII_DIGITS))
    worth = {search for search, fewest in FEWEST_DIGITS.items() if digits >= fewest}
    if "iban" in worth and not _IBAN_START.search(numbers):
        worth.remove("iban")
    if _PHONE_LIKE.search(view):
        worth.add("phone")
    # A phone spelled out is read from its leading 0: it starts with "zéro" (any case).
    if "zero" in casefolded or "zéro" in casefolded:
        worth.add("spelled_phone")
    return worth


def account_numbers_in(numbers: str, *, searches: Collection[str] = NUMBER_SEARCHES) -> list[Span]:
    """Social security, bank account and card numbers, their keys checked."""
    found = []
    for kind, search, run, is_kind, lengths in (
        ("nir", "nir", _DIGIT_RUN, _is_nir, {15}),
        ("iban", "iban", _IBAN_RUN, _is_iban, set(range(15, 35))),
        ("iban", "iban_without_country", _DIGIT_RUN, _is_iban_without_country, {25}),
        ("rib", "rib", _DIGIT_RUN, _is_rib, {23}),
        ("card", "card", _DIGIT_RUN, _is_card, set(range(13, 20))),
    ):
        if search in searches:
            found += [
                Span(kind, ERROR, start, end) for start, end in _find_numbers(numbers, run, is_kind, lengths)
            ]
    for match in _RIB_PARTS.finditer(numbers) if "rib_parts" in searches else []:
        if _rib_key_matches(*match.groups()):
            found.append(Span("rib", ERROR, match.start(), match.end()))
    if "nir_without_key" not in searches:
        return found
    for start, end in _find_numbers(numbers, _DIGIT_RUN, _is_nir_without_key, {13}):
        sizes = [len(group) for group in _GROUP.findall(numbers[start:end])]
        # Grouped as on a carte Vitale but without the key, it is one; followed by a key that does not
        # match, or written in one block, it may be another number.
        with_a_wrong_key = _WRONG_NIR_KEY.match(numbers, end) is not None
        sure = sizes == [1, 2, 2, 2, 3, 3] and not with_a_wrong_key
        found.append(Span("nir", ERROR if sure else WARNING, start, end))
    return found


def phones_in(view: str, numbers: str, *, searches: Collection[str] = NUMBER_SEARCHES) -> list[Span]:
    found = []
    written_in_digits = "phone" in searches
    matches = phonenumbers.PhoneNumberMatcher(view, "FR", leniency=phonenumbers.Leniency.VALID)
    for match in matches if written_in_digits else []:
        if phonenumbers.number_type(match.number) in _PUBLIC_PHONE_TYPES:
            continue
        if max(len(group) for group in _DIGITS.findall(match.raw_string)) > 1:
            found.append(Span("phone", ERROR, match.start, match.end))
        elif str(match.number.national_number)[0] in "67":
            # Digit by digit, "0 6 1 2 3 4 5 6 7 8", may be a phone; "0 1 2 3 4 5 6 7 8 9" is a list.
            found.append(Span("phone", WARNING, match.start, match.end))
    if "loose_phone" in searches:
        found += [Span("phone", level, start, end) for start, end, level in _loose_phones(numbers)]
    for match in _SPELLED_NUMBERS.finditer(view) if "spelled_phone" in searches else []:
        values = [_spelled_value(part[0]) for part in _SPELLED_PART.finditer(match[0])]
        digits = "".join(map(str, values))
        # Phone numbers are read two digits at a time ("douze, trente-quatre"); counting "zéro, un, deux,
        # trois..." is not one.
        read_in_pairs = sum(value >= 10 for value in values) >= 3
        if read_in_pairs and digits.startswith("0") and _is_private_french_phone(digits):
            found.append(Span("phone", ERROR, match.start(), match.end()))
    return found


def _spelled_value(spelled: str) -> int:
    """ "soixante-dix-huit" is 78, "quatre-vingt-dix-neuf" 99, "vingt et un" 21."""
    total = 0
    for word in re.split(r"[\s-]+", spelled):
        if word.lower() == "et":
            continue
        value = _number_word_value(word)
        total = 80 if value == 20 and total == 4 else total + value
    return total


def _number_word_value(word: str) -> int:
    # The searches match number words as Unicode ignores case, where "sıx" (dotless ı) and "SİX" are "six";
    # str.lower() does not make them "six".
    return next(value for name, value in _NUMBER_WORDS.items() if re.fullmatch(name, word, re.IGNORECASE))


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
