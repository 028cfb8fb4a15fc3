import datetime
import uuid
from pathlib import Path

import pytest

from export.changes import ChangeTracker, published_ids
from export.writer import write_data_files


def pair_id(number: int) -> str:
    return str(uuid.UUID(int=number))


def make_row(number: int) -> dict:
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    return {
        "id": pair_id(number),
        "question": f"Question numéro {number} ?",
        "context": "",
        "answer": f"Réponse numéro {number}.",
        "task_type": "open_qa",
        "domain": "maths",
        "level": None,
        "license": "CC-BY-4.0",
        "author": None,
        "created_at": moment,
        "validated_at": moment,
        "revision": 1,
        "review_count": 2,
        "approvals": 2,
        "correctness_mean": None,
        "fluency_mean": None,
    }


def track(previous: list[int] | None, current: list[int]) -> ChangeTracker:
    tracker = ChangeTracker(iter([pair_id(n) for n in previous]) if previous is not None else None)
    for number in current:
        tracker.see(pair_id(number))
    tracker.finish()
    return tracker


def test_ids_only_in_the_new_release_are_added_and_ids_only_in_the_old_are_removed() -> None:
    tracker = track([1, 2, 4, 6], [2, 3, 4, 5])

    assert tracker.added == [pair_id(3), pair_id(5)]
    assert tracker.removed == [pair_id(1), pair_id(6)]


def test_first_release_compares_nothing_and_keeps_no_list() -> None:
    tracker = track(None, [1, 2, 3])

    assert not tracker.compared
    assert tracker.added == tracker.removed == []


def test_ids_out_of_order_are_refused() -> None:
    tracker = ChangeTracker(iter([]))
    tracker.see(pair_id(5))

    with pytest.raises(ValueError, match="increasing order"):
        tracker.see(pair_id(4))


def test_previous_ids_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="not sorted"):
        track([3, 1], [2])


def test_published_ids_come_back_in_order_across_splits_and_shards(tmp_path: Path) -> None:
    rows = [make_row(number) for number in range(0, 300, 3)]
    result = write_data_files(rows, out_dir=tmp_path, shard_rows=7, test_share=0.3, batch_rows=4)

    ids = list(published_ids(tmp_path, [file.path for file in result.files] + ["README.md"]))

    assert ids == [row["id"] for row in rows]
    assert len([file for file in result.files if file.path.startswith("data/test-")]) > 1
