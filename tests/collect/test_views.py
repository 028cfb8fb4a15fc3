import re

import pytest
from django.test import Client
from django.urls import reverse

from collect.models import Pair, Status
from tests.factories import make_pair, make_user, pair_text

pytestmark = pytest.mark.django_db


def form_data(**overrides: object) -> dict:
    data = pair_text() | {"accept_license": "on", "declaration": "on", "action": "submit"}
    data.update(overrides)
    return data


def test_anonymous_visitor_is_sent_to_login_from_the_writing_page(client):
    response = client.get(reverse("collect:write"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_contributor_without_accepted_terms_is_sent_to_the_charter():
    client = Client()
    client.force_login(make_user(accepted=False))
    response = client.get(reverse("collect:write"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:terms"))


def test_writing_page_shows_the_form(contributor_client):
    response = contributor_client.get(reverse("collect:write"))
    assert response.status_code == 200
    assert b'name="question"' in response.content


def test_submitting_the_form_creates_a_pending_pair(contributor_client, contributor):
    response = contributor_client.post(reverse("collect:write"), form_data())
    assert response.status_code == 302
    pair = Pair.objects.get(author=contributor)
    assert pair.status == Status.PENDING


def test_text_is_kept_as_a_draft_when_a_check_fails(contributor_client, contributor):
    answer = "Appelez le 06 12 34 56 78 pour obtenir la réponse à cette question."
    response = contributor_client.post(reverse("collect:write"), form_data(answer=answer))
    assert response.status_code == 200
    assert answer in response.content.decode()
    assert Pair.objects.get(author=contributor).answer == answer
    assert Pair.objects.get(author=contributor).status == Status.DRAFT


def test_fixing_a_refused_pair_submits_its_draft_instead_of_making_a_second_pair(
    contributor_client, contributor
):
    # A refused pair is kept as a draft; the page showing it again must post to that draft, or the fixed
    # text becomes a second pair and the draft lingers in "My pairs".
    refused = form_data(answer="Appelez le 06 12 34 56 78 pour obtenir la réponse à cette question.")
    content = contributor_client.post(reverse("collect:write"), refused).content.decode()
    draft = Pair.objects.get(author=contributor)
    action = re.search(r'<form method="post" id="pair-form"\s+action="([^"]+)"', content).group(1)

    contributor_client.post(action, refused | {"answer": form_data()["answer"]})

    assert list(Pair.objects.filter(author=contributor).values_list("pk", "status")) == [
        (draft.pk, Status.PENDING)
    ]


def test_text_is_kept_as_a_draft_when_the_declaration_is_missing(contributor_client, contributor):
    response = contributor_client.post(reverse("collect:write"), form_data(declaration=""))
    assert response.status_code == 200
    assert Pair.objects.get(author=contributor).status == Status.DRAFT


def test_editing_a_pending_pair_creates_a_revision(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    new = pair_text()
    response = contributor_client.post(reverse("collect:edit", args=[pair.pk]), form_data(**new))
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.revision_number == 2
    assert pair.answer == new["answer"]


def test_someone_elses_pair_is_not_found(contributor_client):
    pair = make_pair(author=make_user(), status=Status.PENDING)
    assert contributor_client.get(reverse("collect:edit", args=[pair.pk])).status_code == 404
    assert contributor_client.get(reverse("collect:detail", args=[pair.pk])).status_code == 404
    assert contributor_client.post(reverse("collect:withdraw", args=[pair.pk])).status_code == 404


def test_withdrawing_a_pending_pair(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_client.post(reverse("collect:withdraw", args=[pair.pk]))
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Status.WITHDRAWN


def test_withdraw_refuses_other_methods(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert contributor_client.put(reverse("collect:withdraw", args=[pair.pk])).status_code == 405


def test_live_check_reports_personal_data_in_french(contributor_client):
    response = contributor_client.post(
        reverse("collect:live_check"),
        {"question": "Quel est mon numéro ?", "answer": "Mon numéro est le +33 6 12 34 56 78, appelez-moi."},
    )
    assert response.status_code == 200
    assert 'data-code="phone"' in response.content.decode()


def test_autosave_creates_then_updates_one_draft(contributor_client, contributor):
    first = contributor_client.post(reverse("collect:autosave"), {"question": "Une question en cours"})
    pair_id = first.json()["pair"]
    contributor_client.post(
        reverse("collect:autosave"), {"pair": pair_id, "question": "Une question en cours d'écriture"}
    )
    assert Pair.objects.filter(author=contributor).count() == 1
    assert Pair.objects.get(pk=pair_id).question == "Une question en cours d'écriture"


def test_my_pairs_lists_only_my_pairs(contributor_client, contributor):
    mine = make_pair(author=contributor, status=Status.PENDING)
    theirs = make_pair(author=make_user(), status=Status.PENDING)
    content = contributor_client.get(reverse("collect:mine")).content.decode()
    assert str(mine.pk) in content
    assert str(theirs.pk) not in content


def test_validated_pair_is_public_but_pending_one_is_not(client):
    validated = make_pair(status=Status.VALIDATED)
    pending = make_pair(status=Status.PENDING)
    assert client.get(reverse("collect:public", args=[validated.pk])).status_code == 200
    assert client.get(reverse("collect:public", args=[pending.pk])).status_code == 404


@pytest.mark.parametrize("name", ["collect:home", "collect:guide", "accounts:license", "accounts:privacy"])
def test_public_pages_open_for_visitors(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_my_pairs_pages_keep_the_state_filter(contributor_client, contributor):
    for _ in range(31):
        make_pair(author=contributor, status=Status.PENDING)
    content = contributor_client.get(reverse("collect:mine"), {"status": "pending"}).content.decode()
    assert "?status=pending&amp;page=2" in content


# The shared navigation and footer (templates/base.html) are rendered once per language; their per-visitor
# parts are not.


def test_the_logout_form_carries_the_visitors_own_csrf_token(contributor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    client.get(reverse("collect:guide"))  # another page first: the shared parts are already kept
    html = client.get(reverse("collect:home")).content.decode()
    logout = re.search(rf'action="{reverse("account_logout")}".*?</form>', html, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout).group(1)

    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_language_form_returns_to_the_page_it_was_sent_from(client):
    client.get(reverse("collect:home"))
    html = client.get(reverse("collect:guide") + "?from=test").content.decode()

    assert '<input name="next" type="hidden" value="/guide/?from=test">' in html


def test_the_shared_parts_follow_the_visitors_language(client):
    french = client.get(reverse("collect:guide")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("collect:guide")).content.decode()

    assert "Jeux de données" in french and '<option value="fr" selected>' in french
    assert ">Datasets<" in english and '<option value="en" selected>' in english


def test_a_public_pair_page_reads_the_pair_and_its_author_in_one_query(client, django_assert_num_queries):
    author = make_user(username="alice", pseudonym="Alice du Nord", attribution_opt_in=True)
    pair = make_pair(author=author, status=Status.VALIDATED)

    with django_assert_num_queries(1):
        html = client.get(reverse("collect:public", args=[pair.pk])).content.decode()

    assert "Alice du Nord" in html
