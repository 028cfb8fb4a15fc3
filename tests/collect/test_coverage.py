"""Coverage steering: targets per domain × level × task type, needs, and where they show."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from collect.coverage import coverage_cells, heatmap_context, most_needed, set_targets
from collect.models import CoverageTarget, Status
from export.card import CardInfo, render_card
from review.models import AuditAction, AuditEntry
from review.services import next_pair_for
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_default_targets():
    """The data migration sets default targets; each test here sets its own."""
    CoverageTarget.objects.all().delete()


def target(domain: str, level: str, task_type: str, value: int) -> None:
    CoverageTarget.objects.create(domain=domain, level=level, task_type=task_type, target=value)


def cell(domain: str, level: str, task_type: str):
    return next(c for c in coverage_cells() if (c.domain, c.level, c.task_type) == (domain, level, task_type))


def test_the_need_of_a_cell_is_its_target_minus_its_validated_and_pending_pairs():
    target("maths", "college", "reasoning", 10)
    for status in (Status.VALIDATED, Status.VALIDATED, Status.PENDING, Status.REJECTED, Status.DRAFT):
        make_pair(status=status, domain="maths", level="college", task_type="reasoning")
    make_pair(status=Status.VALIDATED, domain="maths", level="lycee", task_type="reasoning")

    counted = cell("maths", "college", "reasoning")

    assert (counted.validated, counted.pending, counted.count, counted.need) == (2, 1, 3, 7)


def test_a_cell_over_its_target_needs_nothing():
    target("sciences", "lycee", "explanation", 1)
    make_pair(status=Status.VALIDATED, domain="sciences", level="lycee", task_type="explanation")
    make_pair(status=Status.PENDING, domain="sciences", level="lycee", task_type="explanation")

    assert cell("sciences", "lycee", "explanation").need == 0
    assert most_needed() == []


def test_pairs_without_a_level_count_as_adult_general():
    target("practical_life", "adulte", "advice", 5)
    make_pair(status=Status.PENDING, domain="practical_life", level="", task_type="advice")

    assert cell("practical_life", "adulte", "advice").count == 1


def test_most_needed_cells_come_first_by_missing_pairs_then_share_reached():
    target("maths", "college", "reasoning", 50)
    target("french", "primaire", "rewriting", 20)
    target("arts", "lycee", "open_qa", 20)
    make_pair(status=Status.VALIDATED, domain="arts", level="lycee", task_type="open_qa")
    for _ in range(30):
        make_pair(status=Status.VALIDATED, domain="maths", level="college", task_type="reasoning")

    order = [(c.domain, c.need) for c in most_needed()]

    assert order == [("french", 20), ("maths", 20), ("arts", 19)]


def test_the_most_needed_cell_reads_as_french_words(settings):
    settings.LANGUAGE_CODE = "fr"
    target("maths", "college", "reasoning", 5)

    assert most_needed()[0].label == "mathématiques, collège, raisonnement pas à pas / maths"


def test_the_home_page_says_what_is_most_needed(client):
    target("maths", "college", "reasoning", 5)

    page = client.get(reverse("collect:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Il nous manque surtout\u00a0: mathématiques, collège, raisonnement pas à pas / maths." in page


def test_the_writing_page_offers_to_start_from_a_needed_combination(contributor_client):
    target("maths", "college", "reasoning", 5)

    page = contributor_client.get(reverse("collect:write")).content.decode()

    assert f"{reverse('collect:write')}?domain=maths&amp;level=college&amp;task_type=reasoning" in page


def test_following_the_offer_preselects_domain_level_and_task_type(contributor_client):
    response = contributor_client.get(
        reverse("collect:write"), {"domain": "maths", "level": "college", "task_type": "reasoning"}
    )

    form = response.context["form"]
    assert (form["domain"].value(), form["level"].value(), form["task_type"].value()) == (
        "maths",
        "college",
        "reasoning",
    )


def test_an_unknown_combination_in_the_link_is_ignored(contributor_client):
    response = contributor_client.get(reverse("collect:write"), {"domain": "astrologie"})

    assert response.context["form"]["domain"].value() is None


def test_the_coverage_api_lists_cells_and_what_is_most_needed(client):
    target("maths", "college", "reasoning", 5)
    target("arts", "lycee", "open_qa", 2)
    make_pair(status=Status.PENDING, domain="maths", level="college", task_type="reasoning")

    response = client.get("/api/v1/stats/coverage/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    data = response.json()
    assert data["most_needed"][0] | {"label": ""} == {
        "domain": "maths",
        "level": "college",
        "task_type": "reasoning",
        "target": 5,
        "validated": 0,
        "pending": 1,
        "count": 1,
        "need": 4,
        "label": "",
    }
    assert (data["target"], data["count"], data["need"]) == (7, 1, 6)
    assert data["message"].startswith("Il nous manque surtout")
    assert len(data["cells"]) == 2


def test_the_coverage_api_is_read_only(client):
    assert client.post("/api/v1/stats/coverage/").status_code in (403, 405)


@override_settings(MOISSON_REVIEW_PICK_AMONG=1)  # the strict order of the queue
def test_a_reviewer_who_asks_for_it_gets_the_most_needed_cell_first():
    target("maths", "college", "reasoning", 50)
    target("arts", "lycee", "open_qa", 2)
    older = make_pair(domain="arts", level="lycee", task_type="open_qa")
    older.submitted_at = timezone.now() - datetime.timedelta(days=3)
    older.save(update_fields=["submitted_at"])
    needed = make_pair(domain="maths", level="college", task_type="reasoning")

    assert next_pair_for(make_user()) == older
    assert next_pair_for(make_user(), by_need=True) == needed


def test_the_need_first_order_falls_back_to_the_whole_queue():
    target("maths", "college", "reasoning", 50)
    other = make_pair(domain="arts", level="lycee", task_type="open_qa")

    assert next_pair_for(make_user(), by_need=True) == other


def test_the_review_page_remembers_the_need_first_choice_for_the_session(contributor_client):
    target("maths", "college", "reasoning", 50)
    older = make_pair(domain="arts", level="lycee", task_type="open_qa")
    older.submitted_at = timezone.now() - datetime.timedelta(days=3)
    older.save(update_fields=["submitted_at"])
    needed = make_pair(domain="maths", level="college", task_type="reasoning")

    response = contributor_client.get(reverse("review:next"), {"filter": "1", "by_need": "on"})

    assert response.context["pair"] == needed
    assert contributor_client.session["review_filter"]["by_need"] is True
    assert older.pk != needed.pk


def test_moderators_set_targets_on_the_moderation_page(moderator_client, moderator):
    target("maths", "college", "reasoning", 10)
    page = moderator_client.get(reverse("review:coverage"), {"domaine": "maths"})
    assert page.status_code == 200
    data = {
        name: field.value()
        for name, field in ((n, page.context["form"][n]) for n in page.context["form"].fields)
    }
    data["reason"] = ""
    data["target__college__reasoning"] = 40
    data["target__lycee__code"] = 7
    data["reason"] = "Rattraper le retard en raisonnement"

    response = moderator_client.post(f"{reverse('review:coverage')}?domaine=maths", data)

    assert response.status_code == 302
    assert cell("maths", "college", "reasoning").target == 40
    assert CoverageTarget.objects.get(domain="maths", level="lycee", task_type="code").updated_by == moderator
    entry = AuditEntry.objects.get(action=AuditAction.COVERAGE)
    assert entry.after == {"domain": "maths", "targets": {"college/reasoning": 40, "lycee/code": 7}}


def test_a_negative_target_is_refused(moderator_client):
    page = moderator_client.get(reverse("review:coverage"))
    data = {n: page.context["form"][n].value() for n in page.context["form"].fields}
    data["reason"] = ""
    data["target__college__reasoning"] = -1

    response = moderator_client.post(reverse("review:coverage"), data)

    assert response.status_code == 200
    assert not CoverageTarget.objects.exists()


def test_the_targets_page_is_for_moderators_only(contributor_client, client):
    assert contributor_client.get(reverse("review:coverage")).status_code == 403
    assert client.get(reverse("review:coverage")).status_code == 302
    assert contributor_client.put(reverse("review:coverage")).status_code in (403, 405)


def test_a_target_set_to_zero_removes_the_cell_target():
    target("maths", "college", "reasoning", 10)

    set_targets(by=None, domain="maths", targets={("college", "reasoning"): 0})

    assert not CoverageTarget.objects.exists()


def test_the_heat_map_partial_shows_coverage_against_targets(client):
    from django.template.loader import render_to_string

    target("maths", "college", "reasoning", 4)
    make_pair(status=Status.VALIDATED, domain="maths", level="college", task_type="reasoning")

    html = render_to_string("collect/_coverage_heatmap.html", heatmap_context())

    assert 'class="cov-shade-1"' in html
    assert "1/4" in html


def test_the_dataset_card_has_a_coverage_table():
    meta = CardInfo(
        version="v1.0.0",
        date=datetime.date(2026, 1, 1),
        license_code="CC-BY-4.0",
        split_counts={"train": 3},
        task_type_counts={"reasoning": 3},
        domain_counts={"maths": 3},
        level_counts={"college": 3},
        site_url="http://127.0.0.1:8000",
        coverage_targets={"maths": 12, "arts": 4},
    )

    card = render_card(meta)

    assert "| `arts` |  | 0 | 4 | 0\u00a0% |" in card
    assert "| `maths` |  | 3 | 12 | 25\u00a0% |" in card
    assert "Objectif" in card and "Target" in card


def test_the_review_api_serves_the_most_needed_cell_first_when_asked():
    from tests.fixtures.api import api_client

    target("maths", "college", "reasoning", 50)
    older = make_pair(domain="arts", level="lycee", task_type="open_qa")
    older.submitted_at = timezone.now() - datetime.timedelta(days=3)
    older.save(update_fields=["submitted_at"])
    needed = make_pair(domain="maths", level="college", task_type="reasoning")

    response = api_client(make_user()).get("/api/v1/review/next/", {"by_need": "true"})

    assert response.json()["id"] == str(needed.pk)
