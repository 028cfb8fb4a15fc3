"""`manage.py import_pairs`: open pairs loaded into review through the checks of a typed pair."""

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.utils import translation

from collect.models import Pair, Status
from collect.similarity import content_hash
from review.services import next_pair_for
from tests.factories import make_pair, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import_example.jsonl"

GOOD = [
    {
        "uid": "a1",
        "instruction": "Quelle est la capitale de l'Australie, et pourquoi n'est-ce pas Sydney ?",
        "output": "La capitale de l'Australie est Canberra. Elle a été choisie comme compromis entre Sydney "
        "et Melbourne, les deux grandes villes rivales, et construite spécialement pour accueillir le "
        "gouvernement.",
        "categorie": "open_qa",
    },
    {
        "uid": "a2",
        "instruction": "Combien font 15 × 4 ?",
        "output": "On calcule 15 × 4 = 10 × 4 + 5 × 4 = 40 + 20 = 60. Le résultat est donc 60.",
        "categorie": "reasoning",
        "resultat": "60",
    },
]
TOO_SHORT = {"uid": "b1", "instruction": "Pourquoi ?", "output": "Parce que.", "categorie": "open_qa"}
NOT_FRENCH = {
    "uid": "b2",
    "instruction": "What is the tallest mountain in the world and how high is it exactly?",
    "output": "Mount Everest is the tallest mountain above sea level, reaching about 8,849 metres according "
    "to the latest survey carried out jointly by China and Nepal.",
    "categorie": "open_qa",
}
PERSONAL_DATA = {
    "uid": "b3",
    "instruction": "Comment joindre le service client de la boutique du quartier ?",
    "output": "Écrivez à jean.dupont@example.org ou appelez le 06 12 34 56 78 aux heures d'ouverture.",
    "categorie": "advice",
}
UNKNOWN_CATEGORY = dict(GOOD[0], uid="b4", categorie="poésie")
SAME_TEXT_AGAIN = dict(GOOD[0], uid="c1")


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    with translation.override("fr"):
        call_command(
            "import_pairs",
            str(path),
            "--source",
            "banque-ouverte",
            "--license",
            "CC-BY-4.0",
            "--question-field",
            "instruction",
            "--answer-field",
            "output",
            "--id-field",
            "uid",
            "--task-type-field",
            "categorie",
            "--final-answer-field",
            "resultat",
            "--domain",
            "other",
            *args,
            stdout=out,
        )
    return out.getvalue()


@pytest.fixture
def mixed_file(tmp_path: Path) -> Path:
    rows = [*GOOD, TOO_SHORT, NOT_FRENCH, PERSONAL_DATA, UNKNOWN_CATEGORY, SAME_TEXT_AGAIN, "{pas du json"]
    return write_jsonl(tmp_path / "paires.jsonl", rows)


def test_good_rows_are_imported_as_pending_pairs_attributed_to_their_source(mixed_file):
    run(mixed_file)

    pairs = Pair.objects.filter(source="banque-ouverte").order_by("source_id")
    assert [(p.source_id, p.status) for p in pairs] == [("a1", Status.PENDING), ("a2", Status.PENDING)]
    assert {p.license for p in pairs} == {"CC-BY-4.0"}
    assert pairs[1].final_answer == "60" and pairs[1].final_answer_checked
    assert pairs[0].current_revision.number == 1
    assert pairs[0].author.username == "import-banque-ouverte"
    assert not pairs[0].author.has_usable_password()


def test_refused_rows_are_listed_with_a_french_reason(mixed_file):
    output = run(mixed_file)

    assert "2 paires importées, 0 déjà importée auparavant, 6 refusées." in output
    assert "Ligne 3 (b1) refusée" in output and "trop courte" in output
    assert "Ligne 4 (b2) refusée" in output and "français" in output
    assert "Ligne 5 (b3) refusée" in output
    assert "Ligne 6 (b4) refusée" in output and "poésie" in output
    assert "Ligne 7 (c1) refusée" in output and "existe déjà" in output
    assert "Ligne 8" in output and "illisible" in output
    assert not Pair.objects.filter(status=Status.DRAFT).exists()


def test_running_the_import_twice_imports_each_pair_once(mixed_file):
    run(mixed_file)
    output = run(mixed_file)

    assert Pair.objects.filter(source="banque-ouverte").count() == 2
    assert "0 paire importée, 2 déjà importées auparavant, 6 refusées." in output


def test_a_dry_run_checks_every_row_and_saves_nothing(mixed_file):
    output = run(mixed_file, "--dry-run")

    assert "rien n’a été enregistré" in output
    assert "2 paires importées" in output
    assert not Pair.objects.exists()


def test_a_pair_already_typed_on_the_site_is_refused_as_a_duplicate(tmp_path):
    make_pair(question=GOOD[0]["instruction"], answer=GOOD[0]["output"], context="")

    output = run(write_jsonl(tmp_path / "p.jsonl", [GOOD[0]]))

    assert "refusée" in output
    assert not Pair.objects.filter(source="banque-ouverte").exists()


def test_an_incompatible_licence_is_refused_before_reading_the_file(mixed_file):
    with pytest.raises(CommandError, match="CC-BY-NC-4.0"):
        call_command("import_pairs", str(mixed_file), "--source", "x", "--license", "CC-BY-NC-4.0")
    assert not Pair.objects.exists()


def test_the_source_and_the_licence_are_required(mixed_file):
    with pytest.raises(CommandError):
        call_command("import_pairs", str(mixed_file), "--license", "CC-BY-4.0")


def test_csv_and_parquet_files_are_read_too(tmp_path):
    csv_path = tmp_path / "p.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["uid", "instruction", "output", "categorie", "resultat"])
        writer.writeheader()
        writer.writerow(GOOD[0] | {"resultat": ""})
    parquet_path = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist([GOOD[1]]), parquet_path)

    run(csv_path)
    run(parquet_path)

    assert set(Pair.objects.values_list("source_id", flat=True)) == {"a1", "a2"}


def test_imported_pairs_are_reviewed_like_any_other(mixed_file):
    run(mixed_file)

    handed = next_pair_for(make_user())

    assert handed is not None and handed.source == "banque-ouverte"


def test_the_example_file_shipped_in_the_repository_imports_cleanly():
    columns = ["question", "answer", "id", "task_type", "final_answer"]
    output = run(EXAMPLE, *[arg for name in columns for arg in (f"--{name.replace('_', '-')}-field", name)])

    assert "5 paires importées, 0 déjà importée auparavant, 0 refusée." in output
    assert Pair.objects.filter(source="banque-ouverte", task_type="reasoning").count() == 2


def test_imported_pairs_count_towards_coverage(mixed_file):
    from collect.coverage import coverage_cells

    run(mixed_file)

    counted = {(c.domain, c.level, c.task_type): c.pending for c in coverage_cells()}
    # No level in the file: the "adult / general" column.
    assert counted[("other", "adulte", "reasoning")] == 1
    assert counted[("other", "adulte", "open_qa")] == 1


def test_a_person_who_signed_up_under_the_import_name_never_becomes_the_author(mixed_file):
    make_user(username="import-banque-ouverte")

    with pytest.raises(CommandError):
        run(mixed_file)
    assert not Pair.objects.exists()


def test_imported_texts_are_stored_as_a_typed_pair_stores_them(tmp_path):
    # A file may hold what a browser never sends: a NUL byte (which PostgreSQL refuses in a text, and which
    # stopped the whole import), soft hyphens, zero-width spaces, Windows line breaks.
    question = "Quelle est la capi\u00adtale de l'Aus\u200btralie, et pourquoi n'est-ce pas Sydney ?\x00"
    answer = GOOD[0]["output"].replace(". ", ".\r\n", 1)
    rows = [dict(GOOD[0], instruction=question, output=answer), GOOD[1]]
    out = run(write_jsonl(tmp_path / "paires.jsonl", rows))

    assert out.startswith("2 paires importées")
    imported = Pair.objects.get(source="banque-ouverte", source_id="a1")
    assert imported.question == GOOD[0]["instruction"]
    assert imported.answer == GOOD[0]["output"].replace(". ", ".\n", 1)
    assert imported.current_revision.question == imported.question
    # The same text typed on the site is then its exact duplicate.
    assert imported.content_hash == content_hash(question=GOOD[0]["instruction"], context="", answer=answer)


def test_an_identifier_holding_a_null_character_refuses_its_row_only(tmp_path):
    rows = [dict(GOOD[0], uid="a\x001"), GOOD[1]]
    out = run(write_jsonl(tmp_path / "paires.jsonl", rows))

    assert "L’identifiant contient un caractère nul, qui ne peut pas être enregistré." in out
    assert list(Pair.objects.filter(source="banque-ouverte").values_list("source_id", flat=True)) == ["a2"]


def test_the_import_runs_the_system_checks_of_the_models_not_those_of_the_pages(mixed_file, monkeypatch):
    """Checking the URLs and templates would load every page before the import, which serves none."""
    monkeypatch.setattr(checks.registry.registry, "registered_checks", set())

    def failing(tag: str) -> None:
        checks.register(lambda **kwargs: [checks.Error(f"broken {tag}", id="tests.E001")], tag)

    def import_checked() -> None:
        call_command(
            "import_pairs", str(mixed_file), "--source", "x", "--license", "CC-BY-4.0", "--dry-run",
            skip_checks=False, stdout=io.StringIO(),
        )  # fmt: skip

    failing(checks.Tags.urls)
    failing(checks.Tags.templates)
    import_checked()
    failing(checks.Tags.models)
    with pytest.raises(SystemCheckError, match="broken models"):
        import_checked()
