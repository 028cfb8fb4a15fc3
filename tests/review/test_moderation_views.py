import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from collect.models import RemovalReason, Status
from review.models import AuditAction, AuditEntry
from review.services import decide_pair, report_pair
from tests.factories import make_pair, make_user, vote

pytestmark = pytest.mark.django_db

QUEUE = reverse("review:queue")
TAKEDOWN = reverse("review:takedown")
AUDIT = reverse("review:audit")


def moderate_url(pair) -> str:
    return reverse("review:moderate", args=[pair.pk])


# The queue


def test_the_queue_lists_disputed_and_reported_pairs_oldest_first(moderator_client):
    disputed = make_pair(status=Status.DISPUTED)
    reported = make_pair(status=Status.VALIDATED)
    report_pair(reporter=make_user(), pair=reported, reason="Faux")
    make_pair()
    make_pair(status=Status.VALIDATED)
    response = moderator_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [disputed, reported]


def test_the_queue_drops_a_pair_once_decided(moderator_client, moderator):
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(moderator=moderator, pair=pair, action=AuditAction.REJECT)
    assert list(moderator_client.get(QUEUE).context["page"].object_list) == []


def test_the_queue_is_refused_to_contributors(contributor_client):
    assert contributor_client.get(QUEUE).status_code == 403


def test_the_queue_sends_anonymous_visitors_to_login(client):
    assert client.get(QUEUE).status_code == 302


def test_the_queue_is_read_only(moderator_client):
    assert moderator_client.post(QUEUE).status_code == 405


# One pair


def test_the_moderation_page_shows_votes_reports_and_author(moderator_client):
    author = make_user(username="auteur_du_litige")
    pair = make_pair(author=author, status=Status.PENDING)
    vote(pair, comment="Réponse discutable")
    report_pair(reporter=make_user(), pair=pair, reason="Semble copié d'un manuel")
    content = moderator_client.get(moderate_url(pair)).content.decode()
    assert escape(pair.question) in content
    assert "Réponse discutable" in content
    assert escape("Semble copié d'un manuel") in content
    assert "auteur_du_litige" in content


def test_validating_from_the_moderation_page(moderator_client, moderator):
    pair = make_pair(status=Status.DISPUTED)
    response = moderator_client.post(moderate_url(pair), {"action": "validate", "reason": "Correct"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED
    assert AuditEntry.objects.get().actor == moderator


def test_removing_without_a_reason_is_refused_on_the_page(moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    response = moderator_client.post(moderate_url(pair), {"action": "remove", "reason": ""})
    assert response.status_code == 200
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_editing_from_the_moderation_page_creates_a_revision(moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    data = {
        "action": "edit",
        "question": pair.question,
        "context": "",
        "answer": "Une réponse reprise par la modération, exacte et complète.",
        "reason": "Correction d'une erreur",
    }
    response = moderator_client.post(moderate_url(pair), data)
    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.revision_number, pair.status) == (2, Status.PENDING)


def test_the_moderation_page_posts_each_decision_to_the_view_of_its_action(moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    html = moderator_client.get(moderate_url(pair)).content.decode()
    assert f'action="{reverse("review:moderate_decide", args=[pair.pk])}"' in html
    assert f'action="{reverse("review:moderate_edit", args=[pair.pk])}"' in html


def test_the_decision_url_records_a_decision_without_a_hidden_edit_field(moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    url = reverse("review:moderate_decide", args=[pair.pk])
    response = moderator_client.post(url, {"action": "reject", "reason": "Faux"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED


def test_the_edit_url_creates_a_revision_without_a_hidden_action_field(moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    data = {
        "question": pair.question,
        "context": "",
        "answer": "Une réponse reprise par la modération, exacte et complète.",
        "reason": "Correction d'une erreur",
    }
    response = moderator_client.post(reverse("review:moderate_edit", args=[pair.pk]), data)
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.revision_number == 2


def test_the_action_urls_are_refused_to_contributors_and_to_reads(contributor_client, moderator_client):
    pair = make_pair(status=Status.DISPUTED)
    for name in ("review:moderate_decide", "review:moderate_edit"):
        url = reverse(name, args=[pair.pk])
        assert contributor_client.post(url, {"action": "validate"}).status_code == 403
        assert moderator_client.get(url).status_code == 405
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_the_moderation_page_is_refused_to_contributors(contributor_client):
    pair = make_pair(status=Status.DISPUTED)
    assert contributor_client.get(moderate_url(pair)).status_code == 403
    assert contributor_client.post(moderate_url(pair), {"action": "validate"}).status_code == 403
    pair.refresh_from_db()
    assert pair.status == Status.DISPUTED


def test_the_moderation_page_sends_anonymous_visitors_to_login(client):
    assert client.get(moderate_url(make_pair(status=Status.DISPUTED))).status_code == 302


def test_the_moderation_page_refuses_other_methods(moderator_client):
    assert moderator_client.put(moderate_url(make_pair(status=Status.DISPUTED))).status_code == 405


# Suspension


def test_suspending_from_the_page(moderator_client, contributor):
    pair = make_pair(author=contributor)
    response = moderator_client.post(reverse("review:suspend", args=[contributor.pk]), {"reason": "Spam"})
    assert response.status_code == 302
    pair.refresh_from_db()
    contributor.refresh_from_db()
    assert contributor.is_suspended
    assert pair.status == Status.WITHDRAWN


def test_the_suspension_page_asks_for_confirmation(moderator_client, contributor):
    response = moderator_client.get(reverse("review:suspend", args=[contributor.pk]))
    assert response.status_code == 200
    assert b'name="reason"' in response.content


def test_contributors_cannot_suspend(contributor_client, other_contributor):
    response = contributor_client.post(
        reverse("review:suspend", args=[other_contributor.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    other_contributor.refresh_from_db()
    assert not other_contributor.is_suspended


def test_suspending_needs_a_signed_in_moderator(client, contributor):
    assert client.post(reverse("review:suspend", args=[contributor.pk]), {"reason": "x"}).status_code == 302


def test_the_suspension_page_refuses_other_methods(moderator_client, contributor):
    assert moderator_client.delete(reverse("review:suspend", args=[contributor.pk])).status_code == 405


# Takedown


def test_a_takedown_by_link_removes_the_pair(moderator_client):
    pair = make_pair(status=Status.VALIDATED)
    link = "https://moisson.example" + reverse("collect:public", args=[pair.pk])
    response = moderator_client.post(
        TAKEDOWN, {"pair": link, "requester": "Jeanne Martin", "reason": "Son texte"}
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.status, pair.removal_reason) == (Status.REMOVED, "takedown")


def test_a_takedown_of_an_unknown_pair_is_refused(moderator_client):
    response = moderator_client.post(
        TAKEDOWN, {"pair": "00000000-0000-0000-0000-000000000000", "requester": "Jeanne", "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["pair"]


def test_the_takedown_form_is_shown(moderator_client):
    assert moderator_client.get(TAKEDOWN).status_code == 200


def test_contributors_cannot_take_down(contributor_client):
    pair = make_pair(status=Status.VALIDATED)
    response = contributor_client.post(TAKEDOWN, {"pair": str(pair.pk), "requester": "x", "reason": "y"})
    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.status == Status.VALIDATED


def test_takedown_needs_a_signed_in_moderator(client):
    assert client.get(TAKEDOWN).status_code == 302


def test_the_takedown_page_refuses_other_methods(moderator_client):
    assert moderator_client.put(TAKEDOWN).status_code == 405


# Audit log


def test_the_audit_log_lists_moderator_actions(moderator_client, moderator):
    pair = make_pair(status=Status.DISPUTED)
    decide_pair(
        moderator=moderator,
        pair=pair,
        action=AuditAction.REMOVE,
        reason="Hors sujet total",
        removal_reason=RemovalReason.MODERATION,
    )
    response = moderator_client.get(AUDIT)
    assert response.status_code == 200
    assert "Hors sujet total" in response.content.decode()


def test_the_audit_log_can_be_filtered_by_action(moderator_client, moderator):
    decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.REJECT)
    decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.VALIDATE)
    entries = moderator_client.get(AUDIT, {"action": "reject"}).context["page"].object_list
    assert [entry.action for entry in entries] == ["reject"]


def test_the_audit_log_is_refused_to_contributors(contributor_client):
    assert contributor_client.get(AUDIT).status_code == 403


def test_the_audit_log_needs_a_signed_in_moderator(client):
    assert client.get(AUDIT).status_code == 302


def test_the_audit_log_is_read_only(moderator_client):
    assert moderator_client.post(AUDIT).status_code == 405


def test_the_admin_cannot_change_or_delete_audit_entries(admin_client, moderator):
    decide_pair(moderator=moderator, pair=make_pair(status=Status.DISPUTED), action=AuditAction.REJECT)
    entry = AuditEntry.objects.get()
    assert admin_client.get(reverse("admin:review_auditentry_changelist")).status_code == 200
    assert (
        admin_client.post(
            reverse("admin:review_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:review_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_every_id_on_the_moderation_page_is_unique_so_each_label_names_its_own_field(moderator_client):
    # The decision and the edit forms both have a "reason": their ids once collided (id_reason twice).
    pair = make_pair(status=Status.DISPUTED)
    content = moderator_client.get(reverse("review:moderate", args=[pair.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', content)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
