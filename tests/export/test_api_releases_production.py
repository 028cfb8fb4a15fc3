"""The releases API behind a real WSGI server, and what it shows to whom (issue 13)."""

import json
import urllib.request
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from export.models import Release, ReleaseState
from tests.factories import make_moderator

LIST_URL = "/api/v1/releases/"


@pytest.mark.django_db(transaction=True)
def test_starting_a_release_through_a_real_wsgi_server_answers_202_with_its_location(
    live_server: LiveServer, django_capture_on_commit_callbacks: Callable
) -> None:
    # The live server is wsgiref's, like runserver: a header that is not exactly a str is a 500 there,
    # while Django's test client lets it through.
    token = Token.objects.create(user=make_moderator(username="modo"))
    request = urllib.request.Request(
        live_server.url + LIST_URL,
        data=json.dumps({"version": "v1.0.0"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token.key}"},
        method="POST",
    )

    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the local live server)
        status, location, body = response.status, response.headers["Location"], json.load(response)

    assert status == 202
    assert location == body["url"] == f"{live_server.url}{LIST_URL}v1.0.0/"
    assert Release.objects.get().version == "v1.0.0"


@pytest.mark.django_db
def test_visitors_see_only_published_releases_in_the_list(client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
    Release.objects.create(version="v1.1.0", state=ReleaseState.FAILED, error="Disque plein")
    Release.objects.create(version="v1.2.0", state=ReleaseState.QUEUED)
    Release.objects.create(version="v1.3.0", state=ReleaseState.BUILDING)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert [item["version"] for item in response.json()["results"]] == ["v1.0.0"]


@pytest.mark.django_db
def test_contributors_see_only_published_releases_in_the_list(contributor_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
    Release.objects.create(version="v1.1.0", state=ReleaseState.FAILED)

    response = contributor_client.get(LIST_URL)

    assert [item["version"] for item in response.json()["results"]] == ["v1.0.0"]


@pytest.mark.django_db
def test_moderators_see_every_release_in_the_list_with_its_state(moderator_client: Client) -> None:
    Release.objects.create(version="v1.0.0", state=ReleaseState.PUBLISHED)
    Release.objects.create(version="v1.1.0", state=ReleaseState.FAILED)
    Release.objects.create(version="v1.2.0", state=ReleaseState.QUEUED)

    response = moderator_client.get(LIST_URL)

    assert [(item["version"], item["state"]) for item in response.json()["results"]] == [
        ("v1.2.0", "queued"),
        ("v1.1.0", "failed"),
        ("v1.0.0", "published"),
    ]
