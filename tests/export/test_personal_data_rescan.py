"""Every released row passes the personal-data checks again at build time (SPEC §6, issue 13)."""

import json

import pyarrow.parquet as pq
import pytest

from collect.models import Pair, Revision, Status
from export.models import Release
from tests.factories import make_pair, make_release

pytestmark = pytest.mark.django_db

EMAIL_ANSWER = "Pour plus de détails, écrivez à camille.martin@example.org qui vous répondra volontiers."


def ids(release: Release) -> set[str]:
    found = set()
    for file in release.files:
        if file["path"].startswith(("data/train-", "data/test-")):
            found |= set(
                pq.read_table(release.directory / file["path"], columns=["id"]).column("id").to_pylist()
            )
    return found


def release_json(release: Release) -> dict:
    return json.loads((release.directory / "release.json").read_text(encoding="utf-8"))


def put_in_the_database(pair: Pair, **text: str) -> None:
    """Text that never went through the checks: an old row, an import, a hand-made fix."""
    Revision.objects.filter(pk=pair.published_revision_id).update(**text)
    Pair.objects.filter(pk=pair.pk).update(**text)


def test_a_row_with_an_email_address_is_held_back_and_listed() -> None:
    clean = make_pair(status=Status.VALIDATED)
    leaking = make_pair(status=Status.VALIDATED)
    put_in_the_database(leaking, answer=EMAIL_ANSWER)

    release = make_release()

    assert ids(release) == {str(clean.pk)}
    assert release_json(release)["held_back"] == [
        {"id": str(leaking.pk), "config": "default", "reason": "personal_data"}
    ]
    assert release.total == 1


def test_no_file_of_the_release_holds_the_held_back_text() -> None:
    make_pair(status=Status.VALIDATED)
    leaking = make_pair(status=Status.VALIDATED)
    put_in_the_database(leaking, context="Contact : camille.martin@example.org, au bureau 12.")

    release = make_release()

    for file in release.files:
        table_text = (
            json.dumps(pq.read_table(release.directory / file["path"]).to_pylist(), default=str)
            if file["path"].endswith(".parquet")
            else (release.directory / file["path"]).read_text(encoding="utf-8")
        )
        assert "camille.martin" not in table_text


def test_a_published_row_that_fails_the_checks_later_is_removed_with_reason_personal_data() -> None:
    make_pair(status=Status.VALIDATED)
    pair = make_pair(status=Status.VALIDATED)
    make_release()
    put_in_the_database(pair, question="Pouvez-vous appeler le 06 12 34 56 78 pour confirmer la date ?")

    release = make_release()

    assert release_json(release)["removed"] == [{"id": str(pair.pk), "reason": "personal_data"}]
    assert release.removals_by_reason == {"personal_data": 1}
    card = (release.directory / "README.md").read_text(encoding="utf-8")
    assert "| `personal_data` | Données personnelles | 1 |" in card


def test_the_card_says_rows_are_checked_again_and_how_many_were_held_back() -> None:
    make_pair(status=Status.VALIDATED)
    put_in_the_database(make_pair(status=Status.VALIDATED), answer=EMAIL_ANSWER)

    card = (make_release().directory / "README.md").read_text(encoding="utf-8")

    assert "repasse les vérifications automatiques de données personnelles" in card
    assert "Dans cette version\u00a0: 1 paire(s) et 0 paire(s) de préférences retenues." in card
    assert "goes through the automatic personal-data checks again" in card
    assert "In this release: 1 pair(s) and 0 preference pair(s) held back." in card


def test_a_clean_release_says_nothing_was_held_back() -> None:
    make_pair(status=Status.VALIDATED)

    release = make_release()

    assert release_json(release)["held_back"] == []
    assert "In this release, no row was held back." in (release.directory / "README.md").read_text(
        encoding="utf-8"
    )
