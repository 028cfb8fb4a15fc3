import pytest
from django.urls import reverse

from collect.models import Status
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db


def test_a_contributor_downloads_their_pairs_reviews_and_account_as_json(contributor_client, contributor):
    mine = make_pair(author=contributor, status=Status.PENDING)
    theirs = make_pair(author=make_user(), status=Status.PENDING)
    vote(theirs, reviewer=contributor)
    response = contributor_client.get(reverse("review:my_data"))
    data = response.json()
    assert response["Content-Disposition"].startswith("attachment")
    assert data["account"]["email"] == contributor.email
    assert [pair["id"] for pair in data["pairs"]] == [str(mine.pk)]
    assert [review["pair"] for review in data["reviews"]] == [str(theirs.pk)]


def test_the_download_holds_nobody_elses_data(contributor_client):
    other = make_user(email="quelquun@example.org")
    make_pair(author=other, status=Status.PENDING)
    content = contributor_client.get(reverse("review:my_data")).content.decode()
    assert "quelquun@example.org" not in content


def test_anonymous_visitor_is_sent_to_login_for_the_download(client):
    assert client.get(reverse("review:my_data")).status_code == 302
