"""Personal data that the digit counts of the first fast path (FEWEST_DIGITS_OF_A_PHONE = 8,
FEWEST_DIGITS_OF_AN_ACCOUNT_NUMBER = 13) skipped, though the searches themselves find it."""

import pytest

from moisson.personal_data import find_personal_data


def rib_with_letters_for_account() -> str:
    bank, branch, account = "30006", "00001", "ABCDEFGHIJK"
    digits = account.translate(str.maketrans("ABCDEFGHIJK", "12345678912"))
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97
    return f"Code banque {bank}, guichet {branch}, compte {account}, clé {key:02d}."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Appelez-le au +683 4002 (Niue) demain.", "phone"),  # 7 digits, country code included
        ("Appelez-le au +43 1 2 3 4 5 demain.", "phone"),
        (
            "Son numéro de sécurité sociale : 1 85 05 2A 006 084.",
            "nir",
        ),  # Corsica, without its key: 12 digits
        (rib_with_letters_for_account(), "rib"),  # 12 digits
    ],
)
def test_personal_data_with_few_digits_is_found(text, code):
    assert [finding.code for finding in find_personal_data(text, field="answer")] == [code]


def test_a_phone_spelled_with_a_dotless_i_is_found_rather_than_crashing_the_check():
    # The search reads "sıx" as "six" (Unicode ignores case so); str.lower() does not, and the value lookup
    # raised KeyError: the writing form answered 500 and a release build holding such a row failed.
    text = "Mon numéro : zéro sıx, douze, trente-quatre, cinquante-six, soixante-dix-huit."

    assert [finding.code for finding in find_personal_data(text, field="answer")] == ["phone"]
