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
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from export.card import CardInfo, render_card, render_contributors
from moisson.database import database_unavailable
from moisson.errors import server_error
from moisson.overload import overloaded
from tests.export.test_card import make_card_info, make_rich_card_info, sections
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


@pytest.mark.parametrize(
    "info",
    [
        make_rich_card_info(),
        make_rich_card_info(hub_repo=None, previous_version=None, coverage_targets={}),
        make_card_info(held_back=0, preference_split_counts={}, labels={}),
    ],
    ids=["rich", "no hub, first release", "bare"],
)
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
