"""The `preferences` configuration: (prompt, chosen, rejected) rows from the review history (issue 15)."""

import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

import export.preferences
from collect.models import Pair, Revision, Status
from collect.services import submit_pair
from export.models import Release
from export.writer import PREFERENCE_SCHEMA, split_for
from tests.factories import (
    approve,
    correction_history,
    make_pair,
    make_release,
    pair_text,
    send_back,
    submitted_pair,
    suggested_edit_history,
    validated_pair,
)

pytestmark = pytest.mark.django_db


def read(release: Release, prefix: str) -> list[dict]:
    rows = []
    for file in release.files:
        if file["path"].startswith(prefix):
            rows += pq.read_table(release.directory / file["path"]).to_pylist()
    return rows


def preference_rows(release: Release) -> list[dict]:
    return read(release, "data/preferences-")


def release_json(release: Release) -> dict:
    return json.loads((release.directory / "release.json").read_text(encoding="utf-8"))


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., datasets.DatasetDict]:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)

    def load(path: Path, name: str | None = None) -> datasets.DatasetDict:
        return datasets.load_dataset(str(path), name, cache_dir=str(tmp_path / "researcher-cache"))

    return load


def test_an_accepted_suggestion_then_validated_gives_a_suggested_edit_row() -> None:
    pair = suggested_edit_history()
    first = Revision.objects.get(pair=pair, number=1)

    [row] = preference_rows(make_release())

    assert (row["pair_id"], row["source"], row["id"]) == (str(pair.pk), "suggested_edit", f"{pair.pk}-r2-r1")
    assert row["prompt"] == [{"role": "user", "content": pair.question}]
    assert row["chosen"] == [{"role": "assistant", "content": pair.answer}]
    assert row["rejected"] == [{"role": "assistant", "content": first.answer}]
    assert (row["license"], row["validated_at"]) == ("CC-BY-4.0", pair.validated_at)


def test_a_rejected_revision_corrected_then_validated_gives_a_correction_row() -> None:
    pair = correction_history()
    first = Revision.objects.get(pair=pair, number=1)

    [row] = preference_rows(make_release())

    assert (row["source"], row["chosen"][0]["content"], row["rejected"][0]["content"]) == (
        "correction",
        pair.answer,
        first.answer,
    )


def test_a_validated_pair_sent_back_then_validated_again_gives_a_correction_row() -> None:
    pair = validated_pair()
    old_answer = pair.answer
    pair = approve(send_back(pair))

    [row] = preference_rows(make_release())

    assert (row["source"], row["rejected"][0]["content"], row["chosen"][0]["content"]) == (
        "correction",
        old_answer,
        pair.answer,
    )


def test_the_chosen_side_is_never_a_revision_still_in_review() -> None:
    suggested = suggested_edit_history()
    validated_answer = suggested.answer
    # A second correction, different from the accepted suggestion (a revision that changes nothing is
    # refused).
    send_back(suggested, answer=validated_answer + " Et voici une précision supplémentaire.")
    send_back(validated_pair())

    rows = preference_rows(make_release())

    assert [(row["pair_id"], row["chosen"][0]["content"]) for row in rows] == [
        (str(suggested.pk), validated_answer)
    ]


def test_an_authors_own_edit_of_a_pending_pair_gives_no_row() -> None:
    pair = submitted_pair()
    pair = submit_pair(author=pair.author, pair=pair, data=pair_text() | {"question": pair.question})
    approve(pair)

    assert preference_rows(make_release()) == []


def test_a_context_is_part_of_the_prompt() -> None:
    pair = approve(send_back(validated_pair(context="Le texte de loi dit que chaque citoyen peut voter.")))

    [row] = preference_rows(make_release())

    assert row["prompt"] == [
        {"role": "user", "content": f"Contexte :\n{pair.context}\n\nQuestion :\n{pair.question}"}
    ]


def test_a_rejected_answer_with_personal_data_is_held_back_and_listed() -> None:
    pair = correction_history()
    Revision.objects.filter(pair=pair, number=1).update(
        answer="Écrivez-moi à jean.dupont@example.org pour avoir la réponse complète."
    )
    suggested_edit_history()

    release = make_release()

    assert [row["source"] for row in preference_rows(release)] == ["suggested_edit"]
    assert release_json(release)["held_back"] == [
        {"id": f"{pair.pk}-r2-r1", "config": "preferences", "reason": "personal_data"}
    ]


def test_preference_rows_follow_the_split_of_their_pair(settings: Settings) -> None:
    settings.RELEASE_TEST_SHARE = 0.5
    # Pair ids are random: add pairs until both splits have one (six were not always enough: 1 run in 32).
    splits = set()
    while splits != {"train", "test"}:
        splits.add(split_for(str(suggested_edit_history().pk), test_share=0.5))

    release = make_release()

    split_of_pair = {}
    for file in release.files:
        name = Path(file["path"]).name
        if name.endswith(".parquet"):
            split = name.removeprefix("preferences-").split("-")[0]
            for row in pq.read_table(release.directory / file["path"]).to_pylist():
                assert split_of_pair.setdefault(row.get("pair_id", row["id"]), split) == split
    assert set(split_of_pair.values()) == {"train", "test"}
    assert all(split == split_for(pair_id, test_share=0.5) for pair_id, split in split_of_pair.items())


def test_the_preferences_configuration_loads_with_datasets_and_is_declared_in_the_card(
    load: Callable[..., datasets.DatasetDict],
) -> None:
    suggested_edit_history()
    correction_history()
    make_pair(status=Status.VALIDATED)

    release = make_release()
    preferences = load(release.directory, "preferences")
    default = load(release.directory)

    assert sum(split.num_rows for split in preferences.values()) == 2
    assert all(split.column_names == PREFERENCE_SCHEMA.names for split in preferences.values())
    assert sum(split.num_rows for split in default.values()) == 3
    card = (release.directory / "README.md").read_text(encoding="utf-8")
    assert "config_name: preferences" in card
    assert "data/preferences-train-*.parquet" in card
    assert "| `rejected` |" in card


def test_preference_rows_are_in_trls_conversational_preference_format(
    load: Callable[..., datasets.DatasetDict],
) -> None:
    """TRL's DPOTrainer reads `prompt`, `chosen` and `rejected`, each a list of {"role", "content"}
    messages, the prompt ending on a user turn and both completions being assistant turns
    (huggingface.co/docs/trl/dataset_formats, "Preference", conversational). TRL itself needs torch,
    which is not installed here: the format is checked as its documentation states it."""
    suggested_edit_history()
    correction_history()

    split = next(iter(load(make_release().directory, "preferences").values()))
    trl_style = split.select_columns(["prompt", "chosen", "rejected"])

    assert trl_style.features == datasets.Features(
        {
            name: datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})
            for name in ("prompt", "chosen", "rejected")
        }
    )
    for example in trl_style:
        assert [message["role"] for message in example["prompt"]] == ["user"]
        assert [message["role"] for message in example["chosen"]] == ["assistant"]
        assert [message["role"] for message in example["rejected"]] == ["assistant"]
        assert example["chosen"][0]["content"] != example["rejected"][0]["content"]


def test_the_demo_data_gives_preference_rows_of_each_source() -> None:
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    release = make_release()

    sources = Counter(row["source"] for row in preference_rows(release))
    assert sources["suggested_edit"] >= 2
    assert sources["correction"] >= 2
    assert release_json(release)["counts"]["preferences"]["sources"] == dict(sorted(sources.items()))


def test_a_pair_without_history_gives_no_preference_files() -> None:
    make_pair(status=Status.VALIDATED)

    release = make_release()

    assert not [file for file in release.files if file["path"].startswith("data/preferences-")]
    assert "config_name: preferences" not in (release.directory / "README.md").read_text(encoding="utf-8")
    assert Pair.objects.count() == 1


def test_the_next_release_compares_pairs_only_not_preference_rows() -> None:
    correction_history()
    suggested_edit_history()
    make_release()
    new = make_pair(status=Status.VALIDATED)

    release = make_release()

    assert (release_json(release)["added"], release_json(release)["removed"]) == ([str(new.pk)], [])


def test_preference_rows_are_read_in_batches_without_losing_any(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export.preferences, "_PREFERENCE_BATCH", 2)
    pairs = [suggested_edit_history() for _ in range(3)] + [correction_history() for _ in range(2)]

    rows = preference_rows(make_release())

    assert sorted(row["pair_id"] for row in rows) == sorted(str(pair.pk) for pair in pairs)


def test_the_preference_row_of_a_pair_held_back_for_personal_data_is_held_back_too() -> None:
    make_pair(status=Status.VALIDATED)
    pair = correction_history()
    Revision.objects.filter(pk=pair.published_revision_id).update(
        question="Que répondre à jean.dupont@example.org qui demande la date de la Révolution ?"
    )

    release = make_release()

    assert preference_rows(release) == []
    assert release_json(release)["held_back"] == [
        {"id": str(pair.pk), "config": "default", "reason": "personal_data"},
        {"id": f"{pair.pk}-r2-r1", "config": "preferences", "reason": "personal_data"},
    ]
