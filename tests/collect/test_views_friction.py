"""Writing without friction (issue 12): no preselected choices, another pair, a confirmed withdrawal."""

import pytest
from django.urls import reverse

from collect.models import Domain, Level, Status, TaskType
from tests.factories import make_pair, pair_text

pytestmark = pytest.mark.django_db


def form_data(**overrides: object) -> dict:
    data = pair_text() | {"accept_license": "on", "declaration": "on", "action": "submit"}
    data.update(overrides)
    return data


def test_a_first_writing_page_preselects_no_task_type_nor_domain(contributor_client):
    form = contributor_client.get(reverse("collect:write")).context["form"]
    assert form["task_type"].value() in (None, "")
    assert form["domain"].value() in (None, "")
    html = contributor_client.get(reverse("collect:write")).content.decode()
    assert 'value="" selected' in html


def test_a_pair_without_task_type_is_refused_and_kept_as_a_draft(contributor_client, contributor):
    response = contributor_client.post(reverse("collect:write"), form_data(task_type=""))
    assert response.status_code == 200
    assert response.context["form"].errors["task_type"]
    assert contributor.pairs.get().status == Status.DRAFT


def test_the_next_writing_page_starts_from_the_last_choices(contributor_client, contributor):
    contributor_client.post(
        reverse("collect:write"),
        form_data(task_type=TaskType.EXPLANATION, domain=Domain.HISTORY_GEOGRAPHY, level=Level.HIGH_SCHOOL),
    )
    form = contributor_client.get(reverse("collect:write")).context["form"]
    assert form["task_type"].value() == TaskType.EXPLANATION
    assert form["domain"].value() == Domain.HISTORY_GEOGRAPHY
    assert form["level"].value() == Level.HIGH_SCHOOL
    contributor.refresh_from_db()
    assert contributor.last_domain == Domain.HISTORY_GEOGRAPHY


def test_last_choices_belong_to_each_person(contributor_client, other_contributor):
    contributor_client.post(reverse("collect:write"), form_data(domain=Domain.HISTORY_GEOGRAPHY))
    other_contributor.refresh_from_db()
    assert other_contributor.last_domain == ""


def test_a_draft_without_a_domain_keeps_the_remembered_one(contributor_client, contributor):
    contributor_client.post(reverse("collect:write"), form_data(domain=Domain.HISTORY_GEOGRAPHY))
    contributor_client.post(reverse("collect:write"), form_data(domain="", action="draft"))
    contributor.refresh_from_db()
    assert contributor.last_domain == Domain.HISTORY_GEOGRAPHY


def test_after_a_submission_the_page_offers_to_write_another_pair(contributor_client):
    response = contributor_client.post(reverse("collect:write"), form_data(), follow=True)
    html = response.content.decode()
    assert "Écrire une autre paire" in html
    assert f'href="{reverse("collect:write")}"' in html


def test_withdraw_asks_for_confirmation_before_anything_changes(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_client.get(reverse("collect:withdraw", args=[pair.pk]))
    assert response.status_code == 200
    assert "Retirer cette paire" in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == Status.PENDING


def test_the_withdraw_buttons_lead_to_the_confirmation_page(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    for page in (reverse("collect:mine"), reverse("collect:detail", args=[pair.pk])):
        html = contributor_client.get(page).content.decode()
        assert f'<a href="{reverse("collect:withdraw", args=[pair.pk])}" role="button"' in html


def test_confirming_withdraws_the_pair(contributor_client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    response = contributor_client.post(reverse("collect:withdraw", args=[pair.pk]))
    assert response["Location"] == reverse("collect:mine")
    pair.refresh_from_db()
    assert pair.status == Status.WITHDRAWN


def test_the_confirmation_page_of_someone_elses_pair_is_not_found(other_contributor, contributor_client):
    pair = make_pair(author=other_contributor, status=Status.PENDING)
    assert contributor_client.get(reverse("collect:withdraw", args=[pair.pk])).status_code == 404


def test_anonymous_visitor_cannot_reach_the_confirmation_page(client, contributor):
    pair = make_pair(author=contributor, status=Status.PENDING)
    assert reverse("account_login") in client.get(reverse("collect:withdraw", args=[pair.pk]))["Location"]
