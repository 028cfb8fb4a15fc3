import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from collect.models import Status
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(make_user(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "name",
    ["admin:collect_pair_changelist", "admin:collect_revision_changelist", "admin:accounts_user_changelist"],
)
def test_admin_lists_open_with_search_and_filters(admin_client_, name):
    make_pair(status=Status.VALIDATED, question="Quelle est la capitale de la Bretagne historique ?")
    response = admin_client_.get(reverse(name), {"q": "Bretagne"})
    assert response.status_code == 200


def test_admin_search_finds_a_pair_by_its_text(admin_client_):
    pair = make_pair(status=Status.PENDING, question="Pourquoi les feuilles tombent-elles en automne ?")
    other = make_pair(status=Status.PENDING)
    content = admin_client_.get(reverse("admin:collect_pair_changelist"), {"q": "feuilles"}).content.decode()
    assert str(pair.pk) in content
    assert str(other.pk) not in content


def test_admin_pair_page_shows_its_revisions(admin_client_):
    pair = make_pair(status=Status.PENDING)
    response = admin_client_.get(reverse("admin:collect_pair_change", args=[pair.pk]))
    assert response.status_code == 200
    # Read-only: the question is shown as escaped text, not in an editable field.
    assert escape(pair.question) in response.content.decode()


def test_contributor_cannot_open_the_admin():
    client = Client()
    client.force_login(make_user())
    assert client.get(reverse("admin:collect_pair_changelist")).status_code == 302
