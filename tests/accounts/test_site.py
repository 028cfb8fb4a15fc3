import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _sign_up(client) -> None:
    client.post(
        reverse("account_signup"),
        {
            "email": "nouvelle@example.org",
            "username": "nouvelle",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )


def test_confirmation_email_is_signed_moisson_not_example_com(client):
    _sign_up(client)
    message = mail.outbox[0]
    assert message.subject.startswith("[Moisson]")
    assert "example.com" not in message.subject + message.body
    assert "Moisson" in message.body


def test_migrate_copies_site_name_and_the_domain_of_site_url_into_the_site_record(settings):
    settings.SITE_NAME = "Moisson de test"
    settings.SITE_URL = "https://moisson.example.org:8443"
    call_command("migrate", verbosity=0)
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == "Moisson de test"
    assert site.domain == "moisson.example.org:8443"


def test_emails_follow_the_site_name_after_migrate(client, settings):
    settings.SITE_NAME = "Moisson de test"
    call_command("migrate", verbosity=0)
    _sign_up(client)
    assert mail.outbox[0].subject.startswith("[Moisson de test]")
