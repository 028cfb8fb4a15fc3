"""The check of a written release: load it back as a researcher would, and compare with what was written."""

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .writer import (
    PREFERENCE_SCHEMA,
    PREFERENCES,
    ROW_SCHEMA,
)


class ReleaseCheckFailed(Exception):
    """The files written do not match the database: they are not published."""


def _verify(
    directory: Path,
    split_counts: dict[str, int],
    *,
    preference_split_counts: dict[str, int] | None = None,
    cache_dir: Path,
) -> None:
    """Load the release as a researcher would, both configurations, and check it holds what was written."""
    checks = [(None, split_counts, ROW_SCHEMA.names)]
    if preference_split_counts and any(preference_split_counts.values()):
        checks.append((PREFERENCES.name, preference_split_counts, PREFERENCE_SCHEMA.names))
    for config_name, counts, expected_columns in checks:
        loaded, columns = _load_counts(directory, config_name, cache_dir=cache_dir)
        expected = {split: count for split, count in counts.items() if count}
        label = config_name or "default"
        if loaded != expected:
            raise ReleaseCheckFailed(
                f"datasets.load_dataset found {loaded} rows in the {label} configuration, "
                f"the build wrote {expected}"
            )
        for split, names in columns.items():
            if names != expected_columns:
                raise ReleaseCheckFailed(
                    f"the {split} split of the {label} configuration has columns {names}, "
                    f"not {expected_columns}"
                )


def _load_counts(
    directory: Path, config_name: str | None, *, cache_dir: Path
) -> tuple[dict[str, int], dict[str, list[str]]]:
    # Imported here: `datasets` is heavy, and only the builder needs it.
    import datasets
    import pyarrow.dataset

    progress_bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # one bar per split in the worker's log says nothing useful
    try:
        with _offline_datasets():
            dataset = datasets.load_dataset(
                str(directory),
                config_name,
                cache_dir=str(cache_dir),
                # Pre-buffering keeps every column chunk of a shard it read until the shard ends: with
                # 250,000-row shards that alone is hundreds of MB. Reading without it gives the same rows.
                fragment_scan_options=pyarrow.dataset.ParquetFragmentScanOptions(pre_buffer=False),
            )
    finally:
        if progress_bars:
            datasets.enable_progress_bars()
    try:
        return (
            {split: dataset[split].num_rows for split in dataset},
            {split: dataset[split].column_names for split in dataset},
        )
    finally:
        del dataset


@contextlib.contextmanager
def _offline_datasets() -> Iterator[None]:
    """`datasets` must read the local directory only: never ask the Hub for anything while checking.

    Both libraries read these switches at import time into module constants, which are set here for the
    duration of the check and put back after, so that publishing to the Hub still works.
    """
    import datasets
    from huggingface_hub import constants

    saved_env = {name: os.environ.get(name) for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")}
    saved = (datasets.config.HF_DATASETS_OFFLINE, datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE)
    os.environ.update({name: "1" for name in saved_env})
    datasets.config.HF_DATASETS_OFFLINE = datasets.config.HF_HUB_OFFLINE = constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_DATASETS_OFFLINE, datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE = saved
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
