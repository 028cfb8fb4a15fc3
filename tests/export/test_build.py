import datetime
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

import export.build
import export.locks
import export.publish
import export.rows
import export.verify
from collect.models import Pair, RemovalReason, Status
from export import writer
from export.models import Release, ReleaseState
from export.services import build_release, start_release
from export.writer import ROW_SCHEMA
from tests.export.fake_hub import FakeHub
from tests.factories import (
    correction_history,
    make_pair,
    make_release,
    make_user,
    make_validated_pairs,
    suggested_edit_history,
)

pytestmark = pytest.mark.django_db

REPO = "moisson/moisson-fr"


def read_rows(release: Release) -> list[dict]:
    rows = []
    for file in release.files:
        if file["path"].endswith(".parquet"):
            rows += pq.read_table(release.directory / file["path"]).to_pylist()
    return rows


def release_json(release: Release) -> dict:
    return json.loads((release.directory / "release.json").read_text(encoding="utf-8"))


def data_hashes(release: Release) -> dict[str, str]:
    return {file["path"]: file["sha256"] for file in release.files if file["path"].startswith("data/")}


def use_fake_hub(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    hub = FakeHub()
    settings.HF_DATASET_REPO = REPO
    settings.HF_TOKEN = "hf_test"
    monkeypatch.setattr(export.publish, "hub_api", lambda: hub)
    return hub


def test_a_release_is_published_with_its_files_in_place(releases_root: Path) -> None:
    make_validated_pairs(12)

    release = make_release()

    assert release.state == ReleaseState.PUBLISHED
    assert release.directory == releases_root / "v1.0.0"
    assert sorted(path.name for path in release.directory.iterdir()) == [
        "CONTRIBUTORS.md",
        "README.md",
        "data",
        "release.json",
    ]


def test_release_files_load_with_datasets(load_release: Callable[[Path], datasets.DatasetDict]) -> None:
    make_validated_pairs(40)

    release = make_release()
    dataset = load_release(release.directory)

    assert {split: dataset[split].num_rows for split in dataset} == {
        split: count for split, count in release.split_counts.items() if count
    }
    assert release.total == 40


def test_data_files_have_the_columns_and_types_of_the_spec() -> None:
    make_validated_pairs(5)

    release = make_release()

    paths = [file["path"] for file in release.files if file["path"].endswith(".parquet")]
    assert all(pq.read_schema(release.directory / path).equals(ROW_SCHEMA) for path in paths)


def test_a_row_carries_the_pair_in_chat_form_with_utc_dates() -> None:
    author = make_user(pseudonym="Camille", attribution_opt_in=True)
    [pair] = make_validated_pairs(
        1,
        author=author,
        context="Marie Curie est née à Varsovie.",
        level="lycee",
        approvals=3,
        review_count=3,
    )
    pair.correctness_mean = 4.5
    pair.save(update_fields=["correctness_mean"])

    [row] = read_rows(make_release())

    assert row["id"] == str(pair.pk)
    assert row["messages"] == [
        {"role": "user", "content": f"Contexte :\n{pair.context}\n\nQuestion :\n{pair.question}"},
        {"role": "assistant", "content": pair.answer},
    ]
    assert row["author"] == "Camille"
    assert (row["level"], row["license"], row["revision"], row["approvals"]) == ("lycee", "CC-BY-4.0", 1, 3)
    assert row["correctness_mean"] == 4.5
    assert row["fluency_mean"] is None
    assert row["validated_at"] == pair.validated_at
    assert row["created_at"].utcoffset() == datetime.timedelta(0)


def test_author_is_named_only_when_they_opted_in() -> None:
    make_validated_pairs(1, author=make_user(pseudonym="Discret", attribution_opt_in=False))
    make_validated_pairs(1, author=make_user(pseudonym="Visible", attribution_opt_in=True))

    release = make_release()

    assert sorted(str(row["author"]) for row in read_rows(release)) == ["None", "Visible"]
    contributors = (release.directory / "CONTRIBUTORS.md").read_text(encoding="utf-8")
    assert "| Visible | 1 |" in contributors
    assert "Discret" not in contributors


def test_no_email_address_leaves_the_database() -> None:
    make_validated_pairs(
        3, author=make_user(email="secret@example.org", pseudonym="Lou", attribution_opt_in=True)
    )

    release = make_release()

    for path in release.directory.rglob("*"):
        if path.is_file():
            assert b"secret@example.org" not in path.read_bytes()
    assert all("secret" not in json.dumps(row, default=str) for row in read_rows(release))


def test_only_validated_pairs_are_published() -> None:
    validated = make_validated_pairs(2)
    for status in (Status.PENDING, Status.REJECTED, Status.DRAFT, Status.REMOVED):
        make_pair(status=status)

    release = make_release()

    assert sorted(row["id"] for row in read_rows(release)) == sorted(str(pair.pk) for pair in validated)


def test_rows_are_in_id_order_in_every_file() -> None:
    make_validated_pairs(30)

    release = make_release()

    for file in release.files:
        if file["path"].endswith(".parquet"):
            ids = pq.read_table(release.directory / file["path"], columns=["id"]).column("id").to_pylist()
            assert ids == sorted(ids)


def test_release_records_counts_per_split_task_type_domain_and_level() -> None:
    make_validated_pairs(3, task_type="code", domain="computing", level="lycee")
    make_validated_pairs(2, task_type="open_qa", domain="maths")

    release = make_release()

    assert release.total == 5
    assert release.task_type_counts == {"code": 3, "open_qa": 2}
    assert release.domain_counts == {"computing": 3, "maths": 2}
    assert release.level_counts == {"lycee": 3, "none": 2}


def test_shards_hold_at_most_release_shard_rows(settings: Settings) -> None:
    settings.RELEASE_SHARD_ROWS = 4
    settings.RELEASE_TEST_SHARE = 0
    make_validated_pairs(10)

    release = make_release()

    assert [(file["path"], file["rows"]) for file in release.files if file["path"].startswith("data/")] == [
        ("data/train-00000-of-00003.parquet", 4),
        ("data/train-00001-of-00003.parquet", 4),
        ("data/train-00002-of-00003.parquet", 2),
    ]


def test_release_json_gives_version_counts_previous_and_every_checksum() -> None:
    make_validated_pairs(6)
    first = make_release()
    make_validated_pairs(2)

    second = make_release()
    meta = release_json(second)

    assert (meta["version"], meta["previous_version"]) == ("v1.1.0", "v1.0.0")
    assert meta["counts"]["total"] == 8
    assert meta["counts"]["splits"] == second.split_counts
    assert {file["path"]: file["sha256"] for file in meta["files"]} == {
        file["path"]: file["sha256"] for file in second.files if file["path"] != "release.json"
    }
    assert second.previous == first


def test_first_release_has_no_previous_version_to_compare_with() -> None:
    make_validated_pairs(3)

    meta = release_json(make_release())

    assert (meta["previous_version"], meta["added"], meta["removed"]) == (None, None, None)


def test_pairs_added_since_the_previous_release_are_listed() -> None:
    make_validated_pairs(4)
    make_release()
    new = make_validated_pairs(2)

    release = make_release()

    assert sorted(release_json(release)["added"]) == sorted(str(pair.pk) for pair in new)
    assert (release.added_count, release.removed_count) == (2, 0)


def test_a_removed_pair_disappears_from_the_next_release_and_is_listed_with_its_reason() -> None:
    taken_down, *_others = make_validated_pairs(5)
    make_release()
    taken_down.status = Status.REMOVED
    taken_down.removal_reason = RemovalReason.TAKEDOWN
    taken_down.save(update_fields=["status", "removal_reason"])

    release = make_release()

    assert str(taken_down.pk) not in {row["id"] for row in read_rows(release)}
    assert release_json(release)["removed"] == [{"id": str(taken_down.pk), "reason": "takedown"}]
    assert release.removals_by_reason == {"takedown": 1}
    card = (release.directory / "README.md").read_text(encoding="utf-8")
    assert "Since v1.0.0: 0 pairs added, 1 removed." in card


def test_the_cards_tables_name_the_codes_in_each_sections_language() -> None:
    make_validated_pairs(3)  # open questions

    card = (make_release().directory / "README.md").read_text(encoding="utf-8")

    french, english = card.split("\n## English\n")
    assert "| `open_qa` | Question ouverte |" in french
    assert "| `open_qa` | Open question |" in english


def test_a_withdrawn_pair_is_listed_with_its_state_as_reason() -> None:
    pair, *_others = make_validated_pairs(3)
    make_release()
    Pair.objects.filter(pk=pair.pk).update(status=Status.WITHDRAWN)

    release = make_release()

    assert release_json(release)["removed"] == [{"id": str(pair.pk), "reason": "withdrawn"}]


def test_splits_are_stable_across_two_releases_with_added_pairs(settings: Settings) -> None:
    settings.RELEASE_TEST_SHARE = 0.3
    make_validated_pairs(30)
    first = make_release()
    make_validated_pairs(30)

    second = make_release()

    split_of = {}
    for release in (first, second):
        for file in release.files:
            if file["path"].startswith("data/"):
                split = Path(file["path"]).name.split("-")[0]
                ids = pq.read_table(release.directory / file["path"], columns=["id"]).column("id").to_pylist()
                for pair_id in ids:
                    assert split_of.setdefault(pair_id, split) == split
    assert second.split_counts["test"] > first.split_counts["test"] > 0


def test_rebuilding_the_same_state_gives_identical_data_files() -> None:
    make_validated_pairs(25, author=make_user(pseudonym="Noé", attribution_opt_in=True))
    for _ in range(3):
        suggested_edit_history()
        correction_history()

    first = make_release()
    second = make_release()

    assert data_hashes(first) == data_hashes(second)
    assert any(path.startswith("data/preferences-") for path in data_hashes(second))
    assert all(
        writer.sha256_of(second.directory / path) == digest for path, digest in data_hashes(second).items()
    )


def test_a_build_killed_midway_leaves_no_directory_and_a_failed_release(
    monkeypatch: pytest.MonkeyPatch, releases_root: Path
) -> None:
    make_validated_pairs(20)
    monkeypatch.setattr(export.build, "BATCH_ROWS", 3)
    calls = 0

    def dying_messages_for(**text: str) -> list[dict]:
        nonlocal calls
        calls += 1
        if calls == 12:
            raise RuntimeError("killed in the middle of the writer")
        return writer.messages_for(**text)

    monkeypatch.setattr(writer, "messages_for", dying_messages_for)

    release = make_release()

    assert release.state == ReleaseState.FAILED
    assert "killed in the middle of the writer" in release.error
    assert not release.directory.exists()
    assert [path.name for path in releases_root.iterdir() if not path.name.startswith(".lock")] == []


def test_a_failed_release_started_again_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    make_validated_pairs(3)
    monkeypatch.setattr(export.build, "_verify", _raise(export.verify.ReleaseCheckFailed("wrong counts")))
    failed = make_release()
    monkeypatch.undo()

    release = make_release(version=failed.version)

    assert (failed.state, release.state) == (ReleaseState.FAILED, ReleaseState.PUBLISHED)
    assert release.pk == failed.pk
    assert release.error == ""


def test_a_failed_verification_publishes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    make_validated_pairs(3)
    monkeypatch.setattr(
        export.build, "_verify", _raise(export.verify.ReleaseCheckFailed("3 rows, expected 4"))
    )

    release = make_release()

    assert release.state == ReleaseState.FAILED
    assert "3 rows, expected 4" in release.error
    assert not release.directory.exists()


def test_no_validated_pair_fails_with_a_clear_error() -> None:
    make_pair(status=Status.PENDING)

    release = make_release()

    assert release.state == ReleaseState.FAILED
    assert "no validated pair" in release.error


def test_a_redelivered_task_for_a_published_release_does_nothing() -> None:
    make_validated_pairs(2)
    release = make_release()
    finished_at = release.finished_at

    again = build_release(release.pk)

    assert again.state == ReleaseState.PUBLISHED
    assert again.finished_at == finished_at


def test_a_release_left_building_by_a_dead_worker_is_marked_failed_not_rebuilt(releases_root: Path) -> None:
    make_validated_pairs(2)
    release = start_release(by=None, enqueue=False)
    Release.objects.filter(pk=release.pk).update(state=ReleaseState.BUILDING)
    leftover = releases_root / f".tmp-{release.version}-dead"
    (leftover / "release" / "data").mkdir(parents=True)

    again = build_release(release.pk)

    assert again.state == ReleaseState.FAILED
    assert again.error == export.locks.INTERRUPTED
    assert not leftover.exists()
    assert not again.directory.exists()


def test_a_release_whose_lock_is_held_is_left_to_its_builder() -> None:
    make_validated_pairs(2)
    release = start_release(by=None, enqueue=False)

    with export.locks._build_lock(release.version) as locked:
        again = build_release(release.pk)

    assert locked
    assert again.state == ReleaseState.QUEUED


def test_starting_again_a_release_left_building_by_a_dead_worker_queues_it_anew() -> None:
    make_validated_pairs(2)
    stuck = start_release(by=None, enqueue=False)
    Release.objects.filter(pk=stuck.pk).update(state=ReleaseState.BUILDING)

    release = start_release(by=None, version=stuck.version, enqueue=False)

    assert release.pk == stuck.pk
    assert release.state == ReleaseState.QUEUED
    assert build_release(release.pk).state == ReleaseState.PUBLISHED


def test_a_release_is_pushed_to_the_hub_as_one_commit_and_tagged(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = use_fake_hub(settings, monkeypatch)
    make_validated_pairs(4)

    release = make_release()

    commit_id, title, files = hub.head(REPO)
    assert hub.call_names().count("create_commit") == 1
    assert hub.tags[REPO] == {"v1.0.0": commit_id}
    assert (release.hub_repo, release.hub_commit, title) == (REPO, commit_id, "Release v1.0.0")
    assert set(files) == {".gitattributes"} | {file["path"] for file in release.files}


def test_the_next_release_is_committed_on_top_of_the_last_known_head(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = use_fake_hub(settings, monkeypatch)
    make_validated_pairs(2)
    first = make_release()
    make_validated_pairs(1)

    make_release()

    [(_name, _args, kwargs)] = [
        call for call in hub.calls if call[0] == "create_commit" and call[2]["parent_commit"]
    ]
    assert kwargs["parent_commit"] == first.hub_commit


def test_a_retry_after_a_crash_between_commit_and_tag_only_tags(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = use_fake_hub(settings, monkeypatch)
    make_validated_pairs(3)
    hub.fail_next_tag = True
    failed = make_release()
    make_validated_pairs(2)  # the database moves on; the files already pushed are what gets tagged
    hub.calls.clear()

    release = make_release(version=failed.version)

    assert failed.state == ReleaseState.FAILED
    assert release.state == ReleaseState.PUBLISHED
    assert "create_commit" not in hub.call_names()
    assert hub.tags[REPO] == {"v1.0.0": hub.head(REPO)[0]}
    assert release.total == 3


def test_without_hub_settings_a_release_stays_local(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export.publish, "hub_api", _raise(AssertionError("the Hub must not be called")))
    make_validated_pairs(2)

    release = make_release()

    assert release.state == ReleaseState.PUBLISHED
    assert (release.hub_repo, release.hub_commit) == ("", "")


def test_missing_files_of_the_previous_release_fail_the_build_loudly() -> None:
    make_validated_pairs(2)
    first = make_release()
    shutil.rmtree(first.directory)

    release = make_release()

    assert release.state == ReleaseState.FAILED
    assert "previous release v1.0.0" in release.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_snapshot_ignores_pairs_validated_while_the_build_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("REPEATABLE READ snapshots are PostgreSQL's; SQLite locks writers out instead")
    make_validated_pairs(3)
    late = make_pair(status=Status.PENDING)
    original_rows = export.build._rows

    def rows_after_a_concurrent_validation(*args: object) -> Iterator[dict]:
        # Another connection validates a pair after the snapshot's first query (the count).
        thread = threading.Thread(target=_validate_in_another_connection, args=[late.pk])
        thread.start()
        thread.join()
        yield from original_rows(*args)

    monkeypatch.setattr(export.build, "_rows", rows_after_a_concurrent_validation)

    with CaptureQueriesContext(connection) as queries:
        release = make_release()

    assert release.state == ReleaseState.PUBLISHED
    assert release.total == 3
    assert any("REPEATABLE READ" in query["sql"] for query in queries.captured_queries)


def _validate_in_another_connection(pair_id: object) -> None:
    try:
        Pair.objects.filter(pk=pair_id).update(
            status=Status.VALIDATED,
            validated_at=timezone.now(),
            published_revision=F("current_revision"),
            published_at=timezone.now(),
        )
    finally:
        connection.close()


def _raise(error: Exception) -> Callable[..., None]:
    def raiser(*args: object, **kwargs: object) -> None:
        raise error

    return raiser


@pytest.mark.postgres
def test_the_binary_cursor_reads_what_the_orm_reads() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the binary server-side cursor is the PostgreSQL path; SQLite uses iterator()")
    make_validated_pairs(3, author=make_user(pseudonym="Zoé", attribution_opt_in=True), level="lycee")
    make_validated_pairs(2, context="Un contexte.")
    orm = list(export.rows.published_pairs().order_by("id").values_list(*export.rows._PAIR_COLUMNS))

    with transaction.atomic():
        fast = list(export.rows._published_pair_values())

    assert fast == orm
