"""French typography: a non-breaking space before « : ; ! ? » and inside « », so that no line of a phone
screen starts with a lone "?" (issue 12). Checked on the French catalogue, which holds the words of every
page, and on the French the prose templates write as is: the writing guide's examples."""

import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A breakable space (plain space, tab or line break) where French wants a non-breaking one.
BREAKABLE_BEFORE_SIGN = re.compile(r"[ \t\n]+[:;!?»]")
BREAKABLE_AFTER_QUOTE = re.compile(r"«[ \t\n]+")
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


def breakable_spaces(text: str) -> list[str]:
    found = BREAKABLE_BEFORE_SIGN.findall(text) + BREAKABLE_AFTER_QUOTE.findall(text)
    return [repr(match) for match in found]


def test_breakable_spaces_are_found_and_non_breaking_ones_are_not():
    assert breakable_spaces("Pourquoi ? « oui »") == ["' ?'", "' »'", "'« '"]
    assert breakable_spaces("Pourquoi\u00a0? «\u00a0oui\u00a0»\u00a0: non\u202f; https://a.fr/?b=c") == []


def test_french_catalogue_uses_non_breaking_spaces_before_high_signs_and_inside_quotes():
    po = polib.pofile(str(CATALOGUE))
    wrong = {}
    for entry in po.translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and breakable_spaces(text):
                wrong[entry.msgid] = text
    assert wrong == {}


def test_french_written_in_the_prose_templates_uses_non_breaking_spaces_before_high_signs_and_inside_quotes():
    wrong = {}
    for name in PROSE_TEMPLATES:
        found = breakable_spaces(NOT_TEXT.sub("", (TEMPLATES / name).read_text()))
        if found:
            wrong[name] = found
    assert wrong == {}
