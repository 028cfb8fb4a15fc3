"""The database connection dropped in the middle of a vote (issue 13, battery, faults).

The server process of the very connection that is recording the vote is killed from another connection
(`pg_terminate_backend`), as when PostgreSQL restarts or a network link drops: once after the vote's row is
written and before the pair's counters are recounted, once after every write and before the commit. Nothing
half-written may remain, the client must be told to try again (not a 500), and trying again must count the
vote exactly once.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect
from rest_framework.authtoken.models import Token

from accounts.models import User
from collect.models import Pair
from review import voting
from review.models import Review, Verdict
from tests.factories import hand_out, make_pair, make_user, vote
from tests.fixtures.browser import PageProblems
from tests.reliability.test_vote_storm import assert_summary_matches_the_votes

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: a SQLite database has no server process whose connection can be killed",
    ),
    # The killed connection is the test's own: no test transaction may wrap it.
    pytest.mark.django_db(transaction=True),
]

# Where the connection is cut, as the name of a step of review.voting.record_review, and whether the cut
# comes before that step runs (the vote's row is written, its counters not yet) or after it (every write
# done, the commit not yet sent).
CUT_POINTS = {
    "after the vote is written": ("_count_votes", "before"),
    "just before the commit": ("_apply_quorum", "after"),
}
COMMENT = "Très clair, merci\u00a0! Une précision sur « la chlorophylle » serait la bienvenue."


def drop_connection() -> None:
    """Kill the server process of this thread's database connection, from another connection, and wait
    until it is gone: the next statement on the connection fails as it would after a database restart."""
    pid = connection.connection.info.backend_pid
    killer = connection.copy()
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        killer.close()


@contextmanager
def connection_dropped(cut_point: str) -> Iterator[list[str]]:
    """Drop the connection once, at `cut_point` of record_review; yields the list of cuts made."""
    step, when = CUT_POINTS[cut_point]
    real_step = getattr(voting, step)
    cuts: list[str] = []

    def step_with_a_cut(pair: Pair) -> None:
        if when == "after":
            real_step(pair)
        if not cuts:
            cuts.append(cut_point)
            drop_connection()
        if when == "before":
            real_step(pair)

    with mock.patch.object(voting, step, step_with_a_cut):
        yield cuts


def pair_with_one_vote() -> Pair:
    """A pending pair that already has one approval, so that its counters have something to lose."""
    pair = make_pair()
    vote(pair, verdict=Verdict.APPROVE)
    pair.refresh_from_db()
    assert (pair.approvals, pair.rejections, pair.review_count) == (1, 0, 1)
    return pair


def assert_nothing_half_written(pair: Pair, reviewer: User) -> None:
    assert not Review.objects.filter(reviewer=reviewer).exists()
    pair.refresh_from_db()
    assert (pair.approvals, pair.rejections, pair.review_count) == (1, 0, 1)
    assert_summary_matches_the_votes(pair)


def assert_counted_once(pair: Pair, reviewer: User) -> None:
    assert Review.objects.filter(reviewer=reviewer, pair=pair).count() == 1
    pair.refresh_from_db()
    assert (pair.approvals, pair.rejections, pair.review_count) == (1, 1, 2)
    assert_summary_matches_the_votes(pair)


@pytest.mark.parametrize("cut_point", list(CUT_POINTS))
def test_a_vote_cut_off_from_the_database_through_the_api_is_not_kept_and_can_be_sent_again(cut_point):
    pair = pair_with_one_vote()
    reviewer = make_user()
    hand_out(pair, reviewer)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer).key}")
    url = reverse("api:review_api:reviews")
    body = {
        "pair": str(pair.pk),
        "revision": 1,
        "verdict": "reject",
        "reasons": ["incomplete"],
        "correctness": 3,
        "fluency": 4,
        "comment": COMMENT,
    }

    with connection_dropped(cut_point) as cuts:
        response = api.post(url, body, content_type="application/json")

    assert cuts == [cut_point]
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert response.json() == {
        "detail": "Votre demande n’a pas pu aboutir\u00a0: la connexion à notre base de données a été "
        "interrompue. Merci de réessayer dans quelques secondes.",
        "code": "database_unavailable",
    }
    assert_nothing_half_written(pair, reviewer)

    retried = api.post(url, body, content_type="application/json")

    assert retried.status_code == 201
    assert_counted_once(pair, reviewer)
    assert Review.objects.get(reviewer=reviewer).comment == COMMENT


def test_a_vote_cut_off_from_the_database_on_the_review_page_keeps_what_was_typed_for_a_second_try():
    pair = pair_with_one_vote()
    reviewer = make_user()
    # With CSRF checks on, as in a browser: the page sent again must carry a token that still works.
    web = Client(enforce_csrf_checks=True)
    web.force_login(reviewer)
    url = reverse("review:next")
    shown = web.get(url).content.decode()  # hands the pair out, as it is shown
    assert str(pair.pk) in shown
    typed = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown).group(1),
        "pair": str(pair.pk),
        "revision": "1",
        "verdict": "reject",
        "reasons": ["incomplete", "poor_french"],
        "correctness": "3",
        "fluency": "2",
        "comment": COMMENT,
    }

    with connection_dropped("after the vote is written"):
        response = web.post(url, typed)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "la connexion à notre base de données a été interrompue" in page
    assert "Merci de réessayer dans quelques secondes" in page
    assert_nothing_half_written(pair, reviewer)
    # The page holds what the reviewer sent, to send it again with one button.
    kept = hidden_fields(page)
    assert kept == {key: typed[key] if isinstance(typed[key], list) else [typed[key]] for key in typed}

    retried = web.post(url, kept)

    assert retried.status_code == 302
    assert retried["Location"] == reverse("review:tally", args=[pair.pk])
    assert_counted_once(pair, reviewer)
    assert Review.objects.get(reviewer=reviewer).reasons == ["incomplete", "poor_french"]


@pytest.mark.browser
def test_in_a_browser_a_vote_cut_off_from_the_database_is_sent_again_with_one_button(
    open_page: Callable[..., Page], page_problems: PageProblems
) -> None:
    pair = pair_with_one_vote()
    reviewer = make_user()
    page_problems.expect_failure(reverse("review:next"))  # the 503, on purpose
    page = open_page(reviewer)
    page.goto(reverse("review:next"))
    page.locator("label.choice-reject").click()
    page.locator("#reasons label").first.click()
    page.locator("[data-rating=correctness] label").nth(1).click()
    page.locator("[data-rating=fluency] label").nth(2).click()
    page.locator("#id_comment").fill(COMMENT)

    # The live server answers from its own thread: the cut is made on that thread's connection.
    with connection_dropped("after the vote is written") as cuts:
        page.locator("#review-form button[type=submit]").click()
        expect(page.get_by_role("heading", name="Merci de réessayer dans quelques secondes")).to_be_visible()

    assert cuts == ["after the vote is written"]
    assert_nothing_half_written(pair, reviewer)
    page.get_by_role("button", name="Envoyer de nouveau").click()
    page.wait_for_url("**/bilan/")
    assert_counted_once(pair, reviewer)
    review = Review.objects.get(reviewer=reviewer)
    assert (review.reasons, review.correctness, review.fluency, review.comment) == (
        ["factually_wrong"],
        2,
        3,
        COMMENT,
    )
    assert not page_problems.found


def hidden_fields(page: str) -> dict[str, list[str]]:
    """The hidden inputs of the page's form, as {name: [values]}."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        fields.setdefault(unescape(name), []).append(unescape(value))
    return fields
