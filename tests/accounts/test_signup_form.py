import re

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "nouvelle@example.org",
    "username": "nouvelle",
    "password1": "un-mot-de-passe-solide-42",
    "password2": "un-mot-de-passe-solide-42",
}


def _between(html: str, start: str, end: str) -> str:
    """The HTML from the tag that contains `start` up to the one that contains `end`."""
    return html[html.index(start) : html.index(end)]


def test_an_invalid_email_error_sits_under_the_email_field_styled_as_an_error(client):
    response = client.post(reverse("account_signup"), SIGN_UP | {"email": "pas-une-adresse"})
    html = response.content.decode()
    email_block = _between(html, 'name="email"', 'for="id_username"')
    assert 'class="finding finding-error"' in email_block
    # The field points at its error (aria-describedby), so a screen reader reads it with the field.
    assert 'aria-describedby="id_email_error"' in email_block
    assert 'id="id_email_error"' in email_block
    # Nothing about the e-mail above its own label, where it would read as the previous field's error.
    assert "finding-error" not in _between(html, "<form", 'for="id_email"')


def test_a_password_error_sits_under_the_password_field(client):
    response = client.post(reverse("account_signup"), SIGN_UP | {"password1": "abc", "password2": "abc"})
    html = response.content.decode()
    assert "finding-error" not in _between(html, 'name="username"', 'for="id_password1"')
    assert "finding-error" in _between(html, 'name="password1"', 'for="id_password2"')


def test_sign_up_page_uses_the_account_vocabulary(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Créer un compte" in html
    assert "Adresse e-mail" in html
    assert "Courriel" not in html


def test_login_page_uses_the_account_vocabulary(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Se connecter" in html
    assert "Créer un compte" in html
    assert "Connexion" not in html


def test_confirming_the_email_logs_the_person_in_and_leads_to_the_terms(client, mailoutbox):
    client.post(reverse("account_signup"), SIGN_UP)
    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", mailoutbox[0].body).group(0)
    response = client.post(link.split("testserver", 1)[1])
    assert response["Location"] == reverse("accounts:terms")
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="nouvelle").pk


ACCOUNT_PAGES = [
    ("anonymous", "account_signup"),
    ("anonymous", "account_login"),
    ("anonymous", "account_reset_password"),
    ("anonymous", "account_email_verification_sent"),
    ("contributor", "account_email"),
    ("contributor", "account_logout"),
]


@pytest.mark.parametrize(("who", "page"), ACCOUNT_PAGES)
def test_account_pages_speak_one_vocabulary(client, contributor_client, who, page):
    browser = contributor_client if who == "contributor" else client
    html = browser.get(reverse(page)).content.decode()
    for other_word in ("Courriel", "Connexion", "S'inscrire", "S&#x27;inscrire", "Inscription"):
        assert other_word not in html
