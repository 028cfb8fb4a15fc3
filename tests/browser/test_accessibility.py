"""Accessibility: axe-core finds no serious or critical violation on the main pages (issue 12, New 3).

axe-core comes from npm (`package.json`, installed by `make install` into `node_modules/`) and is
injected into the test page only: visitors are never sent it. The browser context bypasses the site's
Content-Security-Policy for that one injected script; the pages themselves are served as in production.
"""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from collect.models import Status
from tests.factories import make_moderator, make_pair, make_user
from tests.fixtures.browser import DESKTOP, PHONE, PageProblems, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.any_database, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# The rules axe calls WCAG 2.1 A and AA, plus its best practices (landmarks, headings, labels).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict]:
    if not AXE.exists():
        message = f"{AXE} is missing: `make install` runs `npm ci` for the test tools (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    page.evaluate(AXE.read_text())
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [violation for violation in result["violations"] if violation["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:3]]
        where = json.dumps(targets)
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {where}")
    return "\n".join(lines)


def signed_in_page(browser: Browser, live_server: LiveServer, user: User | None, *, phone: bool) -> Page:
    # The test injects axe-core into the page: the site's CSP, which forbids injected scripts, is bypassed.
    viewport = PHONE if phone else DESKTOP
    return browser_page(browser, live_server, user, viewport=viewport, phone=phone, bypass_csp=True)


# (path, who is signed in): the pages named by the issue, as the people who use them see them.
PAGES = [
    ("/", None),
    ("/guide/", None),
    ("/jeux-de-donnees/", None),
    ("/compte/login/", None),
    ("/compte/signup/", None),
    ("/contribuer/", "author"),
    ("/mes-paires/", "author"),
    ("/relire/", "reviewer"),
    ("/tableau-de-bord/", "author"),
    ("/compte/profil/", "author"),
    ("/moderation/", "moderator"),
    ("/moderation/journal/", "moderator"),
]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violation(
    browser: Browser, live_server: LiveServer, page_problems: PageProblems, phone: bool
) -> None:
    people = {
        "author": make_user(username="alice"),
        "reviewer": make_user(username="bruno"),
        "moderator": make_moderator(username="modo"),
    }
    make_pair(author=people["author"])
    make_pair(author=people["author"], status=Status.DISPUTED)
    found = {}
    for path, who in PAGES:
        page = signed_in_page(browser, live_server, people.get(who), phone=phone)
        page_problems.watch(page)
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations = axe_violations(page)
        if violations:
            found[path] = describe(violations)
        page.context.close()
    assert found == {}, "\n".join(f"{path}:\n{text}" for path, text in found.items())
