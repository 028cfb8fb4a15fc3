"""The final answer on the writing page, in a real browser: shown for the task types it is meant for,
and checked while the author types."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.test_writing import FIRST_CHECK_TIMEOUT_MS
from tests.fixtures.browser import fill_pair_form

pytestmark = pytest.mark.browser

ANSWER = "On multiplie 12 par 7 : 10 × 7 = 70 et 2 × 7 = 14, donc 70 + 14 = 84. Le résultat est 84."


def test_the_final_answer_is_asked_for_reasoning_and_checked_while_typing(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = open_page(contributor)
    page.goto(reverse("collect:write"))
    final_answer = page.locator("#id_final_answer")
    fill_pair_form(page, task_type="open_qa")
    expect(final_answer).to_be_hidden()

    fill_pair_form(page, task_type="reasoning")
    expect(final_answer).to_be_visible()
    fill_pair_form(page, question="Combien font 12 × 7 ?", answer=ANSWER, final_answer="85")
    mismatch = page.locator('#findings [data-code="final_answer_mismatch"]')
    expect(mismatch).to_be_visible(timeout=FIRST_CHECK_TIMEOUT_MS)
    expect(mismatch).to_contain_text("84")

    fill_pair_form(page, final_answer="84")
    expect(mismatch).to_have_count(0)
