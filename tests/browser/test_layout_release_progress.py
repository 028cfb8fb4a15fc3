"""The release page follows a build by itself: its progress bar moves, then the page shows how it ended."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from export.models import Release, ReleasePhase, ReleaseState
from tests.factories import make_building_release, make_moderator

pytestmark = pytest.mark.browser

# The page polls every 1.5 s; a busy machine may be slower.
POLL_TIMEOUT_MS = 15_000


@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_moves_while_the_release_builds(open_page: Callable[..., Page]) -> None:
    release = make_building_release(phase=ReleasePhase.WRITING, rows_written=0, rows_expected=200)
    page = open_page(make_moderator(), phone=True)
    page.goto(reverse("export:detail", args=[release.version]))
    expect(page.locator("#progress-text")).to_contain_text("0 lignes sur 200")

    Release.objects.filter(pk=release.pk).update(rows_written=100)

    # A locator assertion, not wait_for_function: the site's CSP forbids evaluating strings as script.
    expect(page.locator("progress")).to_have_attribute("value", "50", timeout=POLL_TIMEOUT_MS)
    expect(page.locator("#progress-text")).to_contain_text("100 lignes sur 200")

    Release.objects.filter(pk=release.pk).update(state=ReleaseState.FAILED, error="Le disque est plein.")

    expect(page.locator("text=Le disque est plein.")).to_be_visible(timeout=POLL_TIMEOUT_MS)
    expect(page.locator("progress")).to_have_count(0)
