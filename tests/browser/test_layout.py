"""No page is wider than a small phone: at 360 px, nothing makes the page scroll sideways."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from collect.models import Status
from review.models import AuditAction
from review.services import decide_pair
from tests.factories import make_moderator, make_pair, make_release, make_user
from tests.fixtures.browser import PageProblems, browser_page

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
# Long words and addresses are what push a page wider than a phone.
LONG_QUESTION = (
    "Que signifie https://exemple.org/une/adresse/tres/longue/sans/espace/qui/ne/se/coupe/jamais/toute/seule "
    "dans une question ?"
)


def phone_page(browser: Browser, live_server: LiveServer, problems: PageProblems, user: User | None) -> Page:
    return browser_page(browser, live_server, user, viewport=SMALL_PHONE, phone=True, problems=problems)


def overflow(page: Page, path: str) -> str | None:
    """None when the page fits the viewport; else what the page measured."""
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > SMALL_PHONE["width"]:
        return f"{path} ({page.url}) is {width} px wide"
    return None


@pytest.mark.any_database
@pytest.mark.django_db(transaction=True)
def test_every_main_page_fits_a_360_px_phone(
    browser: Browser, live_server: LiveServer, page_problems: PageProblems, settings: Settings, tmp_path: Path
) -> None:
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = settings.HF_TOKEN = ""
    moderator = make_moderator(username="modo")
    author = make_user(username="alice", pseudonym="Alice", attribution_opt_in=True)
    newcomer = make_user(username="nouveau", accepted=False)
    for _ in range(3):
        make_pair(author=author, status=Status.VALIDATED, question=LONG_QUESTION + f" {_}")
    make_pair(author=author, status=Status.PENDING)
    disputed = make_pair(author=author, status=Status.DISPUTED)
    decide_pair(
        moderator=moderator, pair=make_pair(author=author, status=Status.DISPUTED), action=AuditAction.REJECT
    )
    release = make_release()
    assert disputed.status == Status.DISPUTED

    visitor_paths = [
        reverse("collect:home"),
        reverse("collect:guide"),
        reverse("collect:statistics"),
        reverse("export:list"),
        reverse("export:detail", args=[release.version]),
        reverse("accounts:license"),
        reverse("accounts:privacy"),
        reverse("account_login"),
        reverse("account_signup"),
    ]
    moderator_paths = [
        reverse("collect:write"),
        reverse("collect:mine"),
        reverse("review:next"),
        reverse("review:queue"),
        reverse("review:audit"),
        reverse("accounts:profile"),
    ]
    newcomer_paths = [reverse("accounts:terms")]  # the charter, as someone who has not accepted it yet

    too_wide = []
    for user, paths in ((None, visitor_paths), (moderator, moderator_paths), (newcomer, newcomer_paths)):
        page = phone_page(browser, live_server, page_problems, user)
        too_wide += [problem for path in paths if (problem := overflow(page, path))]
        page.context.close()

    assert too_wide == []
