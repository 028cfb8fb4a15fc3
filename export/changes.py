"""What changed since the previous release: ids in, ids added and removed out (SPEC.md §6, `release.json`
"ids added and removed since the previous release", and §5: a removed pair is dropped and the changelog
says so).

Both sides are streams sorted by id, so the comparison is a merge that holds one id of each side at a
time, plus the ids that did change: memory follows the size of the change, not the size of the dataset.
- The previous release's ids are read back from its Parquet files, column `id` only, batch by batch.
  The writer keeps the input order inside each split, and the build feeds it pairs by id, so each
  split's shards taken in order are sorted; the two splits are merged.
- The current ids come from the database in id order. PostgreSQL orders `uuid` bytewise and SQLite
  stores the hex string: both agree with the order of the canonical text form compared here.
"""

import heapq
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow.parquet as pq

from .writer import SPLITS

_ID_BATCH_ROWS = 20_000


def published_ids(directory: Path, paths: Iterable[str]) -> Iterator[str]:
    """Every pair id of a release, in order, from its data files (`paths` relative to `directory`).

    Only the main configuration's files (`data/train-*`, `data/test-*`) list pairs: the `preferences`
    configuration's files (`data/preferences-*`) hold other rows.
    """
    by_split: dict[str, list[str]] = {}
    for path in sorted(paths):
        name = Path(path).name
        split = name.split("-", 1)[0]
        if path.startswith("data/") and name.endswith(".parquet") and split in SPLITS:
            by_split.setdefault(split, []).append(path)
    return heapq.merge(*(_ids_of(directory, shards) for _split, shards in sorted(by_split.items())))


def _ids_of(directory: Path, shards: list[str]) -> Iterator[str]:
    for shard in shards:
        parquet = pq.ParquetFile(directory / shard)
        try:
            for batch in parquet.iter_batches(columns=["id"], batch_size=_ID_BATCH_ROWS):
                yield from batch.column(0).to_pylist()
        finally:
            parquet.close()


class ChangeTracker:
    """Compare the ids of this release, seen one by one in order, with the previous release's ids.

    With `previous_ids=None` (the first release) nothing is compared and no list is kept: every row is
    new, and listing a whole dataset's ids again would make memory grow with it.
    """

    def __init__(self, previous_ids: Iterator[str] | None) -> None:
        self.compared = previous_ids is not None
        self.added: list[str] = []
        self.removed: list[str] = []
        self._previous = previous_ids
        self._last_seen = ""
        self._last_previous = ""
        self._next_previous = self._advance()

    def see(self, pair_id: str) -> None:
        if pair_id <= self._last_seen:
            raise ValueError(f"ids must come in increasing order: {pair_id} after {self._last_seen}")
        self._last_seen = pair_id
        if not self.compared:
            return
        while self._next_previous is not None and self._next_previous < pair_id:
            self.removed.append(self._next_previous)
            self._next_previous = self._advance()
        if self._next_previous == pair_id:
            self._next_previous = self._advance()
        else:
            self.added.append(pair_id)

    def finish(self) -> None:
        """Call once every current id was seen: the previous ids left over were removed."""
        while self._next_previous is not None:
            self.removed.append(self._next_previous)
            self._next_previous = self._advance()

    def _advance(self) -> str | None:
        if self._previous is None:
            return None
        pair_id = next(self._previous, None)
        if pair_id is not None:
            # A shard out of order would silently turn into a wrong changelog: refuse it.
            if pair_id <= self._last_previous:
                raise ValueError(f"the previous release's ids are not sorted at {pair_id}")
            self._last_previous = pair_id
        return pair_id
