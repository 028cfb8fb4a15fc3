"""The verifiable final answer of a pair (SPEC §2–3 as refined by issue 15, item 4).

Some pairs end in a short answer that can be compared: a number, a word, a letter. The author may give
it as `final_answer`; it is stored normalised (`normalise`), so that "1 234,50", "1 234.5" and "1234,5"
are the same answer. When the question is one the site can answer itself — a pure arithmetic
expression, the number of times a letter occurs in a quoted word, or the number of letters of a quoted
word — `expected_answer` computes the value and `check_final_answer` warns when the author's answer
differs.

Arithmetic is evaluated by walking a Python `ast` tree that may hold only numbers, + - * / ** and
parentheses, with exact fractions and bounded sizes: never `eval`.

Text in, findings out: nothing here touches the database or HTTP.
"""

import ast
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _

from moisson.findings import WARNING, Finding

# Task types whose answer usually ends in something short and checkable.
FINAL_ANSWER_TASK_TYPES = ("reasoning", "closed_qa", "classification", "extraction")

# Spaces people (and word processors) put between groups of thousands: space, no-break space, narrow
# no-break space, thin space.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_NUMBER = re.compile(
    r"""^
    (?P<sign>[-\u2212+]?)
    (?P<int>\d{1,3}(?:(?P<sep>[ \u00a0\u202f\u2009.,'])\d{3})(?:(?P=sep)\d{3})*|\d+)
    (?:(?P<dec>[.,])(?P<frac>\d+))?
    $""",
    re.VERBOSE,
)
# Quotes around a word, as French (« »), English (“ ” " ") or typewriter quotes write them.
_QUOTED = re.compile(r"[«“\"]\s*([^«»“”\"]+?)\s*[»”\"]")
_SMALL_NUMBERS = {
    "zéro": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "dix-sept": 17,
    "dix-huit": 18,
    "dix-neuf": 19,
    "vingt": 20,
}

# Bounds of the arithmetic evaluator: enough for school maths, too little to keep a server busy.
MAX_EXPRESSION_LENGTH = 200
MAX_NODES = 60
MAX_DIGITS = 30
MAX_EXPONENT = 64


@dataclass(frozen=True)
class Expected:
    kind: str  # "arithmetic" | "letter_count" | "word_length"
    value: Fraction

    @property
    def text(self) -> str:
        return format_number(self.value)


@dataclass(frozen=True)
class FinalAnswerCheck:
    final_answer: str  # normalised, "" when none was given
    expected: Expected | None  # what the site computed from the question, if it could
    checked: bool  # the site computed the value and the final answer matches it
    finding: Finding | None  # a warning when the final answer differs from the computed value


# Normalisation -------------------------------------------------------------------------------------------


def parse_number(text: str) -> Decimal | None:
    """A number as French or English writes it: "1 234,5", "1 234.5", "1234,50", "1.234,5", "-3"."""
    text = text.strip()
    match = _NUMBER.match(text)
    if match is None:
        return None
    sep, dec = match.group("sep"), match.group("dec")
    if sep is not None and sep == dec:
        return None
    if sep in (".", ",") and dec is None and sep == ",":
        # "1,234" is one and a bit in French, not one thousand: a lone comma is a decimal comma.
        return _decimal(match.group("sign"), text_int=match.group("int").replace(",", "."), frac="")
    integer = match.group("int")
    if sep is not None and not (sep == "." and dec is None and integer.count(".") == 1):
        integer = integer.replace(sep, "")
    return _decimal(match.group("sign"), text_int=integer, frac=match.group("frac") or "")


def _decimal(sign: str, *, text_int: str, frac: str) -> Decimal | None:
    literal = text_int + (f".{frac}" if frac else "")
    try:
        value = Decimal(literal)
    except InvalidOperation:
        return None
    return -value if sign in ("-", "\u2212") else value


def format_number(value: Fraction | Decimal) -> str:
    """The canonical French writing of a number: decimal comma, no thousands separator, no trailing zero.

    A fraction that has no finite decimal writing is rounded to 6 decimals.
    """
    if isinstance(value, Fraction):
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
        if not _is_finite_decimal(value):
            decimal = decimal.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    else:
        decimal = value
    if decimal == decimal.to_integral_value():
        text = str(decimal.quantize(Decimal(1)))
    else:
        text = format(decimal.normalize(), "f")
    if text in ("-0", "+0"):
        text = "0"
    return text.replace(".", ",")


def normalise(text: str) -> str:
    """A final answer as stored and compared: numbers canonical, words in lower case, accents kept."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    # Sentence punctuation and quotes around a short answer are not part of it.
    text = text.strip(" .!?;:«»“”\"'").strip()
    number = parse_number(text)
    if number is not None:
        return format_number(number)
    return text.casefold()


def answer_value(final_answer: str) -> Decimal | None:
    """The number a normalised final answer stands for: digits, or a small number written in words."""
    number = parse_number(final_answer)
    if number is not None:
        return number
    if final_answer in _SMALL_NUMBERS:
        return Decimal(_SMALL_NUMBERS[final_answer])
    return None


# What the site can compute -----------------------------------------------------------------------------


def expected_answer(question: str) -> Expected | None:
    """The value the question asks for, when the site can compute it; None otherwise."""
    text = unicodedata.normalize("NFC", " ".join(question.split()))
    if len(text) > 2 * MAX_EXPRESSION_LENGTH:
        return None
    return _letter_question(text) or _arithmetic_question(text)


_ARITHMETIC_LEAD = re.compile(
    r"^(?:combien\s+(?:font|fait|vaut|valent|égale|égalent)|que\s+(?:vaut|valent|font|fait|donne)|"
    r"quel\s+est\s+le\s+résultat\s+de|quelle\s+est\s+la\s+valeur\s+de|calcule[rz]?|calculez|"
    r"effectue[rz]?|effectuez)\s*:?\s*",
    re.IGNORECASE,
)
_ARITHMETIC_TAIL = re.compile(r"(?:\s*[=?.!])*\s*$")
_EXPRESSION_CHARS = re.compile(r"^[\d\s\u00a0\u202f\u2009.,+\-\u2212*/×x÷:^()]+$")
_EXPRESSION_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")


def _arithmetic_question(text: str) -> Expected | None:
    body = _ARITHMETIC_LEAD.sub("", text)
    body = _ARITHMETIC_TAIL.sub("", body)
    if not body or len(body) > MAX_EXPRESSION_LENGTH or not _EXPRESSION_CHARS.match(body):
        return None
    python = _to_python(body)
    if python is None:
        return None
    value = evaluate(python)
    return Expected(kind="arithmetic", value=value) if value is not None else None


def _to_python(body: str) -> str | None:
    """Rewrite a French expression with Python's operators; numbers become exact fraction literals."""
    parts = []
    position = 0
    for match in _EXPRESSION_NUMBER.finditer(body):
        parts.append(body[position : match.start()])
        number = parse_number(match.group(0))
        if number is None:
            return None
        parts.append(f" {number} ")
        position = match.end()
    parts.append(body[position:])
    python = "".join(parts)
    for french, operator in (("×", "*"), ("x", "*"), ("÷", "/"), (":", "/"), ("^", "**"), ("\u2212", "-")):
        python = python.replace(french, operator)
    if "," in python or not any(op in python for op in "+-*/"):
        # A comma left over is not part of a number, and a lone number is not a calculation.
        return None
    return python


def evaluate(expression: str) -> Fraction | None:
    """The exact value of an arithmetic expression, or None when it is not one or is out of bounds."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None
    if sum(1 for _node in ast.walk(tree)) > MAX_NODES:
        return None
    try:
        return _value(tree.body)
    except (ZeroDivisionError, OverflowError, _OutOfBounds):
        return None


class _OutOfBounds(Exception):
    pass


_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _value(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        # Decimal literals are read from their text, never through a binary float.
        value = Fraction(str(node.value))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand)
        value = -operand if isinstance(node.op, ast.USub) else operand
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _OPERATORS):
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Add):
            value = left + right
        elif isinstance(node.op, ast.Sub):
            value = left - right
        elif isinstance(node.op, ast.Mult):
            value = left * right
        elif isinstance(node.op, ast.Div):
            value = left / right
        else:
            if right.denominator != 1 or abs(right) > MAX_EXPONENT:
                raise _OutOfBounds
            value = left ** int(right)
    else:
        raise _OutOfBounds
    if len(str(value.numerator)) > MAX_DIGITS or len(str(value.denominator)) > MAX_DIGITS:
        raise _OutOfBounds
    return value


_HOW_MANY = re.compile(r"\bcombien\b", re.IGNORECASE)
_LETTERS_WORD = re.compile(r"\blettres?\b", re.IGNORECASE)


def _letter_question(text: str) -> Expected | None:
    """ "Combien de « r » dans « fraise » ?" and "Combien de lettres comporte le mot « lettre » ?" """
    if not _HOW_MANY.search(text):
        return None
    quoted = _QUOTED.findall(text)
    if len(quoted) == 2 and len(quoted[0]) == 1 and quoted[0].isalpha() and quoted[1].strip():
        letter, word = quoted[0].casefold(), quoted[1].casefold()
        return Expected(kind="letter_count", value=Fraction(word.count(letter)))
    if len(quoted) == 1 and _LETTERS_WORD.search(text) and len(quoted[0]) > 1:
        # Letters only: a hyphen, an apostrophe or a space is not a letter.
        return Expected(kind="word_length", value=Fraction(sum(1 for char in quoted[0] if char.isalpha())))
    return None


# The check -------------------------------------------------------------------------------------------


def check_final_answer(*, question: str, final_answer: str, task_type: str) -> FinalAnswerCheck:
    """Normalise the author's final answer and compare it with what the site computes, if anything."""
    final_answer = normalise(final_answer) if task_type in FINAL_ANSWER_TASK_TYPES else ""
    if not final_answer:
        return FinalAnswerCheck(final_answer="", expected=None, checked=False, finding=None)
    expected = expected_answer(question)
    if expected is None:
        return FinalAnswerCheck(final_answer=final_answer, expected=None, checked=False, finding=None)
    if matches(final_answer, expected):
        return FinalAnswerCheck(final_answer=final_answer, expected=expected, checked=True, finding=None)
    finding = Finding(
        code="final_answer_mismatch",
        field="final_answer",
        level=WARNING,
        message=_(
            "The site computes %(expected)s for this question, but the final answer given is "
            "“%(given)s”. Please check the answer (or the question)."
        )
        % {"expected": expected.text, "given": final_answer},
    )
    return FinalAnswerCheck(final_answer=final_answer, expected=expected, checked=False, finding=finding)


def matches(final_answer: str, expected: Expected) -> bool:
    """Exact equality; for a value without a finite decimal writing (1/3), a correct rounding to the
    number of decimals the author gave, at least two."""
    given = answer_value(final_answer)
    if given is None:
        return False
    if Fraction(given) == expected.value:
        return True
    if _is_finite_decimal(expected.value):
        return False
    decimals = -given.as_tuple().exponent
    if decimals < 2:
        return False
    exact = Decimal(expected.value.numerator) / Decimal(expected.value.denominator)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) == given


def _is_finite_decimal(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1
