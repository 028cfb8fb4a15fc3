from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from export.models import Release, ReleaseState
from tests.factories import make_published_release

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/releases/"


def test_moderators_list_the_releases_with_their_state(moderator_client: Client) -> None:
    make_published_release()
    Release.objects.create(version="v1.1.0")

    response = moderator_client.get(LIST_URL)

    assert response.status_code == 200
    assert [(item["version"], item["state"]) for item in response.json()["results"]] == [
        ("v1.1.0", "queued"),
        ("v1.0.0", "published"),
    ]


def test_a_release_gives_counts_changelog_and_every_file_with_an_absolute_url(client: Client) -> None:
    release = make_published_release(count=4)

    body = client.get(f"{LIST_URL}{release.version}/").json()

    assert body["counts"]["total"] == 4
    assert body["counts"]["splits"] == release.split_counts
    assert body["changelog"] == {
        "previous_version": None,
        "added": 4,
        "removed": 0,
        "removals_by_reason": {},
    }
    assert [file["path"] for file in body["files"]] == [file["path"] for file in release.files]
    assert all(file.keys() == {"path", "url", "size", "sha256"} for file in body["files"])
    assert body["files"][0]["url"] == "http://testserver" + reverse(
        "export:download", args=[release.version, body["files"][0]["path"]]
    )
    assert body["size"] == release.size


def test_file_urls_download_the_files(client: Client) -> None:
    release = make_published_release()
    files = client.get(f"{LIST_URL}v1.0.0/").json()["files"]
    [entry] = [file for file in files if file["path"] == "README.md"]

    response = client.get(entry["url"].removeprefix("http://testserver"))

    assert b"".join(response.streaming_content) == (release.directory / "README.md").read_bytes()
    response.close()


def test_a_release_in_progress_lists_no_files(client: Client) -> None:
    Release.objects.create(version="v1.0.0", files=[{"path": "README.md", "size": 1, "sha256": "x"}])

    assert client.get(f"{LIST_URL}v1.0.0/").json()["files"] == []


def test_the_error_of_a_failed_build_is_for_moderators_only(client: Client, moderator_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.FAILED, error="Disk full")

    assert "error" not in client.get(f"{LIST_URL}v1.0.0/").json()
    assert moderator_client.get(f"{LIST_URL}v1.0.0/").json()["error"] == "Disk full"


def test_an_unknown_version_is_not_found(client: Client) -> None:
    assert client.get(f"{LIST_URL}v9.9.9/").status_code == 404


def test_moderator_starts_a_release_and_gets_202_with_a_status_url(
    moderator_client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = moderator_client.post(LIST_URL, {"version": "v1.0.0"}, content_type="application/json")

    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    assert response["Location"] == response.json()["url"] == "http://testserver/api/v1/releases/v1.0.0/"
    assert len(callbacks) == 1


def test_without_a_version_the_next_one_is_built(moderator_client: Client) -> None:
    Release.objects.create(version="v1.2.0", state=ReleaseState.PUBLISHED)

    response = moderator_client.post(LIST_URL, {}, content_type="application/json")

    assert response.json()["version"] == "v1.3.0"


def test_a_malformed_version_is_a_bad_request(moderator_client: Client) -> None:
    response = moderator_client.post(LIST_URL, {"version": "1.0"}, content_type="application/json")

    assert response.status_code == 400
    assert not Release.objects.exists()


def test_a_release_in_progress_makes_another_start_a_conflict(moderator_client: Client) -> None:
    Release.objects.create(version="v1.0.0")

    response = moderator_client.post(LIST_URL, {"version": "v1.1.0"}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "in progress" in response.json()["detail"]


def test_contributor_cannot_start_a_release(contributor_client: Client) -> None:
    response = contributor_client.post(LIST_URL, {"version": "v1.0.0"}, content_type="application/json")

    assert response.status_code == 403
    assert not Release.objects.exists()


def test_anonymous_client_cannot_start_a_release(client: Client) -> None:
    response = client.post(LIST_URL, {"version": "v1.0.0"}, content_type="application/json")

    assert response.status_code in (401, 403)
    assert not Release.objects.exists()


def test_releases_cannot_be_changed_through_the_api(moderator_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)

    assert moderator_client.delete(f"{LIST_URL}v1.0.0/").status_code == 405
    assert moderator_client.put(f"{LIST_URL}v1.0.0/", {}, content_type="application/json").status_code == 405


def test_token_authenticated_moderator_can_start_a_release(moderator: object) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=moderator)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post(LIST_URL, {"version": "v1.0.0"}, content_type="application/json")

    assert response.status_code == 202


def test_release_endpoints_are_in_the_openapi_schema_without_warnings() -> None:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)

    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert [problem for problem in problems if "export" in problem or "Release" in problem] == []
    assert "/api/v1/releases/" in schema["paths"]
    assert "202" in schema["paths"]["/api/v1/releases/"]["post"]["responses"]
    assert "/api/v1/releases/{version}/" in schema["paths"]
