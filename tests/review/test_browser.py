"""The review page in a real browser: keyboard shortcuts on a desktop, taps on a phone.

Uses the browser fixtures of tests/fixtures/browser.py (Debian's chromium through Playwright; skipped
without it).
"""

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from review.models import Review, Skip
from tests.factories import make_pair

pytestmark = pytest.mark.browser


def test_a_review_can_be_given_with_the_keyboard_alone(
    open_page: Callable[..., Page],
    contributor: User,
    page_problems,
) -> None:
    pair = make_pair()
    page = open_page(contributor)
    page.goto(reverse("review:next"))
    expect(page.locator("#reasons")).to_be_hidden()
    page.keyboard.press("r")
    expect(page.locator("#reasons")).to_be_visible()
    page.keyboard.press("a")
    expect(page.locator("#reasons")).to_be_hidden()
    page.keyboard.press("4")
    page.keyboard.press("5")
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(reverse("review:tally", args=[pair.pk]))
    review = Review.objects.get(reviewer=contributor)
    assert (review.verdict, review.correctness, review.fluency) == ("approve", 4, 5)
    assert not page_problems.found


def test_typing_in_the_comment_does_not_trigger_shortcuts(
    open_page: Callable[..., Page],
    contributor: User,
    page_problems,
) -> None:
    make_pair()
    page = open_page(contributor)
    page.goto(reverse("review:next"))
    page.locator("#id_comment").press_sequentially("Super, rien à redire")
    expect(page.locator("#id_comment")).to_have_value("Super, rien à redire")
    expect(page.locator("input[name=verdict]:checked")).to_have_count(0)
    assert not Skip.objects.exists()
    assert not page_problems.found


def test_s_skips_to_the_next_pair(
    open_page: Callable[..., Page],
    contributor: User,
    page_problems,
) -> None:
    first = make_pair()
    page = open_page(contributor)
    page.goto(reverse("review:next"))
    page.keyboard.press("s")
    page.wait_for_load_state()
    expect(page.locator("#review-form")).to_have_count(0)
    assert Skip.objects.filter(reviewer=contributor, pair=first).exists()
    assert not page_problems.found


def test_a_review_can_be_given_by_tapping_on_a_phone(
    open_page: Callable[..., Page],
    contributor: User,
    page_problems,
) -> None:
    make_pair()
    page = open_page(contributor, phone=True)
    page.goto(reverse("review:next"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("label.choice-reject").tap()
    page.locator("#reasons label").first.tap()
    page.locator("[data-rating=correctness] label").nth(1).tap()
    page.locator("[data-rating=fluency] label").nth(2).tap()
    page.locator("#review-form button[type=submit]").tap()
    page.wait_for_url("**/bilan/")
    review = Review.objects.get(reviewer=contributor)
    assert (review.verdict, review.reasons, review.correctness, review.fluency) == (
        "reject",
        ["factually_wrong"],
        2,
        3,
    )
    assert not page_problems.found
