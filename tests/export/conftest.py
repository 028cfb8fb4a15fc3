from collections.abc import Callable
from pathlib import Path

import datasets
import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def releases_root(settings: Settings, tmp_path: Path) -> Path:
    """Every test builds into its own directory, and publishes nowhere unless it says so.

    Pages and messages are in English (the msgids), so that assertions hold whatever the catalogues say.
    """
    settings.LANGUAGE_CODE = "en"
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.HF_DATASET_REPO = ""
    settings.HF_TOKEN = ""
    return settings.RELEASES_ROOT


@pytest.fixture
def load_release(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[Path], datasets.DatasetDict]:
    """`datasets.load_dataset` on a release directory, as a researcher would, without the network."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)

    def load(path: Path) -> datasets.DatasetDict:
        return datasets.load_dataset(str(path), cache_dir=str(tmp_path / "researcher-cache"))

    return load
