"""The only place that talks to the Hugging Face Hub (SPEC.md §6: "publishing to the Hub is one atomic
commit plus a tag named after the version").

`publish` is safe to call again after any failure, which is what a retried Celery task does:
- the tag already exists → the release is on the Hub; nothing is sent;
- the head commit is this release's commit but the tag is missing (the previous attempt died between
  the two calls) → only the tag is created;
- otherwise → one commit that makes the repository hold exactly the release directory (new files added,
  files of the previous release that are not in this one deleted, so the `data/*-*.parquet` globs never
  mix two releases' shards), then the tag.
`parent_commit` makes the Hub refuse the commit if someone else pushed since the caller last looked.
"""

from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, GitCommitInfo, HfApi
from huggingface_hub.errors import RepositoryNotFoundError

REPO_TYPE = "dataset"
# Created by the Hub with every repository; it holds the LFS rules, so it is never deleted.
_HUB_OWNED_FILES = {".gitattributes"}


@dataclass(frozen=True)
class PublishResult:
    commit_id: str
    tag: str
    created_commit: bool


def release_commit_title(version: str) -> str:
    return f"Release {version}"


def client(*, token: str, endpoint: str = "") -> HfApi:
    """The Hub client: `endpoint` is a mirror or a private Hub (`HF_ENDPOINT`), the public Hub when empty."""
    return HfApi(endpoint=endpoint or None, token=token)


def publish(
    directory: Path,
    *,
    api: HfApi,
    repo_id: str,
    token: str,
    version: str,
    parent_commit: str | None,
) -> PublishResult:
    """Push `directory` as release `version` of `repo_id` through `api` (see `client`) and tag it; return
    the tagged commit."""

    repo_exists = True
    try:
        refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE, token=token)
    except RepositoryNotFoundError:
        repo_exists = False
    else:
        for tag in refs.tags:
            if tag.name == version:
                return PublishResult(commit_id=tag.target_commit, tag=version, created_commit=False)
        head = _head_commit(api, repo_id=repo_id, token=token)
        if head is not None and head.title == release_commit_title(version):
            api.create_tag(repo_id, tag=version, revision=head.commit_id, repo_type=REPO_TYPE, token=token)
            return PublishResult(commit_id=head.commit_id, tag=version, created_commit=False)

    api.create_repo(repo_id, token=token, repo_type=REPO_TYPE, exist_ok=True)
    local_files = _release_files(directory)
    stale_files = []
    if repo_exists:
        remote_files = api.list_repo_files(repo_id, revision=parent_commit, repo_type=REPO_TYPE, token=token)
        stale_files = sorted(set(remote_files) - set(local_files) - _HUB_OWNED_FILES)
    operations = [CommitOperationDelete(path_in_repo=path) for path in stale_files]
    operations += [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=directory / path) for path in local_files
    ]
    commit = api.create_commit(
        repo_id,
        operations,
        commit_message=release_commit_title(version),
        token=token,
        repo_type=REPO_TYPE,
        parent_commit=parent_commit,
    )
    api.create_tag(repo_id, tag=version, revision=commit.oid, repo_type=REPO_TYPE, token=token)
    return PublishResult(commit_id=commit.oid, tag=version, created_commit=True)


def _head_commit(api: HfApi, *, repo_id: str, token: str) -> GitCommitInfo | None:
    commits = api.list_repo_commits(repo_id, repo_type=REPO_TYPE, token=token)
    # The Hub lists the newest commit first.
    return commits[0] if commits else None


def _release_files(directory: Path) -> list[str]:
    """Every file of the release directory, as sorted posix paths relative to it.

    Hidden files (a builder's lock or temporary file) are not part of a release.
    """
    relative = (path.relative_to(directory) for path in directory.rglob("*") if path.is_file())
    return sorted(
        path.as_posix() for path in relative if not any(part.startswith(".") for part in path.parts)
    )
