"""The public contact and takedown request form (issue 12, bug 10)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from collect.models import Status
from review.models import AuditAction, AuditEntry, ContactKind, ContactRequest
from review.services import CONTACT_MESSAGES_PER_HOUR
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db


def message(**fields: str) -> dict:
    return {
        "kind": ContactKind.TAKEDOWN,
        "email": "jeanne@example.org",
        "name": "Jeanne",
        "pair_reference": "",
        "message": "Cette paire reprend mot pour mot un passage de mon livre, publié sans mon accord.",
        "website": "",
    } | fields


def test_a_visitor_without_an_account_can_ask_for_a_takedown(client):
    pair = make_pair(status=Status.VALIDATED)
    response = client.post(
        reverse("review:contact"), message(pair_reference=f"http://testserver/paires/{pair.pk}/")
    )
    assert response["Location"] == reverse("review:contact_sent")
    request = ContactRequest.objects.get()
    assert request.pair == pair
    assert request.kind == ContactKind.TAKEDOWN
    assert request.handled_at is None


def test_a_message_is_written_to_the_audit_log(client):
    client.post(reverse("review:contact"), message())
    entry = AuditEntry.objects.get(action=AuditAction.CONTACT)
    assert entry.actor is None
    assert entry.after["contact_request"] == ContactRequest.objects.get().pk
    # The audit log is read by every moderator: the sender's address stays on the request only.
    assert "jeanne@example.org" not in str(entry.after) + entry.reason


def test_the_sender_receives_a_french_acknowledgement(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:contact"), message())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jeanne@example.org"]
    assert mail.outbox[0].subject == "[Moisson] Nous avons bien reçu votre message"
    assert "mon livre" in mail.outbox[0].body


def test_a_filled_honeypot_keeps_nothing_and_sends_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:contact"), message(website="http://spam.example"))
    assert response["Location"] == reverse("review:contact_sent")
    assert ContactRequest.objects.count() == 0
    assert mail.outbox == []


def test_one_address_is_limited_while_another_can_still_write():
    flooder = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(CONTACT_MESSAGES_PER_HOUR):
        assert flooder.post(reverse("review:contact"), message()).status_code == 302
    refused = flooder.post(reverse("review:contact"), message())
    assert refused.status_code == 429
    assert "réessayer dans une heure" in refused.content.decode()
    assert ContactRequest.objects.count() == CONTACT_MESSAGES_PER_HOUR
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert other.post(reverse("review:contact"), message())["Location"] == reverse("review:contact_sent")


def test_an_incomplete_message_is_shown_again_with_its_errors(client):
    response = client.post(reverse("review:contact"), message(email="pas-une-adresse", message=""))
    assert response.status_code == 200
    assert ContactRequest.objects.count() == 0
    assert "finding-error" in response.content.decode()


def test_contact_page_refuses_other_methods(client):
    assert client.put(reverse("review:contact")).status_code == 405


def test_contact_form_preselects_a_takedown_from_the_licence_page(client):
    response = client.get(reverse("review:contact") + "?kind=takedown")
    assert response.context["form"]["kind"].value() == "takedown"


def test_the_request_is_in_the_moderation_queue(moderator_client, client):
    client.post(reverse("review:contact"), message(message="Merci de retirer ma paire sur les volcans."))
    html = moderator_client.get(reverse("review:queue")).content.decode()
    assert "Merci de retirer ma paire sur les volcans." in html
    assert "jeanne@example.org" in html


def test_a_contributor_cannot_see_the_requests(contributor_client):
    assert contributor_client.get(reverse("review:queue")).status_code == 403


def test_a_moderator_marks_a_request_handled_and_the_log_says_so(moderator_client, moderator, client):
    client.post(reverse("review:contact"), message())
    request = ContactRequest.objects.get()
    response = moderator_client.post(
        reverse("review:contact_handled", args=[request.pk]), {"note": "Paire retirée, réponse envoyée."}
    )
    assert response["Location"] == reverse("review:queue")
    request.refresh_from_db()
    assert request.handled_by == moderator
    entry = AuditEntry.objects.get(action=AuditAction.CONTACT_HANDLED)
    assert entry.actor == moderator
    assert entry.reason == "Paire retirée, réponse envoyée."
    assert "Paire retirée" not in moderator_client.get(reverse("review:queue")).content.decode()


def test_a_contributor_cannot_mark_a_request_handled(contributor_client, client):
    client.post(reverse("review:contact"), message())
    request = ContactRequest.objects.get()
    response = contributor_client.post(reverse("review:contact_handled", args=[request.pk]), {"note": "x"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.handled_at is None


def test_handling_needs_a_post(moderator_client, client):
    client.post(reverse("review:contact"), message())
    request = ContactRequest.objects.get()
    assert moderator_client.get(reverse("review:contact_handled", args=[request.pk])).status_code == 405


@pytest.mark.parametrize("page", ["accounts:privacy", "accounts:license", "collect:home"])
def test_privacy_licence_pages_and_footer_link_to_the_contact_form(client, page):
    assert reverse("review:contact") in client.get(reverse(page)).content.decode()


def test_administrators_find_the_requests_in_the_admin(client):
    client.post(reverse("review:contact"), message(message="Une demande pour la page d'administration."))
    admin = Client()
    admin.force_login(make_user(username="admin", is_staff=True, is_superuser=True))
    response = admin.get(reverse("admin:review_contactrequest_changelist"), {"q": "administration"})
    assert response.status_code == 200
    assert "jeanne@example.org" in response.content.decode()


def test_behind_the_proxy_each_visitor_has_a_limit_and_a_forged_address_buys_no_fresh_one(settings):
    # Behind one proxy every request comes from the proxy's address: the limit follows the client address
    # the proxy appends, and what the client itself wrote in X-Forwarded-For is ignored.
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    flooder = Client(**proxy)
    for n in range(CONTACT_MESSAGES_PER_HOUR):
        forged = f"192.0.2.{n}, 203.0.113.7"
        assert (
            flooder.post(reverse("review:contact"), message(), HTTP_X_FORWARDED_FOR=forged).status_code == 302
        )
    refused = flooder.post(
        reverse("review:contact"), message(), HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7"
    )
    assert refused.status_code == 429
    neighbour = Client(**proxy).post(
        reverse("review:contact"), message(), HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert neighbour.status_code == 302
