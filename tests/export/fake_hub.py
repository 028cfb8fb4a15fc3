"""A fake `HfApi` shared by the tests that publish: the Hub is outside the machine, so tests stop at its
boundary (STYLE.md). `test_hub.py` also runs the real client against a local HTTP server."""

import datetime
import hashlib
import inspect
from pathlib import Path

import httpx2
from huggingface_hub import CommitInfo, CommitOperationDelete, GitCommitInfo, GitRefInfo, GitRefs, HfApi
from huggingface_hub.errors import RepositoryNotFoundError


class FakeHub:
    """A fake `HfApi`: the Hub is outside the machine, so the tests stop at its boundary.

    It records every call, checks that each call would bind to the real `HfApi` method's signature, and
    keeps just enough state (commits with their files, tags) to answer the next call as the Hub would.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.commits: dict[str, list[tuple[str, str, dict[str, bytes]]]] = {}  # repo → [(id, title, files)]
        self.tags: dict[str, dict[str, str]] = {}  # repo → {tag: commit id}
        self.fail_next_tag = False

    # State helpers for tests.
    def head(self, repo_id: str) -> tuple[str, str, dict[str, bytes]]:
        return self.commits[repo_id][0]

    def call_names(self) -> list[str]:
        return [name for name, _args, _kwargs in self.calls]

    def _record(self, name: str, *args: object, **kwargs: object) -> None:
        inspect.signature(getattr(HfApi, name)).bind(None, *args, **kwargs)
        self.calls.append((name, args, kwargs))

    def _add_commit(self, repo_id: str, title: str, files: dict[str, bytes]) -> str:
        history = self.commits.setdefault(repo_id, [])
        commit_id = hashlib.sha1(f"{repo_id}{len(history)}{title}".encode()).hexdigest()
        history.insert(0, (commit_id, title, files))
        return commit_id

    def _require_repo(self, repo_id: str) -> None:
        if repo_id not in self.commits:
            request = httpx2.Request("GET", f"https://hub.test/api/datasets/{repo_id}")
            raise RepositoryNotFoundError(
                "404 Repository Not Found", response=httpx2.Response(404, request=request)
            )

    # The HfApi methods export.hub uses.
    def list_repo_refs(self, repo_id: str, **kwargs: object) -> GitRefs:
        self._record("list_repo_refs", repo_id, **kwargs)
        self._require_repo(repo_id)
        head_id = self.head(repo_id)[0]
        return GitRefs(
            branches=[GitRefInfo(name="main", ref="refs/heads/main", target_commit=head_id)],
            converts=[],
            tags=[
                GitRefInfo(name=tag, ref=f"refs/tags/{tag}", target_commit=commit_id)
                for tag, commit_id in self.tags.get(repo_id, {}).items()
            ],
        )

    def list_repo_commits(self, repo_id: str, **kwargs: object) -> list[GitCommitInfo]:
        self._record("list_repo_commits", repo_id, **kwargs)
        self._require_repo(repo_id)
        moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        return [
            GitCommitInfo(
                commit_id=commit_id,
                authors=["moisson"],
                created_at=moment,
                title=title,
                message="",
                formatted_title=None,
                formatted_message=None,
            )
            for commit_id, title, _files in self.commits[repo_id]
        ]

    def list_repo_files(self, repo_id: str, **kwargs: object) -> list[str]:
        self._record("list_repo_files", repo_id, **kwargs)
        self._require_repo(repo_id)
        revision = kwargs.get("revision")
        for commit_id, _title, files in self.commits[repo_id]:
            if revision in (None, commit_id):
                return sorted(files)
        raise AssertionError(f"unknown revision {revision}")

    def create_repo(self, repo_id: str, **kwargs: object) -> str:
        self._record("create_repo", repo_id, **kwargs)
        if repo_id not in self.commits:
            self._add_commit(repo_id, "initial commit", {".gitattributes": b"*.parquet filter=lfs\n"})
        return f"https://huggingface.co/datasets/{repo_id}"

    def create_commit(self, repo_id: str, operations: list, **kwargs: object) -> CommitInfo:
        self._record("create_commit", repo_id, operations, **kwargs)
        self._require_repo(repo_id)
        head_id, _title, files = self.head(repo_id)
        parent_commit = kwargs.get("parent_commit")
        if parent_commit is not None and parent_commit != head_id:
            raise AssertionError("412 parent commit is not the head of main")
        files = dict(files)
        for operation in operations:
            if isinstance(operation, CommitOperationDelete):
                del files[operation.path_in_repo]
            else:
                files[operation.path_in_repo] = Path(operation.path_or_fileobj).read_bytes()
        commit_id = self._add_commit(repo_id, str(kwargs["commit_message"]), files)
        url = f"https://huggingface.co/datasets/{repo_id}/commit/{commit_id}"
        return CommitInfo(
            commit_url=url, commit_message=str(kwargs["commit_message"]), commit_description="", oid=commit_id
        )

    def create_tag(self, repo_id: str, **kwargs: object) -> None:
        self._record("create_tag", repo_id, **kwargs)
        if self.fail_next_tag:
            self.fail_next_tag = False
            raise ConnectionError("the network went away between the commit and the tag")
        tags = self.tags.setdefault(repo_id, {})
        assert kwargs["tag"] not in tags
        tags[str(kwargs["tag"])] = str(kwargs["revision"])
