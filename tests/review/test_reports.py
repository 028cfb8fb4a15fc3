"""Reports (issue 13): they need accepted terms, never on one's own pair, and one report lists a pair for the
moderators without stopping its review; a moderator stops it, or MOISSON_REPORTS_TO_SUSPEND_REVIEW people."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from collect.models import Pair, Status
from review.models import AuditAction, AuditEntry, Report
from review.services import (
    InvalidReview,
    NotAllowed,
    OwnPair,
    decide_pair,
    next_pair_for,
    report_pair,
)
from tests.factories import make_moderator, make_pair, make_user
from tests.fixtures.api import api_client

pytestmark = pytest.mark.django_db


def report_url(pair: Pair) -> str:
    return reverse("api:review_api:report", kwargs={"pk": pair.pk})


def decide_url(pair: Pair) -> str:
    return reverse("api:review_api:decide", kwargs={"pk": pair.pk})


def test_a_report_needs_the_terms_accepted():
    with pytest.raises(NotAllowed):
        report_pair(reporter=make_user(accepted=False), pair=make_pair(), reason="Faux")
    assert not Report.objects.exists()


def test_the_author_cannot_report_their_own_pair():
    pair = make_pair()
    with pytest.raises(OwnPair):
        report_pair(reporter=pair.author, pair=pair, reason="Je me signale")
    assert not Report.objects.exists()


def test_one_report_keeps_the_pair_in_review_for_others():
    pair = make_pair()
    report_pair(reporter=make_user(), pair=pair, reason="Douteux")
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    assert next_pair_for(make_user()) == pair
    assert list(Pair.objects.in_moderation()) == [pair]


@override_settings(MOISSON_REPORTS_TO_SUSPEND_REVIEW=3)
def test_reports_from_enough_distinct_people_stop_the_review():
    pair = make_pair()
    reporter = make_user()
    for _ in range(3):
        report_pair(reporter=reporter, pair=pair, reason="Encore et encore")
    pair.refresh_from_db()
    assert pair.status == Status.PENDING
    report_pair(reporter=make_user(), pair=pair, reason="Moi aussi")
    report_pair(reporter=make_user(), pair=pair, reason="Et moi")
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED
    assert next_pair_for(make_user()) is None


@override_settings(MOISSON_REPORTS_TO_SUSPEND_REVIEW=3)
def test_reports_of_suspended_accounts_do_not_count_towards_stopping_the_review():
    pair = make_pair()
    spammer = make_user()
    report_pair(reporter=make_user(), pair=pair, reason="Douteux")
    report_pair(reporter=spammer, pair=pair, reason="Douteux aussi")
    User.objects.filter(pk=spammer.pk).update(suspended_at=timezone.now())
    report_pair(reporter=make_user(), pair=pair, reason="Moi aussi")
    pair.refresh_from_db()
    assert pair.status == Status.PENDING


def test_a_moderator_stops_the_review_of_a_reported_pair():
    pair = make_pair()
    report_pair(reporter=make_user(), pair=pair, reason="Douteux")
    moderator = make_moderator()
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.STOP_REVIEW, reason="À vérifier")
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED
    assert Report.objects.open().filter(pair=pair).exists()
    assert AuditEntry.objects.get().action == AuditAction.STOP_REVIEW


def test_a_report_reason_over_the_cap_is_refused():
    with pytest.raises(InvalidReview):
        report_pair(reporter=make_user(), pair=make_pair(), reason="x" * 2001)


# The API


def test_the_api_refuses_a_report_on_ones_own_pair(contributor):
    pair = make_pair(author=contributor)
    response = api_client(contributor).post(report_url(pair), {"reason": "Moi"}, format="json")
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_the_api_refuses_a_report_before_the_terms_are_accepted():
    response = api_client(make_user(accepted=False)).post(
        report_url(make_pair(status=Status.VALIDATED)), {"reason": "Faux"}, format="json"
    )
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_the_api_applies_the_report_reason_cap(other_contributor):
    response = api_client(other_contributor).post(
        report_url(make_pair()), {"reason": "x" * 1_000_000}, format="json"
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_moderator_stops_the_review_through_the_api(moderator):
    pair = make_pair()
    response = api_client(moderator).post(decide_url(pair), {"action": "stop_review"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == Status.DISPUTED


# The web pages


def test_a_moderator_stops_the_review_on_the_moderation_page(moderator_client):
    pair = make_pair()
    report_pair(reporter=make_user(), pair=pair, reason="Douteux")
    page = moderator_client.get(reverse("review:moderate", args=[pair.pk]))
    assert b'value="stop_review"' in page.content
    moderator_client.post(reverse("review:moderate", args=[pair.pk]), {"action": "stop_review", "reason": ""})
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_the_moderation_queue_says_a_reported_pair_is_still_in_review(moderator_client):
    pair = make_pair()
    report_pair(reporter=make_user(), pair=pair, reason="Douteux")
    content = moderator_client.get(reverse("review:queue")).content.decode()
    assert escape(pair.question[:40]) in content
    assert "toujours en relecture" in content
