"""Rows in, files out: the data files of a release (SPEC.md §6, "Layout", "Row" and the build rules).

The release directory this module fills looks like::

    data/train-00000-of-00002.parquet
    data/train-00001-of-00002.parquet
    data/test-00000-of-00001.parquet
    data/preferences-train-00000-of-00001.parquet
    release.json

It knows nothing of Django: the caller hands it plain dicts, in a deterministic order (e.g. by id), and
gets back the files it wrote with their size, SHA-256 and row count.

Promises kept here:
- a pair's split depends on its id alone (`split_for`), so a test pair never moves into train;
- the same rows in the same order give byte-identical files with the same pyarrow version (fixed writer
  options, no timestamps in the metadata);
- memory stays flat: at most `batch_rows` rows per split are held at once;
- a split with no rows gets no file at all, because `datasets.load_dataset` (5.x) fails on an empty
  Parquet split ("BatchSize must be greater than 0" or "corresponds to no data"); the dataset card
  must then leave that split out of `configs` (see `export.card`).
"""

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SPLITS = ("train", "test")
DATA_DIR = "data"

MESSAGE_TYPE = pa.struct([pa.field("role", pa.string()), pa.field("content", pa.string())])

ROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("context", pa.string(), nullable=False),
        pa.field("answer", pa.string(), nullable=False),
        pa.field("messages", pa.list_(MESSAGE_TYPE), nullable=False),
        pa.field("task_type", pa.string(), nullable=False),
        pa.field("domain", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=True),
        pa.field("license", pa.string(), nullable=False),
        pa.field("author", pa.string(), nullable=True),
        pa.field("created_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("validated_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("revision", pa.int32(), nullable=False),
        pa.field("review_count", pa.int32(), nullable=False),
        pa.field("approvals", pa.int32(), nullable=False),
        pa.field("correctness_mean", pa.float32(), nullable=True),
        pa.field("fluency_mean", pa.float32(), nullable=True),
        pa.field("final_answer", pa.string(), nullable=True),
        pa.field("final_answer_checked", pa.bool_(), nullable=False),
        pa.field("source", pa.string(), nullable=True),
        pa.field("source_id", pa.string(), nullable=True),
    ]
)

# The keys a caller's row dict must carry: the writer builds `messages` itself.
INPUT_COLUMNS = tuple(name for name in ROW_SCHEMA.names if name != "messages")
_TIMESTAMP_COLUMNS = ("created_at", "validated_at")
# Empty strings and None mean the same thing for these columns; the file says null.
_OPTIONAL_TEXT_COLUMNS = ("level", "author", "final_answer", "source", "source_id")
# Columns a caller may leave out of its row dicts: most pairs have no final answer and no source.
_DEFAULTS = {"final_answer": None, "final_answer_checked": False, "source": None, "source_id": None}

# The `preferences` configuration (SPEC.md §6): TRL's "conversational" preference format, i.e. a prompt
# made of the user turn and two assistant turns, the validated one chosen over an earlier one.
PREFERENCE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("pair_id", pa.string(), nullable=False),
        pa.field("prompt", pa.list_(MESSAGE_TYPE), nullable=False),
        pa.field("chosen", pa.list_(MESSAGE_TYPE), nullable=False),
        pa.field("rejected", pa.list_(MESSAGE_TYPE), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("license", pa.string(), nullable=False),
        pa.field("validated_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
# The keys a caller's preference dict must carry: the writer builds the three message lists itself.
PREFERENCE_INPUT_COLUMNS = (
    "id",
    "pair_id",
    "question",
    "context",
    "chosen_answer",
    "rejected_answer",
    "source",
    "license",
    "validated_at",
)

# Every option is pinned so that a pyarrow default changing under us cannot change the bytes silently.
# Content-defined chunking places page boundaries by content, so a new release that mostly repeats the
# previous one shares most of its bytes with it and the Hub's storage (Xet) deduplicates them.
PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
    "write_page_index": True,
    "data_page_version": "1.0",
    "use_content_defined_chunking": True,
}

_HASH_CHUNK = 1024 * 1024


class EmptyReleaseError(ValueError):
    """Raised when there is not a single row to write: no loadable dataset can be made of nothing."""


@dataclass
class WrittenFile:
    path: str  # relative to the release directory, posix separators
    size: int
    sha256: str
    rows: int


@dataclass
class WriteResult:
    files: list[WrittenFile]
    counts: dict[str, int]


def split_for(pair_id: str, *, test_share: float) -> str:
    """Return "train" or "test" for a pair, from its id alone, the same answer forever."""
    digest = hashlib.sha256(pair_id.encode("utf-8")).digest()
    # 8 bytes give 2**64 evenly spread buckets: far finer than any test share we would set.
    position = int.from_bytes(digest[:8], "big") / 2**64
    return "test" if position < test_share else "train"


def messages_for(*, question: str, context: str, answer: str) -> list[dict]:
    """The chat form of a pair: the context, when there is one, comes before the question in the user turn."""
    return [user_turn(question=question, context=context), {"role": "assistant", "content": answer}]


def user_turn(*, question: str, context: str) -> dict:
    has_context = bool(context and context.strip())
    user = f"Contexte :\n{context}\n\nQuestion :\n{question}" if has_context else question
    return {"role": "user", "content": user}


def preference_messages(row: dict) -> dict:
    """The prompt, chosen and rejected columns of a preference row, as TRL's DPOTrainer reads them."""
    return {
        "prompt": [user_turn(question=row["question"], context=row["context"])],
        "chosen": [{"role": "assistant", "content": row["chosen_answer"]}],
        "rejected": [{"role": "assistant", "content": row["rejected_answer"]}],
    }


def _pair_columns(row: dict) -> dict:
    values = {
        name: row[name] if name not in _DEFAULTS else row.get(name, _DEFAULTS[name]) for name in INPUT_COLUMNS
    }
    for name in _OPTIONAL_TEXT_COLUMNS:
        values[name] = values[name] or None
    _check_aware(row, _TIMESTAMP_COLUMNS)
    values["messages"] = messages_for(question=row["question"], context=row["context"], answer=row["answer"])
    return values


def _preference_columns(row: dict) -> dict:
    _check_aware(row, ("validated_at",))
    values = {name: row[name] for name in PREFERENCE_INPUT_COLUMNS if name in PREFERENCE_SCHEMA.names}
    return values | preference_messages(row)


def _check_aware(row: dict, names: tuple[str, ...]) -> None:
    for name in names:
        # pyarrow would silently read a naive datetime as UTC.
        if row[name].tzinfo is None:
            raise ValueError(f"{name} of row {row['id']} is a naive datetime")


@dataclass(frozen=True)
class DataConfig:
    """One configuration of the dataset: its schema, its file names and how a caller's row fills it."""

    name: str
    schema: pa.Schema
    file_prefix: str  # data/{file_prefix}{split}-00000-of-00001.parquet
    split_key: str  # the column whose value decides the split (always a pair id)
    columns: Callable[[dict], dict]
    # The main configuration without a row is a mistake; a release may have no preference row yet.
    may_be_empty: bool


PAIRS = DataConfig(
    name="default",
    schema=ROW_SCHEMA,
    file_prefix="",
    split_key="id",
    columns=_pair_columns,
    may_be_empty=False,
)
PREFERENCES = DataConfig(
    name="preferences",
    schema=PREFERENCE_SCHEMA,
    file_prefix="preferences-",
    split_key="pair_id",
    columns=_preference_columns,
    may_be_empty=True,
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_file(out_dir: Path, relative_path: str, *, rows: int = 0) -> WrittenFile:
    """Size and SHA-256 of a file already in the release directory (README.md, CONTRIBUTORS.md...)."""
    path = out_dir / relative_path
    return WrittenFile(path=relative_path, size=path.stat().st_size, sha256=sha256_of(path), rows=rows)


def write_release_json(out_dir: Path, meta: dict) -> WrittenFile:
    """Write `release.json`; keys keep the caller's order, dates become ISO 8601 strings."""
    text = json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    (out_dir / "release.json").write_text(text, encoding="utf-8")
    return describe_file(out_dir, "release.json")


def _json_default(value: object) -> str:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    raise TypeError(f"release.json cannot hold a {type(value).__name__}: {value!r}")


def write_data_files(
    rows: Iterable[dict],
    *,
    out_dir: Path,
    shard_rows: int,
    test_share: float,
    batch_rows: int = 5000,
    on_progress: Callable[[int], None] | None = None,
    config: DataConfig = PAIRS,
) -> WriteResult:
    """Stream `rows` into `out_dir/data/{prefix}{split}-{i:05d}-of-{n:05d}.parquet`.

    Rows are written in the order given, so the caller's order decides the bytes. A split without rows
    gets no file (see the module docstring); `counts` still reports it as 0. Raises EmptyReleaseError
    when no row at all was given (unless the configuration may be empty), and FileExistsError when
    `out_dir/data` already holds files of this configuration, rather than mixing shards of two builds.
    """
    if shard_rows < 1 or batch_rows < 1:
        raise ValueError("shard_rows and batch_rows must be positive")
    data_dir = out_dir / DATA_DIR
    ours = tuple(f"{dot}{config.file_prefix}{split}-" for dot in ("", ".") for split in SPLITS)
    if data_dir.exists() and any(path.name.startswith(ours) for path in data_dir.iterdir()):
        raise FileExistsError(f"{data_dir} already holds files of the {config.name} configuration")
    data_dir.mkdir(parents=True, exist_ok=True)

    writers = {
        split: _SplitWriter(split, data_dir, shard_rows=shard_rows, batch_rows=batch_rows, config=config)
        for split in SPLITS
    }
    written = 0
    try:
        for row in rows:
            writer = writers[split_for(row[config.split_key], test_share=test_share)]
            if writer.add(row):
                written += writer.last_flushed
                if on_progress is not None:
                    on_progress(written)
        for writer in writers.values():
            if writer.close():
                written += writer.last_flushed
                if on_progress is not None:
                    on_progress(written)
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise

    counts = {split: writer.rows for split, writer in writers.items()}
    if not any(counts.values()) and not config.may_be_empty:
        raise EmptyReleaseError("there is no row to write")
    files = [file for writer in writers.values() for file in writer.finish(out_dir)]
    return WriteResult(files=sorted(files, key=lambda file: file.path), counts=counts)


class _SplitWriter:
    """One split's shards: a column buffer, the open ParquetWriter and the shards already closed.

    Shards are written under temporary names because their final names include the number of shards,
    which is only known once every row has been seen.
    """

    def __init__(
        self, split: str, data_dir: Path, *, shard_rows: int, batch_rows: int, config: DataConfig
    ) -> None:
        self.split = split
        self.data_dir = data_dir
        self.shard_rows = shard_rows
        self.batch_rows = batch_rows
        self.config = config
        self.schema = config.schema
        self.rows = 0
        self.last_flushed = 0
        self._buffer: dict[str, list] = {name: [] for name in self.schema.names}
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_shard = 0
        self._shards: list[tuple[Path, int]] = []  # (temporary path, rows), in order

    def add(self, row: dict) -> bool:
        """Buffer one row; return True when that filled a batch and it was written out."""
        values = self.config.columns(row)
        for name in self.schema.names:
            self._buffer[name].append(values[name])
        self._buffered += 1
        # A batch never straddles two shards, so every shard holds exactly `shard_rows` rows but the last.
        if self._buffered >= min(self.batch_rows, self.shard_rows - self._rows_in_shard):
            self._flush()
            return True
        return False

    def close(self) -> bool:
        """Write what is left; return True when there was something to write."""
        flushed = False
        if self._buffered:
            self._flush()
            flushed = True
        self._close_shard()
        return flushed

    def finish(self, out_dir: Path) -> list[WrittenFile]:
        total = len(self._shards)
        files = []
        for index, (temporary, rows) in enumerate(self._shards):
            name = f"{self.config.file_prefix}{self.split}-{index:05d}-of-{total:05d}.parquet"
            final = self.data_dir / name
            temporary.rename(final)
            files.append(describe_file(out_dir, final.relative_to(out_dir).as_posix(), rows=rows))
        return files

    def discard(self) -> None:
        """Remove this split's temporary files after a failure, so no half-written shard survives."""
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._writer = None
        for temporary, _rows in self._shards:
            temporary.unlink(missing_ok=True)
        self._temporary_path(len(self._shards)).unlink(missing_ok=True)

    def _flush(self) -> None:
        table = pa.Table.from_pydict(self._buffer, schema=self.schema)
        # pyarrow accepts a None in a non-nullable field without a word; the file would then lie.
        for field, column in zip(self.schema, table.columns, strict=True):
            if not field.nullable and column.null_count:
                raise ValueError(f"{field.name} is missing in a row of the {self.split} split")
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self._temporary_path(len(self._shards)), self.schema, **PARQUET_OPTIONS
            )
        # One write per batch gives one row group per batch: row groups depend on the rows only.
        self._writer.write_table(table, row_group_size=self.batch_rows)
        self.last_flushed = self._buffered
        self.rows += self._buffered
        self._rows_in_shard += self._buffered
        self._buffer = {name: [] for name in self.schema.names}
        self._buffered = 0
        if self._rows_in_shard >= self.shard_rows:
            self._close_shard()

    def _close_shard(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        self._shards.append((self._temporary_path(len(self._shards)), self._rows_in_shard))
        self._rows_in_shard = 0

    def _temporary_path(self, index: int) -> Path:
        return self.data_dir / f".{self.config.file_prefix}{self.split}-{index:05d}.parquet.partial"
