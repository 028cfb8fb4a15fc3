from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from export.models import Release, ReleaseState
from tests.factories import make_published_release, make_release, suggested_edit_history

pytestmark = pytest.mark.django_db


def download_url(release: Release, path: str) -> str:
    return reverse("export:download", args=[release.version, path])


def first_data_file(release: Release) -> str:
    return next(file["path"] for file in release.files if file["path"].endswith(".parquet"))


# The list of releases.


def test_anyone_sees_the_published_releases_with_their_counts(client: Client) -> None:
    release = make_published_release(count=4)

    response = client.get(reverse("export:list"))

    assert response.status_code == 200
    assert release.version in response.content.decode()
    assert "4 pairs" in response.content.decode()


def test_releases_in_progress_are_hidden_from_visitors(client: Client) -> None:
    Release.objects.create(version="v1.0.0")

    response = client.get(reverse("export:list"))

    assert "v1.0.0" not in response.content.decode()


def test_contributors_see_no_start_form(contributor_client: Client) -> None:
    response = contributor_client.get(reverse("export:list"))

    assert reverse("export:start") not in response.content.decode()


def test_moderators_see_the_start_form_with_the_next_version_and_failed_builds(
    moderator_client: Client,
) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
    Release.objects.create(version="v1.1.0", state=ReleaseState.FAILED, error="Disk full")

    response = moderator_client.get(reverse("export:list"))

    assert 'value="v1.1.0"' in response.content.decode()
    assert "Disk full" in response.content.decode()


def test_list_refuses_post(client: Client) -> None:
    assert client.post(reverse("export:list")).status_code == 405


# One release.


def test_release_page_shows_the_card_files_changelog_and_snippets(client: Client) -> None:
    release = make_published_release()

    response = client.get(reverse("export:detail", args=[release.version]))

    page = response.content.decode()
    assert response.status_code == 200
    assert ">Collection and review</h3>" in page
    assert "First release: 3 pairs." in page
    assert all(download_url(release, file["path"]) in page for file in release.files)
    assert "load_dataset(&quot;parquet&quot;, data_files=" in page
    assert "pd.read_parquet(" in page


def test_release_page_gives_the_hub_snippet_with_the_version_as_revision(client: Client) -> None:
    release = make_published_release()
    Release.objects.filter(pk=release.pk).update(hub_repo="moisson/moisson-fr", hub_commit="a" * 40)

    response = client.get(reverse("export:detail", args=[release.version]))

    snippet = "load_dataset(&quot;moisson/moisson-fr&quot;, revision=&quot;v1.0.0&quot;)"
    assert snippet in response.content.decode()


class _Anchors(HTMLParser):
    """The ids of a page, and the in-page links (href="#...") of its dataset card."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.card_links: list[str] = []
        self._card_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "article" and "dataset-card" in (attributes.get("class") or ""):
            self._card_depth = 1
        elif tag == "article" and self._card_depth:
            self._card_depth += 1
        href = attributes.get("href") or ""
        if self._card_depth and tag == "a" and href.startswith("#"):
            self.card_links.append(unquote(href[1:]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._card_depth:
            self._card_depth -= 1


def test_every_in_page_link_of_the_card_leads_to_a_heading(client: Client) -> None:
    release = make_published_release()

    anchors = _Anchors()
    anchors.feed(client.get(reverse("export:detail", args=[release.version])).content.decode())

    assert {"français", "english"} <= set(anchors.card_links)
    assert [link for link in anchors.card_links if link not in anchors.ids] == []


def test_the_card_is_sanitised_before_it_is_shown(client: Client) -> None:
    release = make_published_release()
    with open(release.directory / "README.md", "a", encoding="utf-8") as card:
        card.write('\n<script>alert("x")</script>\n\n<a href="javascript:alert(1)">lien</a>\n')

    response = client.get(reverse("export:detail", args=[release.version]))

    assert "<script>alert" not in response.content.decode()
    assert "javascript:" not in response.content.decode()


def test_removals_and_their_reasons_are_in_the_changelog(client: Client) -> None:
    release = make_published_release()
    Release.objects.filter(pk=release.pk).update(
        previous=Release.objects.create(version="v0.9.0", state=ReleaseState.PUBLISHED),
        removed_count=2,
        removals_by_reason={"takedown": 2},
    )

    response = client.get(reverse("export:detail", args=[release.version]))

    assert "3 pairs added, 2 removed" in response.content.decode()
    assert "Takedown request: 2" in response.content.decode()


def test_a_release_in_progress_is_not_found_by_visitors(client: Client) -> None:
    Release.objects.create(version="v1.0.0")

    assert client.get(reverse("export:detail", args=["v1.0.0"])).status_code == 404


def test_a_failed_release_shows_its_error_and_a_retry_to_moderators(moderator_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.FAILED, error="Disk full")

    response = moderator_client.get(reverse("export:detail", args=["v1.0.0"]))

    assert "Disk full" in response.content.decode()
    assert "Start it again" in response.content.decode()


def test_release_page_refuses_post(client: Client) -> None:
    release = make_published_release()

    assert client.post(reverse("export:detail", args=[release.version])).status_code == 405


# Downloads.


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("README.md", "text/markdown; charset=utf-8"),
        ("release.json", "application/json"),
        (None, "application/vnd.apache.parquet"),
    ],
)
def test_files_are_served_with_their_content_type(
    client: Client, path: str | None, content_type: str
) -> None:
    release = make_published_release()
    path = path or first_data_file(release)

    response = client.get(download_url(release, path))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.streaming
    assert b"".join(response.streaming_content) == (release.directory / path).read_bytes()
    response.close()


def test_parquet_files_download_as_attachments_with_their_checksum_as_etag(client: Client) -> None:
    release = make_published_release()
    path = first_data_file(release)

    response = client.get(download_url(release, path))
    response.close()

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["ETag"] == f'"{release.file(path)["sha256"]}"'
    assert int(response["Content-Length"]) == release.file(path)["size"]


@pytest.mark.parametrize("path", ["../.lock-v1.0.0", "data/../README.md", "secret.txt", "data"])
def test_only_the_files_of_the_release_are_served(client: Client, path: str) -> None:
    release = make_published_release()

    assert client.get(download_url(release, path)).status_code == 404


def test_files_of_a_release_in_progress_are_not_served(client: Client) -> None:
    Release.objects.create(version="v1.0.0", files=[{"path": "README.md", "size": 1, "sha256": "x"}])

    assert client.get(download_url(Release.objects.get(), "README.md")).status_code == 404


def test_download_refuses_post(client: Client) -> None:
    release = make_published_release()

    assert client.post(download_url(release, "README.md")).status_code == 405


# Starting a release from the site.


def test_moderator_starts_a_release_and_lands_on_its_page(
    moderator_client: Client, moderator: object, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = moderator_client.post(reverse("export:start"), {"version": "v1.0.0"})

    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export:detail", args=["v1.0.0"])
    assert (release.state, release.started_by) == (ReleaseState.QUEUED, moderator)
    assert len(callbacks) == 1


def test_start_page_suggests_the_next_version(moderator_client: Client) -> None:
    Release.objects.create(version="v1.4.0", state=ReleaseState.PUBLISHED)

    response = moderator_client.get(reverse("export:start"))

    assert 'value="v1.5.0"' in response.content.decode()


def test_a_refused_version_is_explained_on_the_form(moderator_client: Client) -> None:
    Release.objects.create(version="v1.4.0", state=ReleaseState.PUBLISHED)

    response = moderator_client.post(reverse("export:start"), {"version": "v1.3.0"})

    assert response.status_code == 200
    assert "newer than v1.4.0" in response.content.decode()
    assert Release.objects.count() == 1


def test_anonymous_visitor_is_sent_to_login_to_start_a_release(client: Client) -> None:
    response = client.post(reverse("export:start"), {"version": "v1.0.0"})

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Release.objects.exists()


def test_contributor_cannot_start_a_release(contributor_client: Client) -> None:
    response = contributor_client.post(reverse("export:start"), {"version": "v1.0.0"})

    assert response.status_code == 403
    assert not Release.objects.exists()


def test_suspended_moderator_cannot_start_a_release(moderator_client: Client, moderator: object) -> None:
    moderator.suspended_at = moderator.date_joined
    moderator.save(update_fields=["suspended_at"])

    assert moderator_client.post(reverse("export:start"), {"version": "v1.0.0"}).status_code == 403


def test_start_refuses_put(moderator_client: Client) -> None:
    assert moderator_client.put(reverse("export:start")).status_code == 405


def test_navigation_partial_links_to_the_datasets_page() -> None:
    from django.template.loader import render_to_string

    assert reverse("export:list") in render_to_string("export/_nav.html")


def test_a_head_request_gives_the_size_of_a_file_without_its_body(client: Client) -> None:
    release = make_published_release()

    response = client.head(download_url(release, "release.json"))
    response.close()

    assert response.status_code == 200
    assert int(response["Content-Length"]) == release.file("release.json")["size"]


def test_release_page_gives_a_snippet_for_the_preference_pairs_when_there_are_some(client: Client) -> None:
    suggested_edit_history()
    release = make_release()
    [path] = [file["path"] for file in release.files if file["path"].startswith("data/preferences-")]

    page = client.get(reverse("export:detail", args=[release.version])).content.decode()

    assert "preferences = load_dataset(&quot;parquet&quot;, data_files={&quot;" in page
    assert download_url(release, path) in page


def test_release_page_gives_no_preferences_snippet_without_preference_pairs(client: Client) -> None:
    release = make_published_release()

    page = client.get(reverse("export:detail", args=[release.version])).content.decode()

    assert "preferences = load_dataset" not in page
