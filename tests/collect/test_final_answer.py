"""The verifiable final answer: normalisation, the three computed checks, the safe evaluator."""

from fractions import Fraction

import pytest

from collect.final_answer import (
    check_final_answer,
    evaluate,
    expected_answer,
    normalise,
    parse_number,
)

NORMALISED = [
    ("1 234,5", "1234,5"),
    ("1 234.5", "1234,5"),
    ("1234,50", "1234,5"),
    ("1\u202f234,5", "1234,5"),  # narrow no-break space, as French typography wants
    ("1\u00a0234,5", "1234,5"),  # no-break space
    ("1.234,5", "1234,5"),
    ("1,234.5", "1234,5"),
    ("12 000", "12000"),
    ("3,14", "3,14"),
    ("3.14", "3,14"),
    ("42.", "42"),
    ("-7", "-7"),
    ("\u22127", "-7"),
    ("0,0", "0"),
    ("  Paris ", "paris"),
    ("« Élève »", "élève"),
    ("Le Havre.", "le havre"),
    ("B", "b"),
]


@pytest.mark.parametrize(("given", "stored"), NORMALISED)
def test_final_answers_are_normalised_the_french_way(given, stored):
    assert normalise(given) == stored


def test_a_lone_comma_is_a_decimal_comma_not_a_thousands_separator():
    assert parse_number("1,234") == parse_number("1,234000")
    assert normalise("1,234") == "1,234"


QUESTIONS = [
    # Pure arithmetic, as people write it.
    ("12 × 7", "84"),
    ("12 x 7 = ?", "84"),
    ("Combien font 12 × 7 ?", "84"),
    ("Combien fait 1 234,5 + 0,5 ?", "1235"),
    ("Calcule : (3 + 4) × 2", "14"),
    ("Que vaut 2^10 ?", "1024"),
    ("Calculez 100 ÷ 8.", "12,5"),
    ("Combien font 15 : 3 ?", "5"),
    ("Quel est le résultat de 1 000 − 1 ?", "999"),
    ("1/3 + 1/6 = ?", "0,5"),
    ("0,1 + 0,2", "0,3"),
    # How many times a letter occurs in a quoted word.
    ("Combien de « r » dans « fraise » ?", "1"),
    ("Combien de « r » y a-t-il dans le mot « strawberry » ?", "3"),
    ("Combien de fois la lettre « e » apparaît-elle dans « cerise » ?", "2"),
    ("Combien de “s” dans “saucisses” ?", "4"),
    ('Combien de "n" dans "Anne" ?', "2"),
    ("Combien de lettres « e » dans le mot « élève » ?", "1"),  # accents kept: é and è are not e
    # How many letters a quoted word has.
    ("Combien de lettres comporte le mot « lettre » ?", "6"),
    ("Combien de lettres y a-t-il dans « anticonstitutionnellement » ?", "25"),
    ("Le mot « porte-monnaie » a combien de lettres ?", "12"),
    ("Combien de lettres compte « aujourd’hui » ?", "10"),
]


@pytest.mark.parametrize(("question", "value"), QUESTIONS)
def test_the_site_computes_the_expected_value_of_french_questions(question, value):
    expected = expected_answer(question)
    assert expected is not None
    assert expected.text == value


NOT_COMPUTABLE = [
    "Pourquoi le ciel est-il bleu ?",
    "Combien de départements compte la France ?",
    "Combien font deux et deux ?",
    "12",
    "Combien font 12 ?",
    "Résolvez 2x + 3 = 7.",
    "Calcule 1 / 0",
    "Que vaut 9^9^9 ?",
    "Combien font __import__('os') ?",
    "Combien de « r » dans ?",
]


@pytest.mark.parametrize("question", NOT_COMPUTABLE)
def test_questions_the_site_cannot_answer_are_left_alone(question):
    assert expected_answer(question) is None


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "(1).__class__",
        "[1, 2]",
        "a + 1",
        "2 ** 1000",
        "10 ** 10 ** 10",
        "1 if 1 else 2",
    ],
)
def test_the_evaluator_refuses_anything_but_bounded_arithmetic(expression):
    assert evaluate(expression) is None


def test_the_evaluator_is_exact():
    assert evaluate("0.1 + 0.2") == Fraction(3, 10)


CHECKS = [
    # (task type, question, final answer as typed, stored, checked, warned)
    ("reasoning", "Combien font 12 × 7 ?", "84", "84", True, False),
    ("reasoning", "Combien font 1 000 + 234,5 ?", "1 234,50", "1234,5", True, False),
    ("reasoning", "Combien font 1 000 + 234,5 ?", "1 234.5", "1234,5", True, False),
    ("reasoning", "Combien font 1 000 + 234,5 ?", "1234,5", "1234,5", True, False),
    ("reasoning", "Combien font 12 × 7 ?", "85", "85", False, True),
    ("reasoning", "Combien font 1 ÷ 3 ?", "0,33", "0,33", True, False),
    ("reasoning", "Combien font 1 ÷ 3 ?", "0,3", "0,3", False, True),
    ("closed_qa", "Combien de « r » dans « fraise » ?", "1", "1", True, False),
    ("closed_qa", "Combien de « r » dans « fraise » ?", "Un", "un", True, False),
    ("closed_qa", "Combien de « r » dans « fraise » ?", "2", "2", False, True),
    ("extraction", "Combien de lettres comporte le mot « lettre » ?", "6", "6", True, False),
    ("extraction", "Combien de lettres comporte le mot « lettre » ?", "sept", "sept", False, True),
    ("classification", "Ce mot est-il un nom ou un verbe : « manger » ?", "Verbe", "verbe", False, False),
    # Outside the four task types a final answer is not kept.
    ("open_qa", "Combien font 12 × 7 ?", "85", "", False, False),
    ("reasoning", "Combien font 12 × 7 ?", "", "", False, False),
]


@pytest.mark.parametrize(("task_type", "question", "given", "stored", "checked", "warned"), CHECKS)
def test_the_final_answer_is_compared_with_what_the_site_computes(
    task_type, question, given, stored, checked, warned
):
    result = check_final_answer(question=question, final_answer=given, task_type=task_type)
    assert result.final_answer == stored
    assert result.checked is checked
    assert (result.finding is not None) is warned


def test_the_warning_says_what_the_site_computed():
    result = check_final_answer(question="Combien font 12 × 7 ?", final_answer="85", task_type="reasoning")
    assert result.finding.level == "warning"
    assert result.finding.field == "final_answer"
    assert "84" in result.finding.message
    assert "85" in result.finding.message
