"""Every web page, opened by every kind of person, answers exactly the status the rules give (issue 13).

The API has its own matrix (`tests/moisson/test_api_permissions_matrix.py`). Here the people are: a visitor
(anonymous), a newcomer who signed in but has not accepted the charter and licence yet, the author of the
pairs, another contributor, a moderator, and a suspended contributor. 302 is a redirect to the login or the
terms page; 403 a styled refusal; 404 a page that does not exist for that person.
"""

import pytest
from django.test import Client
from django.utils import timezone

from collect.models import Status
from review.models import Report
from tests.factories import make_moderator, make_pair, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "newcomer", "author", "other", "moderator", "suspended"]
PUBLIC = [200] * 6
CONTRIBUTORS = [302, 302, 200, 200, 200, 403]
SIGNED_IN = [302, 200, 200, 200, 200, 200]
MODERATORS = [302, 403, 403, 403, 200, 403]
OWN_PAIR = [302, 302, 200, 404, 404, 403]

# {D}raft, {P}ending, {V}alidated and disputed ({X}) pairs of the author; {A} is the author's id.
MATRIX = [
    ("/", PUBLIC),
    ("/guide/", PUBLIC),
    ("/licence/", PUBLIC),
    ("/confidentialite/", PUBLIC),
    ("/jeux-de-donnees/", PUBLIC),
    ("/classement/", PUBLIC),
    ("/paires/{V}/", PUBLIC),
    ("/paires/{P}/", [404] * 6),
    ("/tableau-de-bord/", CONTRIBUTORS),
    ("/contribuer/", CONTRIBUTORS),
    ("/contribuer/{D}/", OWN_PAIR),
    ("/contribuer/{P}/", OWN_PAIR),
    ("/mes-paires/", CONTRIBUTORS),
    ("/mes-paires/{P}/", OWN_PAIR),
    ("/relire/", CONTRIBUTORS),
    # The tally of a pair still in review is blind: everyone is sent back to the review page.
    ("/relire/{P}/bilan/", [302, 302, 302, 302, 302, 403]),
    # The form opens for the author too; sending it is refused by review.services (test below).
    ("/signaler/{P}/", [302, 302, 200, 200, 200, 403]),
    ("/compte/mes-donnees/", SIGNED_IN),
    ("/compte/profil/", SIGNED_IN),
    ("/compte/conditions/", SIGNED_IN),
    ("/compte/supprimer/", SIGNED_IN),
    ("/moderation/", MODERATORS),
    ("/moderation/paires/{X}/", MODERATORS),
    ("/moderation/retrait/", MODERATORS),
    ("/moderation/journal/", MODERATORS),
    ("/moderation/comptes/{A}/suspendre/", MODERATORS),
    ("/jeux-de-donnees/nouvelle/", MODERATORS),
    # Moderators are a group with permissions, not staff: the admin is for administrators only.
    ("/admin/", [302] * 6),
]


@pytest.fixture
def world() -> dict:
    author = make_user(username="alice")
    people = {
        "anonymous": None,
        "newcomer": make_user(username="nina", accepted=False),
        "author": author,
        "other": make_user(username="bruno"),
        "moderator": make_moderator(username="modo"),
        "suspended": make_user(username="sam", suspended_at=timezone.now(), suspension_reason="spam"),
    }
    ids = {
        "D": make_pair(author=author, status=Status.DRAFT).pk,
        "P": make_pair(author=author).pk,
        "V": make_pair(author=author, status=Status.VALIDATED).pk,
        "X": make_pair(author=author, status=Status.DISPUTED).pk,
        "A": author.pk,
    }
    return {"people": people, "ids": ids}


@pytest.mark.parametrize(("path", "expected"), MATRIX, ids=[path for path, _ in MATRIX])
def test_each_person_gets_the_status_the_rules_give(world, path, expected):
    url = path.format(**world["ids"])
    got = []
    for role in ROLES:
        client = Client()
        if world["people"][role] is not None:
            client.force_login(world["people"][role])
        got.append(client.get(url).status_code)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))


def test_the_author_cannot_send_a_report_on_their_own_pair(world):
    client = Client()
    client.force_login(world["people"]["author"])
    url = "/signaler/{P}/".format(**world["ids"])
    response = client.post(url, {"reason": "Je voudrais la retirer de la relecture."})
    assert response.status_code == 200
    assert "propre paire" in response.content.decode()
    assert not Report.objects.exists()
