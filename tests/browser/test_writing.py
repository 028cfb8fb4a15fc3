"""The writing journey in a real browser: live checks, counters, drafts that are never lost, submission."""

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from accounts.models import User
from collect.models import Pair, Status
from tests.factories import make_pair
from tests.fixtures.browser import PageProblems, fill_pair_form

# The page's behaviour in a browser gives the same answer on either database: CI runs it once.
pytestmark = [pytest.mark.browser, pytest.mark.any_database]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
QUESTION = "Comment expliquer la photosynthèse à un enfant de dix ans ?"
ANSWER = (
    "La plante se nourrit grâce à la lumière du soleil : avec ses feuilles, elle prend l'eau, l'air et "
    "la lumière pour fabriquer du sucre, et elle rejette de l'oxygène que nous respirons."
)
ANSWER_WITH_PHONE = (
    "Pour en savoir plus sur la photosynthèse, appelez-moi au +33 6 12 34 56 78 : je vous expliquerai "
    "comment la plante fabrique sa nourriture avec la lumière du soleil."
)
ANSWER_WITH_EMAIL = (
    "Écrivez-moi à jeanne.dupont@example.org et je vous enverrai la suite de cette explication sur la "
    "façon dont la plante fabrique sa nourriture avec la lumière du soleil."
)
AUTOSAVE_URL = "/contribuer/brouillon/"
# The page autosaves this long after the last keystroke; the tests fast-forward the browser's clock.
AUTOSAVE_DELAY_MS = 3_000
# The first check of a run loads the language models, which takes a few seconds on a busy machine.
FIRST_CHECK_TIMEOUT_MS = 20_000
EDIT_URL = re.compile(r"/contribuer/[0-9a-f-]{36}/$")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def write_page(open_page: Callable[..., Page], user: User, *, phone: bool = False) -> Page:
    page = open_page(user, phone=phone)
    page.clock.install()
    page.goto(reverse("collect:write"))
    return page


def let_autosave_run(page: Page) -> None:
    page.clock.run_for(AUTOSAVE_DELAY_MS)


def let_the_retry_run(page: Page, *, url: str = AUTOSAVE_URL, wait_ms: int = 16_000) -> None:
    """Advance the page's clock until it sends `url` again after a failure. The page schedules its retry
    when its request handler has read the failure, which may be a moment after Playwright saw it: a clock
    advanced before that would leave the retry waiting forever."""
    sent = []
    page.on("request", lambda request: sent.append(request) if url in request.url else None)
    deadline = time.monotonic() + 10
    while not sent:
        assert time.monotonic() < deadline, f"the page never sent {url} again"
        page.clock.run_for(wait_ms)
        time.sleep(0.05)  # real time for the page's handlers; the next call hands their events over


def open_again(page: Page) -> None:
    """Open the page's address anew, as after a crash. Unlike a reload, after which Chromium refills the
    form by itself, whatever comes back can only come from the server or from the page's own copy."""
    page.goto(page.url)


def test_a_phone_number_in_the_answer_is_pointed_out_while_typing(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    page.evaluate("window.notReloaded = true")
    fill_pair_form(page, question=QUESTION, answer=ANSWER_WITH_PHONE)
    expect(page.locator('#findings [data-code="phone"]')).to_be_visible(timeout=FIRST_CHECK_TIMEOUT_MS)
    screenshot(page, "write-finding-desktop")
    fill_pair_form(page, answer=ANSWER)
    expect(page.locator("#findings .finding-ok")).to_be_visible()
    expect(page.locator('#findings [data-code="phone"]')).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


def test_character_counters_follow_the_typing(open_page: Callable[..., Page], contributor: User) -> None:
    page = write_page(open_page, contributor)
    counter = page.locator('[data-counter-for="id_question"]')
    expect(counter).to_have_text("0 / 2000")
    page.locator("#id_question").press_sequentially("Pourquoi ?")
    expect(counter).to_have_text("10 / 2000")
    expect(page.locator('[data-counter-for="id_answer"]')).to_have_text("0 / 8000")


def test_typed_text_is_autosaved_as_a_draft_and_the_page_becomes_its_edit_page(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    let_autosave_run(page)
    expect(page).to_have_url(EDIT_URL)
    pair = Pair.objects.get(author=contributor)
    assert (pair.status, pair.question, pair.answer) == (Status.DRAFT, QUESTION, ANSWER)
    assert page.url.endswith(reverse("collect:edit", args=[pair.pk]))


def test_text_is_restored_from_the_browser_when_the_autosave_request_crashed(
    open_page: Callable[..., Page], contributor: User, page_problems: PageProblems
) -> None:
    page = write_page(open_page, contributor)
    page_problems.expect_failure(AUTOSAVE_URL)
    page.route(f"**{AUTOSAVE_URL}", lambda route: route.abort())
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    with page.expect_event("requestfailed"):
        let_autosave_run(page)
    open_again(page)
    expect(page.locator("#id_question")).to_have_value(QUESTION)
    expect(page.locator("#id_answer")).to_have_value(ANSWER)
    assert not Pair.objects.filter(author=contributor).exists()


def test_a_failed_autosave_is_tried_again_until_the_server_has_the_draft(
    open_page: Callable[..., Page], contributor: User, page_problems: PageProblems
) -> None:
    page = write_page(open_page, contributor)
    page_problems.expect_failure(AUTOSAVE_URL)
    failures = []

    def fail_once(route: Route) -> None:
        if failures:
            route.continue_()
        else:
            failures.append(route)
            route.abort()

    page.route(f"**{AUTOSAVE_URL}", fail_once)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    with page.expect_event("requestfailed"):
        let_autosave_run(page)
    let_the_retry_run(page)
    expect(page).to_have_url(EDIT_URL)
    assert Pair.objects.get(author=contributor).answer == ANSWER


def test_text_typed_after_an_autosave_is_restored_when_the_page_is_opened_again(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    let_autosave_run(page)
    expect(page).to_have_url(EDIT_URL)
    page.locator("#id_answer").press_sequentially(" La nuit, elle respire.")
    open_again(page)
    expect(page.locator("#id_answer")).to_have_value(ANSWER + " La nuit, elle respire.")


def test_an_autosaved_draft_is_not_copied_into_the_next_new_pair(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    let_autosave_run(page)
    expect(page).to_have_url(EDIT_URL)
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value("")
    expect(page.locator("#id_answer")).to_have_value("")


def test_a_draft_saved_with_the_button_is_not_copied_into_the_next_new_pair(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    page.locator('button[value="draft"]').click()
    expect(page).to_have_url(EDIT_URL)
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value("")
    expect(page.locator("#id_answer")).to_have_value("")


def test_a_submitted_pair_is_pending_in_my_pairs_and_the_browser_copy_is_cleared(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(
        page, question=QUESTION, answer=ANSWER, task_type="open_qa", domain="sciences", declaration=True
    )
    page.locator('button[value="submit"]').click()
    expect(page).to_have_url(re.compile(re.escape(reverse("collect:mine")) + r"\?sent="))
    expect(page.locator(".status-pending")).to_have_count(1)
    screenshot(page, "mine-after-submission-desktop")
    assert Pair.objects.get(author=contributor).status == Status.PENDING
    assert page.evaluate("Object.keys(localStorage)") == []
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value("")
    expect(page.locator("#id_answer")).to_have_value("")


def test_a_submission_refused_for_an_email_address_keeps_the_text_and_shows_why(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(
        page,
        question=QUESTION,
        answer=ANSWER_WITH_EMAIL,
        task_type="open_qa",
        domain="sciences",
        declaration=True,
    )
    page.locator('button[value="submit"]').click()
    expect(page.locator(".message-error")).to_be_visible()
    expect(page.locator('#findings [data-code="email"]')).to_be_visible()
    expect(page.locator("#id_question")).to_have_value(QUESTION)
    expect(page.locator("#id_answer")).to_have_value(ANSWER_WITH_EMAIL)
    screenshot(page, "write-refused-desktop")
    assert Pair.objects.get(author=contributor).status == Status.DRAFT


def test_the_writing_page_fits_a_phone_screen(open_page: Callable[..., Page], contributor: User) -> None:
    page = write_page(open_page, contributor, phone=True)
    fill_pair_form(page, question=QUESTION, answer=ANSWER_WITH_PHONE)
    expect(page.locator('#findings [data-code="phone"]')).to_be_visible(timeout=FIRST_CHECK_TIMEOUT_MS)
    screenshot(page, "write-finding-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_chosen_domain_is_restored_when_the_page_is_opened_again(
    open_page: Callable[..., Page], contributor: User
) -> None:
    page = write_page(open_page, contributor)
    fill_pair_form(page, domain="history_geography")
    open_again(page)
    expect(page.locator("#id_domain")).to_have_value("history_geography")


def test_my_pairs_fits_a_phone_screen(open_page: Callable[..., Page], contributor: User) -> None:
    for status in (Status.DRAFT, Status.PENDING, Status.VALIDATED):
        make_pair(author=contributor, status=status, question="Pourquoi " + "très " * 40 + "long ?")
    page = open_page(contributor, phone=True)
    page.goto(reverse("collect:mine"))
    expect(page.locator(".status")).to_have_count(3)
    screenshot(page, "mine-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
