"""French typography: a non-breaking space before « : ; ! ? » and inside « », so that no line of a phone
screen starts with a lone "?" (issue 12), and the typographic apostrophe ’ rather than the typewriter's '.
Checked on the French catalogue, which holds the words of every page, and on the French written outside
it: the French the prose templates write as is (the writing guide's examples, checked on the guide as
rendered in French), the pages rendered without the request (the 500 and both 503), whose words are all
the reader sees when something went wrong, the dataset card and CONTRIBUTORS.md, written into every
release by export.card, the e-mails sent through allauth, and the strings of the scripts.

The demo pairs (collect/demo/pairs.json, seed_demo) are left as they are: they stand for contributors'
texts, which the site publishes as typed, keyboard apostrophes included."""

import html
import json
import re
from pathlib import Path

import polib
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from export.card import CardInfo, render_card, render_contributors
from moisson.database import database_unavailable
from moisson.errors import server_error
from moisson.overload import overloaded
from tests.export.test_card import CARD_SHAPE_NAMES, CARD_SHAPES, sections
from tests.factories import make_user

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"
# A breakable space (plain space, tab or line break) where French wants a non-breaking one.
BREAKABLE_BEFORE_SIGN = re.compile(r"[ \t\n]+[:;!?»]")
BREAKABLE_AFTER_QUOTE = re.compile(r"«[ \t\n]+")
# No space at all ("perdu: votre", "«oui»"). A sign counts when a space or the end follows it, as after a
# word: "10:30" and "/?page=2" are not French punctuation.
GLUED_SIGN = re.compile(r"[^\s\u00a0\u202f][:;!?](?=\s|$)|[^\s\u00a0\u202f]»|«[^\s\u00a0\u202f]")
# The typewriter's apostrophe inside a word ("l'accueil"), where French prints ’.
STRAIGHT_APOSTROPHE = re.compile(r"\w'\w")
# The prose pages: one template each, their words in the catalogue, but the guide's examples are French
# data written in the template itself.
PROSE_TEMPLATES = [
    "collect/home.html",
    "collect/guide.html",
    "accounts/license.html",
    "accounts/privacy.html",
    "accounts/_charter.html",
]
# Template syntax and markup are not text: `{% if a %}`, `{{ x|date:"H:i" }}`, `<a href="...">`; nor is
# English source text waiting for its translation.
NOT_TEXT = re.compile(
    r"{% blocktranslate.*?{% endblocktranslate %}|{%.*?%}|{{.*?}}|{#.*?#}|<[^>]*>", re.DOTALL
)


def spacing_faults(text: str) -> list[str]:
    """Where a non-breaking space is wanted and a breakable one, or none, stands."""
    found = (
        BREAKABLE_BEFORE_SIGN.findall(text) + BREAKABLE_AFTER_QUOTE.findall(text) + GLUED_SIGN.findall(text)
    )
    return [repr(match) for match in found]


def straight_apostrophes(text: str) -> list[str]:
    return [repr(match) for match in STRAIGHT_APOSTROPHE.findall(text)]


def test_breakable_spaces_are_found_and_non_breaking_ones_are_not():
    assert spacing_faults("Pourquoi ? « oui »") == ["' ?'", "' »'", "'« '"]
    assert spacing_faults("Pourquoi\u00a0? «\u00a0oui\u00a0»\u00a0: non\u202f; https://a.fr/?b=c") == []


def test_missing_spaces_are_found_but_not_in_times_nor_addresses():
    assert spacing_faults("perdu: votre texte; «oui», fin!") == ["'u:'", "'e;'", "'«o'", "'i»'", "'n!'"]
    assert spacing_faults("à 10:30, https://a.fr/?page=2") == []


def test_straight_apostrophes_inside_words_are_found_and_typographic_ones_are_not():
    assert straight_apostrophes("L'erreur s’est produite") == ['"L\'e"']
    assert straight_apostrophes("« l’accueil », 'guide'") == []


def test_french_catalogue_uses_non_breaking_spaces_before_high_signs_and_inside_quotes():
    po = polib.pofile(str(CATALOGUE))
    wrong = {}
    for entry in po.translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and spacing_faults(text):
                wrong[entry.msgid] = text
    assert wrong == {}


def test_french_catalogue_uses_typographic_apostrophes():
    po = polib.pofile(str(CATALOGUE))
    wrong = {}
    for entry in po.translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and straight_apostrophes(text):
                wrong[entry.msgid] = text
    assert wrong == {}


def test_french_written_in_the_prose_templates_uses_non_breaking_spaces_before_high_signs_and_inside_quotes():
    wrong = {}
    for name in PROSE_TEMPLATES:
        found = spacing_faults(NOT_TEXT.sub("", (TEMPLATES / name).read_text()))
        if found:
            wrong[name] = found
    assert wrong == {}


def visible_text(page: bytes) -> str:
    """What a reader sees of a page: its text without the markup, entities read (' is written &#x27;)."""
    return html.unescape(re.sub(r"<[^>]*>", "", page.decode()))


def test_the_pages_rendered_without_the_request_follow_french_typography():
    request = RequestFactory()
    with translation.override("fr"):
        pages = {
            "500": server_error(request.get("/")),
            "503 overload": overloaded(request.get("/", HTTP_ACCEPT_LANGUAGE="fr")),
            "503 lost database": database_unavailable(request.get("/")),
            "503 lost database, form kept": database_unavailable(request.post("/", {"comment": "Très bien"})),
        }
    wrong = {}
    for name, response in pages.items():
        text = visible_text(response.content)
        assert "Moisson" in text
        found = spacing_faults(text) + straight_apostrophes(text)
        if found:
            wrong[name] = found
    assert wrong == {}


@pytest.mark.django_db
def test_the_guide_as_rendered_in_french_follows_french_typography(client: Client) -> None:
    # Its examples of pairs are French written in the template itself, outside the catalogue.
    page = client.get(reverse("collect:guide"), headers={"accept-language": "fr"})

    text = visible_text(page.content)
    assert "Pourquoi entend-on le tonnerre" in text
    assert spacing_faults(text) + straight_apostrophes(text) == []


def markdown_prose(markdown: str) -> str:
    """What a reader of a Markdown file reads as French: code (fenced blocks, `inline`), which keeps the
    syntax of its language ("role: string", a BibTeX "}:"), and the alignment rows of tables ("---:") are
    left out."""
    markdown = re.sub(r"^```.*?^```$|`[^`\n]*`", "", markdown, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"^\|[ |:-]+\|$", "", markdown, flags=re.MULTILINE)


def test_markdown_prose_leaves_code_and_table_alignment_out():
    markdown = "Texte\u00a0: `role: string`\n```python\nx = 'a'  # it's\n```\n| a | b |\n| --- | ---: |\n"

    assert markdown_prose(markdown) == "Texte\u00a0: \n\n| a | b |\n\n"


@pytest.mark.parametrize("info", CARD_SHAPES, ids=CARD_SHAPE_NAMES)
def test_the_french_section_of_the_dataset_card_follows_french_typography(info: CardInfo) -> None:
    french = markdown_prose(sections(render_card(info))["Français"])

    assert "Collecte et relecture" in french
    assert spacing_faults(french) + straight_apostrophes(french) == []


@pytest.mark.parametrize("rows", [[], [("Noé", 3)]], ids=["nobody credited", "one contributor"])
def test_the_french_of_contributors_md_follows_french_typography(rows: list[tuple[str, int]]) -> None:
    text = markdown_prose(render_contributors(rows))

    assert spacing_faults(text) + straight_apostrophes(text) == []


@pytest.mark.django_db
def test_the_emails_sent_through_allauth_follow_french_typography() -> None:
    # Their templates are allauth's, and so is their French unless our catalogue gives it.
    camille = make_user(username="camille", email_verified=True)
    french = {"headers": {"accept-language": "fr"}}
    signup = {
        "email": "nouvelle@example.org",
        "username": "nouvelle",
        "password1": "un-mot-de-passe-solide-42",
        "password2": "un-mot-de-passe-solide-42",
    }
    taken = signup | {"username": "homonyme", "email": camille.email}
    Client().post(reverse("account_signup"), signup, **french)
    Client().post(reverse("account_signup"), taken, **french)
    Client().post(reverse("account_reset_password"), {"email": camille.email}, **french)
    Client().post(reverse("account_reset_password"), {"email": "inconnue@example.org"}, **french)

    assert [message.subject for message in mail.outbox] == [
        "[Moisson] Confirmez votre adresse e-mail",
        "[Moisson] Ce compte existe déjà",
        "[Moisson] E-mail de réinitialisation de mot de passe",
        "[Moisson] Compte inconnu",
    ]
    wrong = {}
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        found = spacing_faults(text) + straight_apostrophes(text)
        if found:
            wrong[message.subject] = found
    assert wrong == {}


def test_the_strings_of_the_scripts_follow_french_typography() -> None:
    # Their French is a fallback, shown when the page left out its translated text (data-saved-text...);
    # their other strings (selectors, names) hold no apostrophe inside a word nor a space before a sign.
    strings = {
        literal: script.name
        for script in sorted(SCRIPTS.glob("*.js"))
        for literal in re.findall(r'"([^"\n]*)"', script.read_text(encoding="utf-8"))
    }

    assert "Brouillon enregistré à " in strings
    assert {literal: name for literal, name in strings.items() if straight_apostrophes(literal)} == {}
    assert {literal: name for literal, name in strings.items() if spacing_faults(literal)} == {}


def reader_text(page: bytes) -> str:
    """What a reader reads of a page: its visible text, and the strings an allauth script shows (the e-mail
    page's confirmation dialog is French in a JSON data block), without the JSON's own syntax."""
    source = page.decode()
    shown = [
        value
        for data in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', source, re.DOTALL)
        for value in json_strings(json.loads(data))
    ]
    source = re.sub(r"<script.*?</script>", "", source, flags=re.DOTALL)
    return "\n".join([visible_text(source.encode()), *shown])


def json_strings(data: object) -> list[str]:
    if isinstance(data, dict):
        return [text for value in data.values() for text in json_strings(value)]
    if isinstance(data, list):
        return [text for value in data for text in json_strings(value)]
    return [data] if isinstance(data, str) else []


def allauth_pages() -> dict[str, bytes]:
    """Every page of allauth that Moisson serves (compte/, allauth.account only) as a French reader sees it,
    with its forms' error states and the banner messages allauth adds, signed out then signed in. Login,
    logout, sign-up and "verification sent" use Moisson's templates but allauth's forms and messages.
    Re-authentication by code, which allauth offers on the re-authentication page, is left out."""
    pages = {}

    def see(name: str, response: HttpResponse) -> None:
        assert response.status_code == 200, name
        pages[name] = response.content

    camille = make_user(username="camille", email_verified=True)
    dominique = make_user(username="dominique")
    EmailAddress.objects.create(user=dominique, email=dominique.email, verified=False, primary=True)
    out = Client(headers={"accept-language": "fr"})
    see("login", out.get(reverse("account_login")))
    see("login, wrong password", out.post(reverse("account_login"), {"login": "camille", "password": "non"}))
    see("sign-up", out.get(reverse("account_signup")))
    weak = {"email": "x@example.org", "username": "camille", "password1": "password", "password2": "autre"}
    see("sign-up, errors", out.post(reverse("account_signup"), weak))
    see("password reset", out.get(reverse("account_reset_password")))
    see("password reset, error", out.post(reverse("account_reset_password"), {"email": "pas-une-adresse"}))
    see("password reset sent", out.get(reverse("account_reset_password_done")))
    bad_key = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "faux"})
    see("password reset, bad link", out.get(bad_key))
    key = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(camille), "key": default_token_generator.make_token(camille)},
    )
    form = out.get(key, follow=True)
    see("password reset, new password", form)
    set_url = form.redirect_chain[-1][0]
    see(
        "password reset, mismatch", out.post(set_url, {"password1": "solide-mot-42", "password2": "autre-43"})
    )
    new_password = {"password1": "un-mot-de-passe-solide-42", "password2": "un-mot-de-passe-solide-42"}
    see("password reset, done", out.post(set_url, new_password, follow=True))
    see("confirmation link, bad", out.get(reverse("account_confirm_email", args=["faux"])))
    unverified = {"login": "dominique", "password": "demo-moisson"}
    see("login, unverified address", out.post(reverse("account_login"), unverified, follow=True))
    confirm = reverse(
        "account_confirm_email", args=[EmailConfirmationHMAC(dominique.emailaddress_set.get()).key]
    )
    see("confirmation link", out.get(confirm))
    see("confirmation link, confirmed", out.post(confirm, follow=True))
    see("inactive account", Client(headers={"accept-language": "fr"}).get(reverse("account_inactive")))

    me = Client(headers={"accept-language": "fr"})
    signin = {"login": "camille", "password": "un-mot-de-passe-solide-42"}
    see("login, signed in", me.post(reverse("account_login"), signin, follow=True))
    see("password reset, signed in", me.get(reverse("account_reset_password")))
    emails = reverse("account_email")
    see("e-mail addresses", me.get(emails))
    see("e-mail addresses, own address", me.post(emails, {"action_add": "", "email": camille.email}))
    see("e-mail addresses, bad address", me.post(emails, {"action_add": "", "email": "pas"}))
    see("e-mail added", me.post(emails, {"action_add": "", "email": "deux@example.org"}, follow=True))
    see("e-mail resent", me.post(emails, {"action_send": "", "email": "deux@example.org"}, follow=True))
    unverified_primary = {"action_primary": "", "email": "deux@example.org"}
    see("e-mail primary, unverified", me.post(emails, unverified_primary, follow=True))
    remove_primary = {"action_remove": "", "email": camille.email}
    see("e-mail primary, not removed", me.post(emails, remove_primary, follow=True))
    see("e-mail removed", me.post(emails, {"action_remove": "", "email": "deux@example.org"}, follow=True))
    change = reverse("account_change_password")
    see("password change", me.get(change))
    see(
        "password change, errors", me.post(change, {"oldpassword": "non", "password1": "a", "password2": "b"})
    )
    changed = {
        "oldpassword": "un-mot-de-passe-solide-42",
        "password1": "autre-solide-43",
        "password2": "autre-solide-43",
    }
    see("password changed", me.post(change, changed, follow=True))
    see("re-authentication", me.get(reverse("account_reauthenticate")))
    see("re-authentication, wrong", me.post(reverse("account_reauthenticate"), {"password": "non"}))
    see("logout", me.get(reverse("account_logout")))
    see("logged out", me.post(reverse("account_logout"), follow=True))

    no_password = make_user(username="sanspasse", email_verified=True)
    no_password.set_unusable_password()
    no_password.save(update_fields=["password"])
    no_address = make_user(username="sansadresse", email="")
    other = Client(headers={"accept-language": "fr"})
    other.force_login(no_password)
    set_password = reverse("account_set_password")
    see("password set", other.get(set_password))
    see("password set, mismatch", other.post(set_password, {"password1": "a", "password2": "b"}))
    see("password set, done", other.post(set_password, changed | {"oldpassword": ""}, follow=True))
    other.force_login(no_address)
    see("e-mail addresses, none", other.get(emails))
    return pages


@pytest.mark.django_db
def test_allauths_pages_their_errors_and_messages_follow_french_typography() -> None:
    # Their templates, form errors and messages are allauth's, and so is their French unless our catalogue
    # gives it.
    pages = {name: reader_text(content) for name, content in allauth_pages().items()}

    assert "Vous avez confirmé dominique@example.org." in pages["confirmation link, confirmed"]
    assert "Mot de passe modifié avec succès." in pages["password changed"]
    assert "Voulez-vous vraiment retirer cette adresse e-mail" in pages["e-mail addresses"]
    wrong = {name: spacing_faults(text) + straight_apostrophes(text) for name, text in pages.items()}
    assert {name: found for name, found in wrong.items() if found} == {}
