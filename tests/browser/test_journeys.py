"""Whole journeys in Debian's chromium against a live server (issue 12, New 4).

(a) a newcomer signs up, confirms the e-mail, accepts the terms, writes a pair that trips the
personal-data check, fixes it and submits it; (b) two volunteers review it with the keyboard alone until it
is validated, and the author sees why; (c) the moderator settles a disputed pair and starts a release,
watching it build; (d) a visitor downloads the release and loads it with the page's own snippet.

Each step saves a desktop (1280×800) and a phone (390×844) screenshot under test-results/journeys/, the
folder CI keeps; any console error or failed request fails the test (tests/fixtures/browser.py). The
release is built by a real Celery worker where CI provides one (MOISSON_REAL_WORKER=1, PostgreSQL and
Redis); elsewhere the task runs eagerly in the server, which is the same code without the broker.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from collect.models import Pair, Status
from export.models import Release, ReleaseState
from tests.factories import make_moderator, make_pair, make_user, make_validated_pairs
from tests.fixtures.browser import DESKTOP, PHONE, PageProblems, fill_pair_form
from tests.workers import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "journeys"
QUESTION = "Comment expliquer à un enfant pourquoi la Lune change de forme au cours du mois ?"
ANSWER = (
    "La Lune ne brille pas toute seule : elle est éclairée par le Soleil. En tournant autour de la "
    "Terre, elle nous montre chaque soir une part différente de sa face éclairée, d'où les croissants "
    "et la pleine lune."
)
ANSWER_WITH_PHONE = ANSWER + " Pour en parler, appelez-moi au 06 12 34 56 78."
# The first check of a run loads the language models, which takes seconds on a busy machine.
FIRST_CHECK_MS = 30_000
BUILD_SECONDS = 180


def researcher_environment(tmp_path: Path) -> dict[str, str]:
    """A researcher's fresh Python: its own caches, and the network on (the snippet reads the site)."""
    env = os.environ | {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    for offline in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        env.pop(offline, None)
    return env


def shoot(page: Page, name: str) -> None:
    """A desktop and a phone screenshot of the page as it is now."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer, page_problems: PageProblems) -> Iterator:
    contexts: list[BrowserContext] = []

    def open_new_page() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page_problems.watch(page)
        return page

    yield open_new_page
    for context in contexts:
        context.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/compte/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill("demo-moisson")
    page.locator("#id_password").press("Enter")
    expect(page.locator("#id_login")).to_have_count(0)
    expect(page.locator("form[data-logout]")).to_have_count(1)


def review_with_keyboard(page: Page, name: str) -> None:
    page.goto("/relire/")
    expect(page.locator("#review-form")).to_be_visible()
    shoot(page, f"b-{name}-reviews")
    page.keyboard.press("a")
    page.keyboard.press("4")
    page.keyboard.press("5")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review-form")).to_have_count(0)


def test_a_newcomer_signs_up_writes_a_pair_and_two_volunteers_validate_it(new_page, live_server) -> None:
    # (a) Sign up, confirm the e-mail, accept the terms.
    page = new_page()
    page.goto("/")
    shoot(page, "a1-home")
    page.goto("/compte/signup/")
    page.locator("#id_email").fill("nadia@example.org")
    page.locator("#id_username").fill("nadia")
    page.locator("#id_password1").fill("une phrase de passe solide 2026")
    page.locator("#id_password2").fill("une phrase de passe solide 2026")
    shoot(page, "a2-sign-up")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("nadia@example.org")
    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(urlsplit(link).path)
    shoot(page, "a3-confirm")
    page.locator("main form button[type=submit]").click()
    page.goto("/contribuer/")
    expect(page).to_have_url(re.compile(r"/compte/conditions/"))
    page.locator("#id_accept_charter").check()
    page.locator("#id_accept_license").check()
    shoot(page, "a4-terms")
    page.locator("main form button[type=submit]").click()

    # Write a pair that trips the personal-data check, fix it, submit.
    expect(page).to_have_url(re.compile(r"/contribuer/"))
    fill_pair_form(
        page, task_type="explanation", domain="sciences", question=QUESTION, answer=ANSWER_WITH_PHONE
    )
    expect(page.locator('#findings [data-code="phone"]')).to_be_visible(timeout=FIRST_CHECK_MS)
    shoot(page, "a5-personal-data")
    if page.locator("#id_declaration").count():
        page.locator("#id_declaration").check()
    page.get_by_role("button", name="Envoyer en relecture").click()
    expect(page.locator(".finding-error, [role=alert]").first).to_be_visible()
    assert not Pair.objects.filter(status=Status.PENDING).exists()
    fill_pair_form(page, answer=ANSWER)
    expect(page.locator('#findings [data-code="phone"]')).to_have_count(0)
    if page.locator("#id_declaration").count():
        page.locator("#id_declaration").check()
    page.get_by_role("button", name="Envoyer en relecture").click()
    expect(page).to_have_url(re.compile(r"/mes-paires/"))
    shoot(page, "a6-submitted")
    pair = Pair.objects.get(author__username="nadia")
    assert pair.status == Status.PENDING
    assert pair.answer == ANSWER

    # (b) Two volunteers review it with the keyboard alone until it is validated.
    for name in ("bruno", "chloe"):
        make_user(username=name, email_verified=True)
        reviewer = new_page()
        log_in(reviewer, name)
        review_with_keyboard(reviewer, name)
        shoot(reviewer, f"b-{name}-voted")
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED

    # The author sees why: the verdicts and ratings their pair received.
    page.goto(f"/mes-paires/{pair.pk}/")
    expect(page.locator("main")).to_contain_text("Validée")
    shoot(page, "b-author-sees-why")


@pytest.fixture
def release_worker(settings, tmp_path: Path) -> Iterator[None]:
    """A real Celery worker where CI has one (PostgreSQL and Redis); the eager task elsewhere."""
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = ""
    settings.HF_TOKEN = ""
    if os.environ.get("MOISSON_REAL_WORKER") != "1" or connection.vendor != "postgresql":
        settings.CELERY_TASK_ALWAYS_EAGER = True
        yield
        return
    from moisson.celery import app

    app.control.purge()
    with running_worker(releases_root=settings.RELEASES_ROOT, log=tmp_path / "worker.log", name="journey"):
        yield


def test_the_moderator_settles_a_dispute_and_a_visitor_loads_the_release(
    new_page, release_worker, tmp_path: Path
) -> None:
    author = make_user(username="alice")
    make_moderator(username="modo", email_verified=True)
    make_validated_pairs(4, author=author)
    disputed = make_pair(author=author, status=Status.DISPUTED)

    # (c) The moderator settles the disputed pair...
    page = new_page()
    log_in(page, "modo")
    page.goto("/moderation/")
    shoot(page, "c1-queue")
    page.locator(f'a[href*="{disputed.pk}"]').first.click()
    page.locator("#id_reason").fill("Réponse juste et claire : je valide.")
    shoot(page, "c2-decide")
    page.locator("button[name=action][value=validate]").click()
    disputed.refresh_from_db()
    assert disputed.status == Status.VALIDATED

    # ... and starts a release, watching it build.
    page.goto("/jeux-de-donnees/nouvelle/")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/jeux-de-donnees/v\d+\.\d+\.\d+/"))
    release = Release.objects.get()
    if release.state in (ReleaseState.QUEUED, ReleaseState.BUILDING):
        # With a real worker the moderator sees the build's progress bar (without one, the eager task
        # built it before the page came back).
        expect(page.locator("[data-release-progress] progress")).to_be_visible()
    shoot(page, "c3-building")
    deadline = time.monotonic() + BUILD_SECONDS
    while release.state in (ReleaseState.QUEUED, ReleaseState.BUILDING):
        assert time.monotonic() < deadline, "the release was not built in time"
        time.sleep(0.5)
        release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED, release.error
    # The page reloads itself once its progress request sees the build end (static/js/release.js); a
    # reload of our own would race it (net::ERR_ABORTED). Without a real worker there was no progress bar.
    expect(page.locator("[data-release-progress]")).to_have_count(0, timeout=15_000)
    expect(page.locator("main")).to_contain_text(release.version)
    shoot(page, "c4-published")

    # (d) A visitor downloads the release and loads it with the page's own snippet.
    visitor = new_page()
    visitor.goto("/jeux-de-donnees/")
    shoot(visitor, "d1-datasets")
    visitor.locator(f'a[href$="/{release.version}/"]').first.click()
    shoot(visitor, "d2-release")
    download_link = visitor.locator('a[href*="/fichiers/data/train"]').first
    with visitor.expect_download() as download:
        download_link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes()[:4] == b"PAR1"
    snippet = visitor.locator("pre code", has_text="load_dataset").first.inner_text()
    result = subprocess.run(
        [sys.executable, "-c", snippet + "\nprint('ROWS', sum(len(split) for split in dataset.values()))"],
        capture_output=True,
        text=True,
        timeout=180,
        env=researcher_environment(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ROWS 5" in result.stdout
