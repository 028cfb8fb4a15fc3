import pytest
from django.urls import reverse

from accounts.models import User
from collect.models import Domain, Level, Pair, Status, TaskType
from collect.services import submit_pair
from tests.factories import make_pair, make_user, pair_text
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:collect_api:pairs-list")


def detail_url(pair: Pair) -> str:
    return reverse("api:collect_api:pairs-detail", kwargs={"pk": pair.pk})


def withdraw_url(pair: Pair) -> str:
    return reverse("api:collect_api:pairs-withdraw", kwargs={"pk": pair.pk})


def listed_ids(response) -> set[str]:
    return {item["id"] for item in response.json()["results"]}


# Reading -------------------------------------------------------------------------------------------------


def test_everyone_lists_validated_pairs_and_only_them(anonymous_api):
    validated = make_pair(status=Status.VALIDATED)
    make_pair(status=Status.PENDING)
    make_pair(status=Status.DRAFT)
    response = anonymous_api.get(LIST_URL)
    assert response.status_code == 200
    assert listed_ids(response) == {str(validated.pk)}


def test_a_status_other_than_validated_lists_nothing_without_mine(other_api, contributor):
    make_pair(author=contributor, status=Status.PENDING)
    response = other_api.get(LIST_URL, {"status": "pending"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_validated_pairs_are_filtered_by_task_type_domain_and_level(anonymous_api):
    wanted = make_pair(
        status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.COMPUTING, level=Level.HIGH_SCHOOL
    )
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.COMPUTING, level=Level.MIDDLE_SCHOOL
    )
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.OPEN_QA, domain=Domain.COMPUTING, level=Level.HIGH_SCHOOL
    )
    response = anonymous_api.get(LIST_URL, {"task_type": "code", "domain": "computing", "level": "lycee"})
    assert listed_ids(response) == {str(wanted.pk)}


def test_mine_lists_the_callers_pairs_in_every_state(contributor_api, contributor):
    own = {make_pair(author=contributor, status=status).pk for status in (Status.DRAFT, Status.PENDING)}
    make_pair(status=Status.VALIDATED)
    response = contributor_api.get(LIST_URL, {"mine": 1})
    assert listed_ids(response) == {str(pk) for pk in own}


def test_mine_is_filtered_by_status(contributor_api, contributor):
    draft = make_pair(author=contributor, status=Status.DRAFT)
    make_pair(author=contributor, status=Status.PENDING)
    response = contributor_api.get(LIST_URL, {"mine": "true", "status": "draft"})
    assert listed_ids(response) == {str(draft.pk)}


def test_mine_needs_authentication(anonymous_api):
    assert anonymous_api.get(LIST_URL, {"mine": 1}).status_code == 401


def test_an_unknown_filter_value_is_a_400_naming_the_parameter(anonymous_api):
    response = anonymous_api.get(LIST_URL, {"domain": "astrologie"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["domain"]


def test_the_list_is_paginated(anonymous_api):
    for _ in range(3):
        make_pair(status=Status.VALIDATED)
    response = anonymous_api.get(LIST_URL)
    body = response.json()
    # A cursor, without a total: counting the whole table cost every page (issue 14).
    assert len(body["results"]) == 3
    assert {"next", "previous", "results"} <= set(body)


def test_a_validated_pair_is_readable_by_anyone(anonymous_api):
    pair = make_pair(status=Status.VALIDATED)
    response = anonymous_api.get(detail_url(pair))
    assert response.status_code == 200
    assert response.json()["question"] == pair.question


def test_a_pending_pair_does_not_exist_for_a_visitor_nor_an_id_that_is_not_one(anonymous_api):
    pair = make_pair(status=Status.PENDING)
    for url in (detail_url(pair), "/api/v1/pairs/pas-un-identifiant/"):
        response = anonymous_api.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_contributor_reads_their_own_draft_and_the_same_pair_once_it_is_validated(
    contributor_api, contributor
):
    pair = make_pair(author=contributor, status=Status.DRAFT)
    assert contributor_api.get(detail_url(pair)).json()["status"] == Status.DRAFT
    Pair.objects.filter(pk=pair.pk).update(status=Status.VALIDATED)
    # The same statement, read again: the database decides, not what was read before.
    assert contributor_api.get(detail_url(pair)).json()["status"] == Status.VALIDATED


def test_someone_elses_pending_pair_does_not_exist_for_a_contributor(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert other_api.get(detail_url(pair)).status_code == 404


def test_someone_elses_draft_does_not_exist_even_for_a_moderator(moderator_api, contributor):
    pair = make_pair(author=contributor, status=Status.DRAFT)
    assert moderator_api.get(detail_url(pair)).status_code == 404


def test_a_moderator_reads_any_submitted_pair(moderator_api, contributor):
    pair = make_pair(author=contributor, status=Status.DISPUTED)
    assert moderator_api.get(detail_url(pair)).status_code == 200


def test_the_author_appears_by_pseudonym_on_validated_pairs_when_credited(anonymous_api):
    author = make_user(pseudonym="Plume", attribution_opt_in=True)
    pair = make_pair(author=author, status=Status.VALIDATED)
    assert anonymous_api.get(detail_url(pair)).json()["author"] == "Plume"


def test_the_author_is_hidden_when_not_credited(anonymous_api):
    author = make_user(pseudonym="Plume", attribution_opt_in=False)
    pair = make_pair(author=author, status=Status.VALIDATED)
    assert anonymous_api.get(detail_url(pair)).json()["author"] is None


def test_the_author_is_hidden_on_pairs_not_yet_validated(moderator_api):
    author = make_user(pseudonym="Plume", attribution_opt_in=True)
    pair = make_pair(author=author, status=Status.PENDING)
    assert moderator_api.get(detail_url(pair)).json()["author"] is None


def test_no_email_address_or_username_appears_in_pair_answers(moderator_api):
    author = make_user(username="secret-login", email="secret@example.org", pseudonym="Plume")
    make_pair(author=author, status=Status.VALIDATED)
    pair = make_pair(author=author, status=Status.PENDING)
    contents = moderator_api.get(LIST_URL).content + moderator_api.get(detail_url(pair)).content
    assert b"secret" not in contents


# Writing -------------------------------------------------------------------------------------------------


def test_a_contributor_submits_a_pair_that_goes_to_review(contributor_api, contributor):
    response = contributor_api.post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["revision"] == 1
    assert body["warnings"] == []
    assert Pair.objects.get(pk=body["id"]).author == contributor


def test_a_draft_is_kept_without_checks(contributor_api):
    response = contributor_api.post(LIST_URL, {"question": "Brouillon", "draft": True}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert Pair.objects.get(pk=response.json()["id"]).question == "Brouillon"


def test_a_near_duplicate_is_submitted_with_a_warning(contributor_api):
    text = pair_text()
    submit_pair(author=make_user(), data=text)
    response = contributor_api.post(
        LIST_URL, text | {"question": text["question"] + " Merci !"}, format="json"
    )
    assert response.status_code == 201
    assert [w["code"] for w in response.json()["warnings"]] == ["near_duplicate"]


def test_a_failed_check_is_a_400_with_the_field_and_the_finding(contributor_api):
    data = pair_text() | {"answer": "Appelez le 06 12 34 56 78 pour obtenir la réponse à cette question."}
    response = contributor_api.post(LIST_URL, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "checks_failed"
    assert list(body["errors"]) == ["answer"]
    assert [(f["code"], f["field"], f["level"]) for f in body["findings"]] == [("phone", "answer", "error")]


def test_a_refused_pair_keeps_its_text_as_a_draft_named_in_the_error(contributor_api):
    data = pair_text() | {"answer": "Écrivez-moi à jeanne.dupont@example.org pour la réponse complète."}
    response = contributor_api.post(LIST_URL, data, format="json")
    draft = Pair.objects.get(pk=response.json()["draft"])
    assert draft.status == Status.DRAFT
    assert draft.answer == data["answer"]


def test_an_exact_duplicate_is_refused(contributor_api):
    text = pair_text()
    submit_pair(author=make_user(), data=text)
    response = contributor_api.post(LIST_URL, text, format="json")
    assert response.status_code == 400
    assert "duplicate" in [f["code"] for f in response.json()["findings"]]


def test_submitting_needs_the_declaration_and_keeps_the_text_as_a_draft(contributor_api, contributor):
    response = contributor_api.post(LIST_URL, pair_text() | {"declaration": False}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["declaration"]
    assert [pair.status for pair in contributor.pairs.all()] == [Status.DRAFT]


def test_submitting_needs_a_task_type_and_a_domain(contributor_api):
    response = contributor_api.post(LIST_URL, pair_text() | {"task_type": "", "domain": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"task_type", "domain"}


def test_an_unknown_choice_is_refused(contributor_api):
    response = contributor_api.post(LIST_URL, pair_text() | {"level": "maternelle"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


def test_status_author_and_counters_cannot_be_set_by_the_client(contributor_api, contributor):
    data = pair_text() | {
        "status": "validated",
        "author": make_user().pk,
        "revision": 7,
        "approvals": 5,
        "id": "00000000-0000-0000-0000-000000000000",
    }
    response = contributor_api.post(LIST_URL, data, format="json")
    pair = Pair.objects.get(pk=response.json()["id"])
    assert (pair.status, pair.author, pair.revision_number, pair.approvals) == (
        Status.PENDING,
        contributor,
        1,
        0,
    )
    assert str(pair.pk) != data["id"]


def test_writing_needs_the_charter_and_licence_accepted():
    client = api_client(make_user(accepted=False))
    response = client.post(LIST_URL, pair_text(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_suspended_contributor_cannot_write(contributor, contributor_api):
    User.objects.filter(pk=contributor.pk).update(suspended_at="2025-01-01T00:00:00Z")
    assert contributor_api.post(LIST_URL, pair_text(), format="json").status_code == 403


# Editing -------------------------------------------------------------------------------------------------


def test_editing_a_pending_pair_creates_a_new_revision(contributor_api, contributor):
    pair = submit_pair(author=contributor, data=pair_text())
    answer = "Une nouvelle réponse, plus complète et mieux rédigée, avec un exemple concret."
    response = contributor_api.patch(detail_url(pair), {"answer": answer}, format="json")
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    pair.refresh_from_db()
    assert (pair.answer, pair.revisions.count()) == (answer, 2)


def test_an_edit_keeps_the_fields_it_does_not_name(contributor_api, contributor):
    pair = submit_pair(author=contributor, data=pair_text() | {"level": Level.HIGH_SCHOOL})
    contributor_api.patch(detail_url(pair), {"domain": Domain.HISTORY_GEOGRAPHY}, format="json")
    pair.refresh_from_db()
    assert (pair.domain, pair.level) == (Domain.HISTORY_GEOGRAPHY, Level.HIGH_SCHOOL)


def test_a_draft_is_submitted_by_an_edit(contributor_api, contributor):
    response = contributor_api.post(LIST_URL, pair_text() | {"draft": True}, format="json")
    response = contributor_api.patch(
        detail_url(Pair.objects.get(pk=response.json()["id"])), {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"


def test_a_refused_edit_leaves_the_pending_pair_as_it_was(contributor_api, contributor):
    pair = submit_pair(author=contributor, data=pair_text())
    response = contributor_api.patch(
        detail_url(pair), {"answer": "Mon IBAN est FR76 3000 6000 0112 3456 7890 189, merci."}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["draft"] is None
    pair.refresh_from_db()
    assert (pair.status, pair.revision_number) == (Status.PENDING, 1)


def test_a_pending_pair_cannot_go_back_to_draft(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_api.patch(detail_url(pair), {"draft": True}, format="json")
    assert response.status_code == 409


def test_a_validated_pair_is_not_edited_in_place(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.VALIDATED)
    response = contributor_api.patch(detail_url(pair), {"answer": "Autre chose."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_only_the_author_edits_a_pair_others_can_see(moderator_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert moderator_api.patch(detail_url(pair), {"domain": "other"}, format="json").status_code == 403


def test_a_pair_is_never_replaced_with_put(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert contributor_api.put(detail_url(pair), pair_text(), format="json").status_code == 405


# Withdrawing ---------------------------------------------------------------------------------------------


def test_the_author_withdraws_a_pending_pair(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_api.post(withdraw_url(pair))
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_a_withdrawn_pair_cannot_be_withdrawn_again(contributor_api, contributor):
    pair = make_pair(author=contributor, status=Status.WITHDRAWN)
    assert contributor_api.post(withdraw_url(pair)).status_code == 409


def test_nobody_else_withdraws_a_pair(other_api, contributor):
    pair = make_pair(author=contributor, status=Status.VALIDATED)
    assert other_api.post(withdraw_url(pair)).status_code == 403
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED


# Error format --------------------------------------------------------------------------------------------


def test_every_error_has_a_detail_and_a_code(anonymous_api):
    response = anonymous_api.get(reverse("api:collect_api:pairs-detail", kwargs={"pk": "nimporte"}))
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "not_found"
