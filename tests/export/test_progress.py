"""A release records its phase and rows written while it builds; the page and the API show them."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

import export.build
import export.releases
from export.models import Release, ReleasePhase, ReleaseState
from tests.factories import make_building_release, make_release, make_validated_pairs

pytestmark = pytest.mark.django_db


def read_in_another_connection(release_id: int) -> tuple[str, int, int | None]:
    """What any other process sees of the release row at this moment."""
    seen: list[tuple] = []

    def read() -> None:
        try:
            seen.append(
                Release.objects.values_list("phase", "rows_written", "rows_expected").get(pk=release_id)
            )
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_moves_while_the_snapshot_is_open_and_ends_at_100_percent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the snapshot holds the write lock: progress is only recorded around it")
    monkeypatch.setattr(export.build, "BATCH_ROWS", 2)
    monkeypatch.setattr(export.build, "PROGRESS_WRITE_SECONDS", 0)
    make_validated_pairs(12)
    seen = []
    record_progress = export.build._record_progress

    def record_and_look(release_id: int, **fields: object) -> None:
        record_progress(release_id, **fields)
        seen.append(read_in_another_connection(release_id))

    monkeypatch.setattr(export.build, "_record_progress", record_and_look)

    release = make_release()

    written = [rows for phase, rows, expected in seen if phase == ReleasePhase.WRITING]
    assert written[0] == 0 and written[-1] == 12
    assert any(0 < rows < 12 for rows in written)
    assert written == sorted(written)
    assert (ReleasePhase.WRITING, 12, 12) in seen
    assert seen[-1] == (ReleasePhase.VERIFYING, 12, 12)
    assert (release.state, release.phase, release.progress_percent) == (ReleaseState.PUBLISHED, "done", 100)


def test_a_published_release_records_every_row_written() -> None:
    make_validated_pairs(5)

    release = make_release()

    release.refresh_from_db()
    assert (release.phase, release.rows_written, release.rows_expected) == (ReleasePhase.DONE, 5, 5)
    assert release.progress_percent == 100


def test_a_claimed_build_starts_at_the_snapshot_phase_with_no_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    make_validated_pairs(1)
    seen = []

    def stop(release: Release) -> None:
        seen.append(Release.objects.values_list("phase", "rows_written", "rows_expected").get(pk=release.pk))
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(export.releases, "_build_and_publish", stop)

    release = make_release()

    assert seen == [(ReleasePhase.SNAPSHOT, 0, None)]
    assert release.state == ReleaseState.FAILED


def test_progress_is_the_share_of_rows_written() -> None:
    release = make_building_release(phase=ReleasePhase.WRITING, rows_written=250, rows_expected=1000)

    assert release.progress_percent == 25


def test_the_api_gives_the_phase_and_rows_of_a_build(moderator_client: Client) -> None:
    make_building_release(phase=ReleasePhase.WRITING, rows_written=250, rows_expected=1000)

    body = moderator_client.get(reverse("api:export_api:release-detail", args=["v1.0.0"])).json()

    assert body["phase"] == "writing"
    assert (body["rows_written"], body["rows_expected"], body["progress_percent"]) == (250, 1000, 25)
    assert body["phase_display"] == "Writing the files"


def test_the_release_page_shows_a_progress_bar_that_follows_the_build(moderator_client: Client) -> None:
    make_building_release(phase=ReleasePhase.WRITING, rows_written=250, rows_expected=1000)

    page = moderator_client.get(reverse("export:detail", args=["v1.0.0"])).content.decode()

    assert '<progress value="25" max="100"' in page
    assert "Writing the files: 250 of 1,000 rows (25 %)" in page
    assert 'data-status-url="/api/v1/releases/v1.0.0/"' in page
    assert "js/release.js" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page


def test_a_published_release_page_neither_polls_nor_refreshes(client: Client) -> None:
    make_validated_pairs(2)
    release = make_release()

    page = client.get(reverse("export:detail", args=[release.version])).content.decode()

    assert "<progress" not in page
    assert "js/release.js" not in page and 'http-equiv="refresh"' not in page
