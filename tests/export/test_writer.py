import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from export.card import card_configs
from export.writer import (
    PREFERENCES,
    ROW_SCHEMA,
    EmptyReleaseError,
    messages_for,
    sha256_of,
    split_for,
    write_data_files,
    write_release_json,
)

PARIS = datetime.timezone(datetime.timedelta(hours=2))


def make_row(index: int, **fields: object) -> dict:
    row = {
        "id": str(uuid.UUID(int=index)),
        "question": f"Quelle est la question numéro {index} ?",
        "context": "Un texte de contexte." if index % 2 else "",
        "answer": f"Voici une réponse assez longue pour la question {index}.",
        "task_type": "open_qa",
        "domain": "maths",
        "level": "lycee" if index % 3 else None,
        "license": "CC-BY-4.0",
        "author": "alice" if index % 4 else None,
        "created_at": datetime.datetime(2025, 1, 1, 12, 0, tzinfo=PARIS),
        "validated_at": datetime.datetime(2025, 2, 1, 12, 0, tzinfo=datetime.UTC),
        "revision": 1,
        "review_count": 3,
        "approvals": 3,
        "correctness_mean": 4.5 if index % 5 else None,
        "fluency_mean": 4.0,
    }
    row.update(fields)
    return row


def make_rows(count: int) -> Iterator[dict]:
    return (make_row(index) for index in range(count))


def write_readme(out_dir: Path, counts: dict[str, int]) -> None:
    """The smallest card `load_dataset` needs: the configs the real card carries."""
    front_matter = yaml.safe_dump({"configs": card_configs(counts)}, sort_keys=False)
    (out_dir / "README.md").write_text(f"---\n{front_matter}---\n", encoding="utf-8")


@pytest.fixture
def load_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[Path], datasets.DatasetDict]:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)

    def load(path: Path) -> datasets.DatasetDict:
        return datasets.load_dataset(str(path), cache_dir=str(tmp_path / "hf-cache"))

    return load


def test_written_release_loads_with_datasets_with_both_splits(
    tmp_path: Path, load_offline: Callable[[Path], datasets.DatasetDict]
) -> None:
    out_dir = tmp_path / "release"
    result = write_data_files(make_rows(50), out_dir=out_dir, shard_rows=1000, test_share=0.2)
    write_readme(out_dir, result.counts)

    dataset = load_offline(out_dir)

    assert set(dataset) == {"train", "test"}
    assert dataset.num_rows == result.counts
    assert result.counts["train"] + result.counts["test"] == 50
    assert result.counts["test"] > 0


def test_loaded_columns_have_the_row_schema_names_and_types(
    tmp_path: Path, load_offline: Callable[[Path], datasets.DatasetDict]
) -> None:
    out_dir = tmp_path / "release"
    result = write_data_files(make_rows(50), out_dir=out_dir, shard_rows=1000, test_share=0.2)
    write_readme(out_dir, result.counts)

    train = load_offline(out_dir)["train"]

    assert train.column_names == ROW_SCHEMA.names
    assert train.features.arrow_schema.types == ROW_SCHEMA.types


def test_loaded_rows_hold_the_values_given(
    tmp_path: Path, load_offline: Callable[[Path], datasets.DatasetDict]
) -> None:
    out_dir = tmp_path / "release"
    row = make_row(1, level="college", author="bob", correctness_mean=3.5)
    result = write_data_files([row], out_dir=out_dir, shard_rows=1000, test_share=0)
    write_readme(out_dir, result.counts)

    loaded = load_offline(out_dir)["train"][0]

    assert {key: loaded[key] for key in row if key not in ("created_at", "validated_at")} == {
        key: value for key, value in row.items() if key not in ("created_at", "validated_at")
    }
    assert loaded["created_at"] == row["created_at"]
    assert loaded["created_at"].utcoffset() == datetime.timedelta(0)


def test_empty_level_and_author_are_written_as_null(tmp_path: Path) -> None:
    write_data_files([make_row(1, level="", author="")], out_dir=tmp_path, shard_rows=10, test_share=0)

    table = pq.read_table(next((tmp_path / "data").glob("*.parquet")))

    assert table.column("level").to_pylist() == [None]
    assert table.column("author").to_pylist() == [None]


def test_small_shard_rows_give_numbered_shards_of_that_size(tmp_path: Path) -> None:
    result = write_data_files(make_rows(50), out_dir=tmp_path, shard_rows=10, test_share=0.2, batch_rows=4)

    train = [file for file in result.files if file.path.startswith("data/train-")]
    total = len(train)
    assert [file.path for file in train] == [
        f"data/train-{index:05d}-of-{total:05d}.parquet" for index in range(total)
    ]
    assert [file.rows for file in train] == [10] * (total - 1) + [result.counts["train"] - 10 * (total - 1)]
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == sorted(
        Path(file.path).name for file in result.files
    )


def test_written_files_report_their_real_size_sha256_and_rows(tmp_path: Path) -> None:
    result = write_data_files(make_rows(30), out_dir=tmp_path, shard_rows=7, test_share=0.2)

    for file in result.files:
        path = tmp_path / file.path
        assert file.size == path.stat().st_size
        assert file.sha256 == sha256_of(path)
        assert file.rows == pq.read_metadata(path).num_rows


def test_same_rows_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_data_files(make_rows(50), out_dir=tmp_path / "a", shard_rows=20, test_share=0.2)
    second = write_data_files(make_rows(50), out_dir=tmp_path / "b", shard_rows=20, test_share=0.2)

    assert first.files == second.files


def test_split_for_is_a_function_of_the_id_alone() -> None:
    # Pinned values: if these change, pairs would move between splits from one release to the next.
    assert split_for("00000000-0000-0000-0000-000000000000", test_share=0.1) == "test"
    assert split_for("00000000-0000-0000-0000-000000000001", test_share=0.1) == "train"
    assert split_for("3f2504e0-4f89-41d3-9a0c-0305e82c3301", test_share=0.05) == "train"
    assert split_for("3f2504e0-4f89-41d3-9a0c-0305e82c3301", test_share=0.1) == "test"


def test_split_for_sends_about_test_share_of_ids_to_test() -> None:
    ids = [str(uuid.UUID(int=index * 7919)) for index in range(20_000)]

    share = sum(split_for(pair_id, test_share=0.1) == "test" for pair_id in ids) / len(ids)

    assert 0.09 < share < 0.11


def test_a_test_pair_stays_in_test_when_the_share_grows() -> None:
    ids = [str(uuid.UUID(int=index)) for index in range(2000)]

    small = {pair_id for pair_id in ids if split_for(pair_id, test_share=0.05) == "test"}
    large = {pair_id for pair_id in ids if split_for(pair_id, test_share=0.10) == "test"}

    assert small <= large


def test_messages_put_the_context_before_the_question_in_the_user_turn() -> None:
    messages = messages_for(
        question="Qui est-ce ?", context="Marie Curie est née à Varsovie.", answer="Une physicienne."
    )

    assert messages == [
        {
            "role": "user",
            "content": "Contexte :\nMarie Curie est née à Varsovie.\n\nQuestion :\nQui est-ce ?",
        },
        {"role": "assistant", "content": "Une physicienne."},
    ]


def test_messages_without_context_hold_the_question_alone() -> None:
    messages = messages_for(question="Qui est-ce ?", context="  ", answer="Une physicienne.")

    assert messages[0] == {"role": "user", "content": "Qui est-ce ?"}


def test_written_messages_include_the_context(tmp_path: Path) -> None:
    write_data_files([make_row(1, context="Le texte.")], out_dir=tmp_path, shard_rows=10, test_share=0)

    table = pq.read_table(next((tmp_path / "data").glob("*.parquet")))

    assert "Le texte." in table.column("messages").to_pylist()[0][0]["content"]


def test_split_without_rows_gets_no_file_and_the_release_still_loads(
    tmp_path: Path, load_offline: Callable[[Path], datasets.DatasetDict]
) -> None:
    out_dir = tmp_path / "release"
    result = write_data_files(make_rows(20), out_dir=out_dir, shard_rows=10, test_share=0)
    write_readme(out_dir, result.counts)

    dataset = load_offline(out_dir)

    assert result.counts == {"train": 20, "test": 0}
    assert not list((out_dir / "data").glob("test-*"))
    assert set(dataset) == {"train"}


def test_no_rows_at_all_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyReleaseError):
        write_data_files([], out_dir=tmp_path, shard_rows=10, test_share=0.1)


def test_progress_is_reported_after_every_batch(tmp_path: Path) -> None:
    seen: list[int] = []

    write_data_files(
        make_rows(50), out_dir=tmp_path, shard_rows=1000, test_share=0, batch_rows=10, on_progress=seen.append
    )

    assert seen == [10, 20, 30, 40, 50]


def test_rows_are_written_while_the_input_is_still_being_read(tmp_path: Path) -> None:
    consumed = 0
    consumed_at_first_progress: list[int] = []

    def rows() -> Iterator[dict]:
        nonlocal consumed
        for index in range(1000):
            consumed += 1
            yield make_row(index)

    def on_progress(written: int) -> None:
        if not consumed_at_first_progress:
            consumed_at_first_progress.append(consumed)

    write_data_files(
        rows(), out_dir=tmp_path, shard_rows=10_000, test_share=0.1, batch_rows=50, on_progress=on_progress
    )

    # Two splits buffer at most one batch each before the first write.
    assert consumed_at_first_progress[0] <= 100


def test_naive_datetime_is_refused(tmp_path: Path) -> None:
    naive = datetime.datetime(2025, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="naive"):
        write_data_files([make_row(1, created_at=naive)], out_dir=tmp_path, shard_rows=10, test_share=0)


def test_missing_required_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="answer"):
        write_data_files([make_row(1, answer=None)], out_dir=tmp_path, shard_rows=10, test_share=0)


def test_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    def rows() -> Iterator[dict]:
        yield from make_rows(25)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_data_files(rows(), out_dir=tmp_path, shard_rows=10, test_share=0.2, batch_rows=5)

    assert list((tmp_path / "data").iterdir()) == []


def test_existing_data_files_are_never_mixed_with_new_ones(tmp_path: Path) -> None:
    write_data_files(make_rows(10), out_dir=tmp_path, shard_rows=10, test_share=0)

    with pytest.raises(FileExistsError):
        write_data_files(make_rows(10), out_dir=tmp_path, shard_rows=10, test_share=0)


def test_release_json_is_written_with_its_size_and_sha256(tmp_path: Path) -> None:
    meta = {"version": "v1.0.0", "date": datetime.date(2025, 3, 1), "counts": {"train": 1, "test": 0}}

    written = write_release_json(tmp_path, meta)

    assert json.loads((tmp_path / "release.json").read_text(encoding="utf-8"))["date"] == "2025-03-01"
    assert written.path == "release.json"
    assert written.sha256 == sha256_of(tmp_path / "release.json")
    assert written.size == (tmp_path / "release.json").stat().st_size


def make_preference(index: int) -> dict:
    return {
        "id": f"{uuid.UUID(int=index)}-r2-r1",
        "pair_id": str(uuid.UUID(int=index)),
        "question": f"Quelle est la question numéro {index} ?",
        "context": "",
        "chosen_answer": "La réponse validée, complète et juste.",
        "rejected_answer": "Une réponse incomplète.",
        "source": "correction",
        "license": "CC-BY-4.0",
        "validated_at": datetime.datetime(2025, 2, 1, 12, 0, tzinfo=datetime.UTC),
    }


def test_preferences_are_written_next_to_the_pairs_under_their_own_prefix(tmp_path: Path) -> None:
    write_data_files(make_rows(4), out_dir=tmp_path, shard_rows=10, test_share=0)

    result = write_data_files(
        (make_preference(index) for index in range(3)),
        out_dir=tmp_path,
        shard_rows=10,
        test_share=0,
        config=PREFERENCES,
    )

    assert [file.path for file in result.files] == ["data/preferences-train-00000-of-00001.parquet"]
    [row, *_rest] = pq.read_table(tmp_path / result.files[0].path).to_pylist()
    assert row["prompt"] == [{"role": "user", "content": "Quelle est la question numéro 0 ?"}]
    assert row["chosen"] == [{"role": "assistant", "content": "La réponse validée, complète et juste."}]
    assert row["rejected"] == [{"role": "assistant", "content": "Une réponse incomplète."}]


def test_no_preference_row_writes_no_file_and_is_no_error(tmp_path: Path) -> None:
    result = write_data_files(iter([]), out_dir=tmp_path, shard_rows=10, test_share=0, config=PREFERENCES)

    assert (result.files, result.counts) == ([], {"train": 0, "test": 0})


def test_preferences_are_not_written_twice_into_the_same_directory(tmp_path: Path) -> None:
    rows = [make_preference(0)]
    write_data_files(iter(rows), out_dir=tmp_path, shard_rows=10, test_share=0, config=PREFERENCES)

    with pytest.raises(FileExistsError):
        write_data_files(iter(rows), out_dir=tmp_path, shard_rows=10, test_share=0, config=PREFERENCES)
