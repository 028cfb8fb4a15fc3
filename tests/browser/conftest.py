"""A real browser (Debian's chromium, driven by Playwright) against pytest-django's live server.

Skipped when /usr/bin/chromium is missing, so `make test` passes on a laptop without it; CI installs
chromium with apt and sets CI, where a missing browser fails the tests instead of skipping them.
"""

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from accounts.models import User

# Playwright's sync API runs an asyncio event loop in the test's thread, and Django refuses ORM calls
# from a thread with a running loop (SynchronousOnlyOperation). The tests query the database only
# between browser steps, never at the same time, so the check is safely turned off.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The browser cancels a request itself when the page is left (a live check on its way during a submit):
# normal life, not a failure.
CANCELLED_BY_BROWSER = "net::ERR_ABORTED"

problems_key = pytest.StashKey["PageProblems"]()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One chromium for the tests of this folder; each page gets its own context (cookies, storage)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install it (apt-get install chromium)")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    # Package scope rather than session: Playwright's event loop is gone once these tests are done.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the browser: console errors, failed requests, server errors.

    A test that breaks a request on purpose says so with `expect_failure(url_fragment)`.
    """

    def __init__(self) -> None:
        self.found: list[str] = []
        # Chromium asks every site for /favicon.ico, which Moisson does not serve (base.html names none).
        self.expected: list[str] = ["/favicon.ico"]

    def expect_failure(self, url_fragment: str) -> None:
        self.expected.append(url_fragment)

    def add(self, description: str, url: str) -> None:
        if not any(fragment in url for fragment in self.expected):
            self.found.append(description)

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.add(f"console error: {message.text}", message.location.get("url", ""))

    def _on_request_failed(self, request: Request) -> None:
        if request.failure != CANCELLED_BY_BROWSER:
            self.add(f"request failed: {request.method} {request.url} ({request.failure})", request.url)

    def _on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.add(f"server error {response.status}: {response.url}", response.url)


@pytest.fixture
def page_problems(request: pytest.FixtureRequest) -> PageProblems:
    problems = PageProblems()
    request.node.stash[problems_key] = problems
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # Checked after the test body rather than in a fixture's teardown, so a problem is a failed test.
    result = yield
    problems = item.stash.get(problems_key, None)
    assert problems is None or not problems.found, "the browser saw problems:\n" + "\n".join(problems.found)
    return result


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, page_problems: PageProblems
) -> Iterator[Callable[..., Page]]:
    """`open_page(user, phone=False)`: a page signed in as `user`, watched for problems."""
    contexts: list[BrowserContext] = []

    def open_page_as(user: User, *, phone: bool = False) -> Page:
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="fr-FR",
        )
        contexts.append(context)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        page_problems.watch(page)
        return page

    yield open_page_as
    for context in contexts:
        context.close()
