"""The French catalogue is complete and compiled: every UI string has a French translation."""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.loader import get_template
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import Client
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# The long pages: one template each, English in the template, French in the catalogue.
PROSE_TEMPLATES = [
    "collect/home.html",
    "collect/guide.html",
    "accounts/license.html",
    "accounts/privacy.html",
    "accounts/terms.html",
    "accounts/_charter.html",
]


def template_messages(name: str) -> list[str]:
    """The msgids a template asks for, as Django computes them when it renders."""
    nodes = get_template(name).template.nodelist
    messages = [node.filter_expression.var.literal for node in nodes.get_nodes_by_type(TranslateNode)]
    messages += [
        node.render_token_list(node.singular)[0] for node in nodes.get_nodes_by_type(BlockTranslateNode)
    ]
    return messages


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("name", PROSE_TEMPLATES)
def test_every_paragraph_of_the_prose_pages_has_a_french_translation(name):
    # An English paragraph edited without its catalogue entry would show in English on the French page.
    translated = {entry.msgid for entry in polib.pofile(str(CATALOGUE)).translated_entries()}
    messages = template_messages(name)
    assert messages
    assert [message for message in messages if message not in translated] == []


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(CATALOGUE))
    with open(CATALOGUE.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural or entry.msgctxt:
            continue
        assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.django_db
def test_home_page_speaks_french_by_default():
    content = Client().get("/").content.decode()
    assert 'lang="fr"' in content
    with translation.override("fr"):
        french = translation.gettext("Join Moisson")
    assert french != "Join Moisson"
    assert french in content


@pytest.mark.django_db
def test_home_page_is_available_in_english():
    content = Client(headers={"accept-language": "en"}).get("/").content.decode()
    assert 'lang="en"' in content
    assert "Join Moisson" in content
