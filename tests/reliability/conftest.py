"""The browser fixtures of tests/browser (chromium through Playwright), declared once for this folder: one
Playwright per folder, since a second one cannot start while the first one's event loop is open."""

from tests.browser.conftest import browser, open_page, page_problems  # noqa: F401 - fixtures
