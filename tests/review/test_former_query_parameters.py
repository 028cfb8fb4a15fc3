"""The query parameters were French in the previous release: bookmarks that carry them keep working."""

import pytest
from django.urls import reverse

from collect.models import Status
from tests.factories import make_pair

pytestmark = pytest.mark.django_db


def test_the_leaderboard_links_use_the_english_parameter_and_periods(client):
    html = client.get(reverse("review:leaderboard")).content.decode()
    assert "?period=week" in html and "?period=month" in html and "?period=all" in html
    assert "periode" not in html


def test_a_bookmarked_french_leaderboard_period_still_selects_its_period(client):
    response = client.get(reverse("review:leaderboard"), {"periode": "tout"})
    assert response.context["period"] == "all"


def test_an_unknown_leaderboard_period_falls_back_to_the_week(client):
    response = client.get(reverse("review:leaderboard"), {"period": "siecle"})
    assert response.context["period"] == "week"


def test_a_bookmarked_french_queue_filter_still_filters(contributor_client):
    make_pair(domain="maths")
    health = make_pair(domain="health")
    response = contributor_client.get(reverse("review:next"), {"filtre": "1", "domains": ["health"]})
    assert response.context["pair"] == health


def test_the_queue_filter_form_sends_the_english_parameter(contributor_client):
    html = contributor_client.get(reverse("review:next")).content.decode()
    assert 'name="filter"' in html
    assert 'name="filtre"' not in html


def test_a_bookmarked_french_contact_link_still_preselects_a_takedown(client):
    pair = make_pair(status=Status.VALIDATED)
    response = client.get(reverse("review:contact"), {"objet": "takedown", "paire": str(pair.pk)})
    assert response.context["form"]["kind"].value() == "takedown"
    assert response.context["form"]["pair_reference"].value() == str(pair.pk)


def test_the_contact_page_reads_the_pair_by_its_english_parameter(client):
    pair = make_pair(status=Status.VALIDATED)
    response = client.get(reverse("review:contact"), {"kind": "takedown", "pair": str(pair.pk)})
    assert response.context["form"]["pair_reference"].value() == str(pair.pk)


def test_the_takedown_form_reads_the_pair_by_its_english_or_former_parameter(moderator_client):
    pair = make_pair(status=Status.VALIDATED)
    for name in ("pair", "paire"):
        response = moderator_client.get(reverse("review:takedown"), {name: str(pair.pk)})
        assert response.context["form"]["pair"].value() == str(pair.pk)


def test_my_pairs_page_reads_the_sent_pair_by_either_name(contributor_client, contributor):
    pair = make_pair(author=contributor)
    for name in ("sent", "envoyee"):
        response = contributor_client.get(reverse("collect:mine"), {name: str(pair.pk)})
        assert response.context["sent"] == str(pair.pk)
