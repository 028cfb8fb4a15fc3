"""A contributor loses nothing when the site is overloaded (issue 14): a real browser meets a real 503.

The live server runs in this process, so taking the process's only place for a request in flight makes
the next request of the page a genuine 503 from moisson.overload, exactly as under load.
"""

import re
from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from collect.models import Pair, Status
from moisson.overload import requests_in_flight
from tests.browser.test_writing import (
    ANSWER,
    ANSWER_WITH_PHONE,
    AUTOSAVE_URL,
    EDIT_URL,
    QUESTION,
    let_autosave_run,
    let_the_retry_run,
    screenshot,
    write_page,
)
from tests.fixtures.browser import PageProblems, fill_pair_form

# The refusal comes before any query: CI runs these once.
pytestmark = [pytest.mark.browser, pytest.mark.any_database]


class Crowd:
    """Stands for the requests already in progress: while it is there, the server refuses any other.

    It takes the process's only place; once it has gone, the process has its usual places again, so that
    the page's requests sent again together (the autosave and the live check) are not refused for want of
    the one place a test left, which a real server does not have."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.places = settings.MOISSON_MAX_IN_FLIGHT
        settings.MOISSON_MAX_IN_FLIGHT = 1
        self.present = False

    def arrive(self) -> None:
        assert requests_in_flight.try_enter(limit=1)
        self.present = True

    def leave(self) -> None:
        if self.present:
            requests_in_flight.leave()
            self.present = False
            self.settings.MOISSON_MAX_IN_FLIGHT = self.places


@pytest.fixture
def crowd(settings) -> Iterator[Crowd]:
    crowd = Crowd(settings)
    yield crowd
    crowd.leave()


def test_a_pair_submitted_during_an_overload_is_kept_in_the_browser_and_comes_back(
    open_page: Callable[..., Page], contributor: User, crowd: Crowd, page_problems: PageProblems
) -> None:
    page_problems.expect_failure(reverse("collect:write"))
    page = write_page(open_page, contributor)
    # Nothing is preselected any more: the contributor chooses the kind of pair.
    fill_pair_form(
        page, task_type="explanation", domain="sciences", question=QUESTION, answer=ANSWER, declaration=True
    )
    crowd.arrive()
    with page.expect_response(lambda response: response.status == 503):
        page.locator('button[value="submit"]').click()
    expect(page.locator("h1")).to_have_text("Beaucoup de monde en ce moment…")
    screenshot(page, "overload-503-desktop")
    crowd.leave()
    page.get_by_role("button", name="Réessayer").click()
    expect(page.locator("#id_question")).to_have_value(QUESTION)
    expect(page.locator("#id_answer")).to_have_value(ANSWER)
    assert not Pair.objects.filter(author=contributor).exists()


def test_an_autosave_refused_during_an_overload_is_saved_once_the_crowd_has_gone(
    open_page: Callable[..., Page], contributor: User, crowd: Crowd, page_problems: PageProblems
) -> None:
    # The live check of the text, sent at the same time, is refused too.
    page_problems.expect_failure(reverse("collect:write"))
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER)
    crowd.arrive()
    with page.expect_response(re.compile(re.escape(AUTOSAVE_URL))) as refused:
        let_autosave_run(page)
    assert refused.value.status == 503
    crowd.leave()
    let_the_retry_run(page)
    expect(page).to_have_url(EDIT_URL)
    pair = Pair.objects.get(author=contributor)
    assert (pair.status, pair.question, pair.answer) == (Status.DRAFT, QUESTION, ANSWER)


def test_a_live_check_refused_during_an_overload_is_sent_again_once_the_crowd_has_gone(
    open_page: Callable[..., Page], contributor: User, crowd: Crowd, page_problems: PageProblems
) -> None:
    """Without a second try, the findings of a refused check waited for the contributor's next keystroke."""
    check_url = reverse("collect:live_check")
    page_problems.expect_failure(check_url)
    page = write_page(open_page, contributor)
    fill_pair_form(page, question=QUESTION, answer=ANSWER_WITH_PHONE)
    crowd.arrive()
    with page.expect_response(re.compile(re.escape(check_url))) as refused:
        page.clock.run_for(600)
    assert refused.value.status == 503
    crowd.leave()
    let_the_retry_run(page, url=check_url, wait_ms=5_000)
    expect(page.locator('#findings [data-code="phone"]')).to_be_visible()
