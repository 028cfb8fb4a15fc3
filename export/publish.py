"""Publishing a built release on the Hub, through `export.hub` (the only module that talks to the Hub)."""

from django.conf import settings
from huggingface_hub import HfApi

from . import hub
from .models import Release
from .verify import ReleaseCheckFailed
from .writer import sha256_of


def hub_api() -> HfApi:
    """The Hub client, as configured; tests replace this function with a fake that records calls."""
    return hub.client(token=settings.HF_TOKEN, endpoint=settings.HF_ENDPOINT)


def hub_configured() -> bool:
    return bool(settings.HF_DATASET_REPO and settings.HF_TOKEN)


def _publish_to_hub(release: Release) -> None:
    repo_id = settings.HF_DATASET_REPO
    last_pushed = max(
        Release.objects.published().filter(hub_repo=repo_id).exclude(hub_commit=""),
        key=lambda other: other.version_key,
        default=None,
    )
    result = hub.publish(
        release.directory,
        repo_id=repo_id,
        token=settings.HF_TOKEN,
        version=release.version,
        parent_commit=last_pushed.hub_commit if last_pushed else None,
        api=hub_api(),
    )
    release.hub_repo = repo_id
    release.hub_commit = result.commit_id
    release.save(update_fields=["hub_repo", "hub_commit"])


def _check_files_on_disk(release: Release) -> None:
    if not release.files:
        raise ReleaseCheckFailed(
            f"{release.directory} exists but the release recorded no files: move it away, then start again"
        )
    for file in release.files:
        path = release.directory / file["path"]
        if not path.is_file() or path.stat().st_size != file["size"] or sha256_of(path) != file["sha256"]:
            raise ReleaseCheckFailed(f"{path} is missing or differs from the file the build recorded")
