"""State conflicts when writing pairs: a typed PairStateError from collect.services, a 409 in the API and a
French message with a redirect on the web (never a 500), including when the state changes mid-request; and
an edit that changes nothing is refused, votes untouched."""

import pytest
from django.urls import reverse
from django.utils import translation

from collect import api, views
from collect.models import Level, Pair, Status
from collect.services import PairStateError, SubmissionRefused, save_draft, submit_pair, withdraw_pair
from review.models import Review
from tests.factories import make_pair, pair_text, vote
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db


def detail_url(pair: Pair) -> str:
    return reverse("api:collect_api:pairs-detail", kwargs={"pk": pair.pk})


def edit_form(pair: Pair, **overrides: object) -> dict:
    fields = ["question", "context", "answer", "task_type", "domain", "level"]
    return (
        {name: getattr(pair, name) for name in fields} | {"declaration": "on", "action": "submit"} | overrides
    )


def validated_meanwhile(service):
    """The service as it runs when a concurrent vote validated the pair after the view read it."""

    def racing(*, pair: Pair, **kwargs: object) -> Pair:
        Pair.objects.filter(pk=pair.pk).update(status=Status.VALIDATED)
        return service(pair=pair, **kwargs)

    return racing


# The typed exception


def test_a_draft_cannot_be_saved_over_a_pair_under_review():
    with pytest.raises(PairStateError):
        save_draft(author=None, data=pair_text(), pair=make_pair())


def test_the_state_error_speaks_french():
    with translation.override("fr"), pytest.raises(PairStateError) as refused:
        withdraw_pair(pair=make_pair(status=Status.VALIDATED))
    assert str(refused.value) == "Cette paire ne peut plus être retirée."


# The web door, racing a vote


def test_a_withdrawal_racing_a_validation_gives_a_message_not_a_500(
    contributor_client, contributor, monkeypatch
):
    pair = make_pair(author=contributor)
    monkeypatch.setattr(views, "withdraw_pair", validated_meanwhile(withdraw_pair))
    response = contributor_client.post(reverse("collect:withdraw", args=[pair.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("collect:mine")
    assert [str(m) for m in response.context["messages"]] == ["Cette paire ne peut plus être retirée."]
    assert Pair.objects.get(pk=pair.pk).status == Status.VALIDATED


def test_an_edit_racing_a_validation_gives_a_message_not_a_500(contributor_client, contributor, monkeypatch):
    pair = make_pair(author=contributor)
    monkeypatch.setattr(views, "submit_pair", validated_meanwhile(submit_pair))
    response = contributor_client.post(
        reverse("collect:edit", args=[pair.pk]), edit_form(pair, answer=pair_text()["answer"]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("collect:mine")
    assert [str(m) for m in response.context["messages"]] == ["Cette paire ne peut plus être modifiée."]
    assert Pair.objects.get(pk=pair.pk).revision_number == 1


# The API door


def test_the_api_answers_409_when_the_pair_was_validated_meanwhile(contributor, monkeypatch):
    pair = make_pair(author=contributor)
    monkeypatch.setattr(api, "submit_pair", validated_meanwhile(submit_pair))
    response = api_client(contributor).patch(
        detail_url(pair), {"answer": pair_text()["answer"]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Cette paire ne peut plus être modifiée."


def test_the_api_answers_409_when_a_pair_under_review_is_saved_as_a_draft(contributor):
    pair = make_pair(author=contributor)
    response = api_client(contributor).patch(detail_url(pair), {"draft": True}, format="json")
    assert response.status_code == 409


# An edit that changes nothing


def test_the_service_refuses_an_edit_that_changes_nothing_and_keeps_the_votes():
    pair = make_pair()
    vote(pair)
    data = {name: getattr(pair, name) for name in ["question", "context", "answer", "task_type", "domain"]}
    with pytest.raises(SubmissionRefused) as refused:
        submit_pair(author=pair.author, data=data | {"level": "", "declaration": True}, pair=pair)
    assert [finding.code for finding in refused.value.evaluation.errors] == ["unchanged"]
    pair.refresh_from_db()
    assert (pair.revision_number, pair.review_count) == (1, 1)


def test_an_empty_patch_is_refused_and_keeps_the_votes(contributor):
    pair = make_pair(author=contributor)
    vote(pair)
    response = api_client(contributor).patch(detail_url(pair), {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]
    pair.refresh_from_db()
    assert (pair.revision_number, pair.review_count, Review.objects.filter(pair=pair).count()) == (1, 1, 1)


def test_a_patch_that_changes_something_still_makes_a_revision(contributor):
    pair = make_pair(author=contributor)
    response = api_client(contributor).patch(detail_url(pair), {"domain": "maths"}, format="json")
    assert response.status_code == 200
    assert response.json()["revision"] == 2


def test_a_web_edit_that_changes_nothing_is_refused_and_keeps_the_votes(contributor_client, contributor):
    pair = make_pair(author=contributor)
    vote(pair)
    response = contributor_client.post(reverse("collect:edit", args=[pair.pk]), edit_form(pair))
    assert response.status_code == 200
    assert "unchanged" in [finding.code for finding in response.context["evaluation"].errors]
    pair.refresh_from_db()
    assert (pair.revision_number, pair.review_count) == (1, 1)


def test_the_levels_keep_their_stored_values_under_english_member_names():
    # The values are in the database and in the published dataset: renaming a member must not change them.
    assert {member.name: member.value for member in Level} == {
        "PRIMARY": "primaire",
        "MIDDLE_SCHOOL": "college",
        "HIGH_SCHOOL": "lycee",
        "HIGHER_EDUCATION": "superieur",
        "ADULT": "adulte",
    }
