"""No page needs more than the Content-Security-Policy allows: a real browser visits the main pages as each
of the demo roles and as a visitor, and any violation it reports fails the test.

The policy allows no inline script and no inline style (moisson/settings.py): a `style="..."` attribute, a
`<style>` block, or a script writing either into the page would each be refused by the browser, and the page
would look broken. The browser tells in two ways, both collected here: a `securitypolicyviolation` event on
the document, and a console message.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from collect.models import Status
from export.models import ReleasePhase
from moisson.overload import requests_in_flight
from review.reports import report_pair
from tests.browser.test_writing import ANSWER_WITH_PHONE, FIRST_CHECK_TIMEOUT_MS, QUESTION
from tests.factories import (
    make_building_release,
    make_moderator,
    make_pair,
    make_release,
    make_user,
    make_validated_pairs,
)
from tests.fixtures.browser import DESKTOP, PageProblems, browser_page, fill_pair_form
from tests.fixtures.errors import crash_with

pytestmark = [pytest.mark.browser, pytest.mark.any_database, pytest.mark.django_db(transaction=True)]

# Added to every document before its own scripts (Playwright's init scripts are not subject to the page's
# policy): each violation is sent to the test as it happens, even on a page the browser leaves at once.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "?"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : "")
  );
});
"""


class PolicyViolations:
    """What the browser refused under the site's policy, page by page."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("reportPolicyViolation", self._on_event)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._on_console)

    def _on_event(self, source: dict, description: str) -> None:
        self.found.append(f"{source['frame'].url}: {description}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"{message.page.url if message.page else '?'}: console: {message.text}")


@pytest.fixture
def violations() -> PolicyViolations:
    return PolicyViolations()


@pytest.fixture
def visit(
    browser: Browser, live_server: LiveServer, page_problems: PageProblems, violations: PolicyViolations
) -> Iterator[Callable[..., Page]]:
    """`visit(user, path, status=200)`: the page at `path`, as `user` (None: a visitor), watched for
    violations and for the other problems of a browser test. Each person gets one browser context."""
    pages: dict[int | None, Page] = {}

    def visit_as(user: User | None, path: str, *, status: int = 200) -> Page:
        key = user.pk if user else None
        if key not in pages:
            pages[key] = browser_page(browser, live_server, user, viewport=DESKTOP, problems=page_problems)
            violations.watch(pages[key].context)
        page = pages[key]
        if status != 200:
            # The browser says so in the console; an error page asked for is not a problem. (Visited last,
            # after every page at the same address or below it.)
            page_problems.expect_failure(live_server.url + path)
        response = page.goto(path)
        assert response is not None and response.status == status, f"{path} answered {response.status}"
        # Styles are applied, and refused, as the page is laid out: wait until it is, then a little more
        # for the events to be delivered.
        page.wait_for_load_state("load")
        page.wait_for_timeout(50)
        return page

    yield visit_as
    for page in pages.values():
        page.context.close()


def test_no_page_is_refused_anything_by_the_content_security_policy(
    visit: Callable[..., Page],
    violations: PolicyViolations,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = settings.HF_TOKEN = ""
    # The demo roles (manage.py seed_demo): a moderator, contributors, and an administrator for the admin.
    moderator = make_moderator(username="modo")
    alice = make_user(username="alice", pseudonym="Alice", attribution_opt_in=True)
    bruno = make_user(username="bruno")
    newcomer = make_user(username="nouveau", accepted=False)
    admin = make_user(username="admin", is_staff=True, is_superuser=True)
    validated = make_validated_pairs(3)
    release = make_release()
    building = make_building_release(
        version="v9.0.0", phase=ReleasePhase.WRITING, rows_written=10, rows_expected=200
    )
    own = make_pair(author=alice, status=Status.PENDING)
    make_pair(author=bruno, status=Status.PENDING)  # for alice to review
    disputed = make_pair(author=bruno, status=Status.DISPUTED)
    report_pair(pair=make_pair(author=bruno, status=Status.PENDING), reporter=alice, reason="spam")

    visitor_paths = [
        reverse("collect:home"),
        reverse("collect:guide"),
        reverse("collect:statistics"),
        reverse("collect:public", args=[validated[0].pk]),
        reverse("export:list"),
        reverse("export:detail", args=[release.version]),
        reverse("review:leaderboard"),
        reverse("review:contact"),
        reverse("accounts:license"),
        reverse("accounts:privacy"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("admin:login"),
        # The API's own pages, as a browser sees them: Swagger UI, and DRF's browsable API.
        reverse("api:collect_api:pairs-list"),
        reverse("api:export_api:release-list"),
    ]
    for path in visitor_paths:
        visit(None, path)
    page = visit(None, reverse("api:docs"))
    # Swagger UI draws the operations from the schema after the page has loaded; open one.
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()

    page = visit(alice, reverse("collect:write"))
    fill_pair_form(page, question=QUESTION, answer=ANSWER_WITH_PHONE)
    # The live check's findings are written into the page by script (static/js/write.js).
    expect(page.locator('#findings [data-code="phone"]')).to_be_visible(timeout=FIRST_CHECK_TIMEOUT_MS)
    contributor_paths = [
        reverse("collect:edit", args=[own.pk]),
        reverse("collect:mine"),
        reverse("collect:detail", args=[own.pk]),
        reverse("collect:withdraw", args=[own.pk]),
        reverse("review:next"),
        reverse("review:dashboard"),
        reverse("accounts:profile"),
        reverse("accounts:delete"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("api:collect_api:pairs-list"),
        reverse("api:collect_api:pairs-detail", args=[own.pk]),
    ]
    for path in contributor_paths:
        visit(alice, path)

    visit(newcomer, reverse("accounts:terms"))

    moderator_paths = [
        # First, so the moderator's page leaves it: it asks for the build's progress every few seconds,
        # which would meet the overload 503 provoked at the end.
        reverse("export:detail", args=[building.version]),
        reverse("review:queue"),
        reverse("review:moderate", args=[disputed.pk]),
        reverse("review:audit"),
        reverse("review:coverage"),
        reverse("review:takedown"),
        reverse("review:suspend", args=[bruno.pk]),
        reverse("accounts:waves"),
        reverse("export:start"),
    ]
    for path in moderator_paths:
        visit(moderator, path)

    admin_paths = [
        reverse("admin:index"),
        reverse("admin:collect_pair_changelist"),
        reverse("admin:collect_pair_change", args=[own.pk]),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[alice.pk]),
        reverse("admin:export_release_changelist"),
        reverse("admin:review_auditentry_changelist"),
        reverse("admin:collect_coveragetarget_changelist"),
        reverse("admin:collect_coveragetarget_add"),
        reverse("admin:review_review_changelist"),
        reverse("admin:auth_group_add"),
    ]
    for path in admin_paths:
        visit(admin, path)

    # The error pages, each as a visitor and as a contributor: a page that is not there, a page that is
    # not for them, a crash, the database gone, an overload.
    for person in (None, alice):
        visit(person, "/cette-page-n-existe-pas/", status=404)
    visit(alice, reverse("review:queue"), status=403)
    statistics = reverse("collect:statistics")
    monkeypatch.setattr("collect.views.site_statistics", crash_with(RuntimeError("an unexpected bug")))
    visit(alice, statistics, status=500)
    visit(None, statistics, status=500)
    monkeypatch.setattr("collect.views.site_statistics", crash_with(OperationalError("connection lost")))
    visit(alice, statistics, status=503)
    visit(None, statistics, status=503)
    monkeypatch.undo()
    settings.MOISSON_MAX_IN_FLIGHT = 1
    assert requests_in_flight.try_enter(limit=1)
    try:
        visit(alice, reverse("collect:guide"), status=503)
        visit(None, reverse("collect:guide"), status=503)
    finally:
        requests_in_flight.leave()

    assert not violations.found, "the browser refused:\n" + "\n".join(violations.found)
