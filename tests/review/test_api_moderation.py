import pytest
from django.urls import reverse

from collect.models import Pair, Status
from review.models import AuditEntry
from review.services import report_pair
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("api:review_api:moderation-queue")


def decide_url(pair: Pair) -> str:
    return reverse("api:review_api:decide", kwargs={"pk": pair.pk})


def test_the_queue_lists_disputed_and_reported_pairs(moderator_api):
    disputed = make_pair(status=Status.DISPUTED)
    reported = make_pair(status=Status.VALIDATED)
    report_pair(reporter=make_user(), pair=reported, reason="Réponse fausse.")
    make_pair(status=Status.PENDING)
    make_pair(status=Status.VALIDATED)
    response = moderator_api.get(QUEUE_URL)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(disputed.pk), str(reported.pk)]


def test_the_queue_shows_votes_and_reports_but_not_who_cast_them(moderator_api):
    pair = make_pair(status=Status.PENDING)
    reviewer = make_user(username="votante")
    vote(pair, reviewer=reviewer, comment="Bien.")
    report_pair(reporter=make_user(username="signaleur"), pair=pair, reason="Douteux.")
    response = moderator_api.get(QUEUE_URL)
    item = response.json()["results"][0]
    assert [review["comment"] for review in item["reviews"]] == ["Bien."]
    assert [report["reason"] for report in item["reports"]] == ["Douteux."]
    assert b"votante" not in response.content
    assert b"signaleur" not in response.content


def test_the_queue_is_for_moderators_only(contributor_api):
    assert contributor_api.get(QUEUE_URL).status_code == 403


def test_a_moderator_validates_a_disputed_pair_and_the_audit_log_says_so(moderator_api, moderator):
    pair = make_pair(status=Status.DISPUTED)
    response = moderator_api.post(
        decide_url(pair), {"action": "validate", "reason": "Correct."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "validated"
    assert AuditEntry.objects.get(pair=pair).actor == moderator


def test_removing_needs_a_reason(moderator_api):
    pair = make_pair(status=Status.DISPUTED)
    response = moderator_api.post(decide_url(pair), {"action": "remove"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason", "removal_reason"]


def test_a_decision_the_state_forbids_is_a_409(moderator_api):
    pair = make_pair(status=Status.VALIDATED)
    response = moderator_api.post(decide_url(pair), {"action": "reject", "reason": "Non."}, format="json")
    assert response.status_code == 409
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED


def test_an_unknown_decision_is_refused(moderator_api):
    pair = make_pair(status=Status.DISPUTED)
    response = moderator_api.post(decide_url(pair), {"action": "publish"}, format="json")
    assert list(response.json()["errors"]) == ["action"]


def test_drafts_are_not_for_moderators_to_decide(moderator_api):
    pair = make_pair(status=Status.DRAFT)
    assert moderator_api.post(decide_url(pair), {"action": "validate"}, format="json").status_code == 404


def test_a_malformed_id_is_a_json_404(moderator_api):
    response = moderator_api.post(
        reverse("api:review_api:decide", kwargs={"pk": "pas-un-uuid"}), {"action": "validate"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_contributors_cannot_decide(other_api):
    pair = make_pair(status=Status.DISPUTED)
    assert other_api.post(decide_url(pair), {"action": "validate"}, format="json").status_code == 403
