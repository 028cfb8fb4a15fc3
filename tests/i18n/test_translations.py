"""The French catalogue is complete and compiled: every UI string has a French translation."""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


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
