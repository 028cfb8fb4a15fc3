"""A shared browser never shows one account's drafts to another (issue 12, bug 12)."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.fixtures.browser import DESKTOP, PageProblems, fill_pair_form

# The browser's storage, not the database, is what these test: CI runs them once.
pytestmark = [pytest.mark.browser, pytest.mark.any_database]

ALICE_QUESTION = "Pourquoi les feuilles des arbres changent-elles de couleur en automne ?"


@pytest.fixture
def shared_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """One browser profile (cookies and localStorage), as on a family computer."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="fr-FR")
    yield context
    context.close()


def sign_in(context: BrowserContext, live_server: LiveServer, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def alice_starts_a_pair(
    context: BrowserContext, live_server: LiveServer, alice: User, problems: PageProblems
) -> Page:
    sign_in(context, live_server, alice)
    page = context.new_page()
    problems.watch(page)
    page.goto(reverse("collect:write"))
    # The live check (0.6 s after the last key) is answered before her session ends: sent after it, it would
    # be refused (403), as for anyone whose session expires with the page open, and the test would depend on
    # how fast the machine gets to its next step. The steps after this one come before the autosave (3 s).
    with page.expect_response(lambda response: response.url.endswith(reverse("collect:live_check"))):
        fill_pair_form(page, question=ALICE_QUESTION)
    return page


def draft_keys(page: Page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter(function (k) { return k.indexOf('moisson-draft-') === 0; })"
    )


def test_logging_out_erases_the_browser_copies_of_drafts(
    shared_context: BrowserContext, live_server: LiveServer, contributor: User, page_problems: PageProblems
) -> None:
    page = alice_starts_a_pair(shared_context, live_server, contributor, page_problems)
    assert draft_keys(page)
    page.get_by_text("Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + "/")
    assert draft_keys(page) == []


def test_the_next_account_on_the_browser_starts_with_an_empty_form_after_a_logout(
    shared_context: BrowserContext,
    live_server: LiveServer,
    contributor: User,
    other_contributor: User,
    page_problems: PageProblems,
) -> None:
    page = alice_starts_a_pair(shared_context, live_server, contributor, page_problems)
    page.get_by_text("Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + "/")
    sign_in(shared_context, live_server, other_contributor)
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value("")


def test_another_account_never_reads_a_draft_left_without_logging_out(
    shared_context: BrowserContext,
    live_server: LiveServer,
    contributor: User,
    other_contributor: User,
    page_problems: PageProblems,
) -> None:
    page = alice_starts_a_pair(shared_context, live_server, contributor, page_problems)
    # Alice's session simply ends (she closed the tab, it expired) and Bruno signs in on the same browser.
    shared_context.clear_cookies()
    sign_in(shared_context, live_server, other_contributor)
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value("")
    # Alice still finds her own text when she comes back.
    shared_context.clear_cookies()
    sign_in(shared_context, live_server, contributor)
    page.goto(reverse("collect:write"))
    expect(page.locator("#id_question")).to_have_value(ALICE_QUESTION)
