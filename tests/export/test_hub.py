import datetime
import hashlib
import inspect
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import (
    CommitInfo,
    CommitOperationAdd,
    CommitOperationDelete,
    GitCommitInfo,
    GitRefInfo,
    GitRefs,
    HfApi,
    constants,
)
from huggingface_hub.errors import RepositoryNotFoundError

from export.hub import publish

REPO = "moisson/moisson-fr"
TOKEN = "hf_test"


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


def make_release_dir(root: Path, *, shards: int = 2) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "README.md").write_text("---\nlicense: cc-by-4.0\n---\n# Moisson\n", encoding="utf-8")
    (root / "release.json").write_text('{"version": "v1.0.0"}\n', encoding="utf-8")
    for index in range(shards):
        (root / "data" / f"train-{index:05d}-of-{shards:05d}.parquet").write_bytes(b"PAR1" + bytes([index]))
    (root / "data" / "test-00000-of-00001.parquet").write_bytes(b"PAR1test")
    return root


def test_first_publish_makes_one_commit_then_tags_it(tmp_path: Path) -> None:
    hub = FakeHub()
    directory = make_release_dir(tmp_path / "v1.0.0")

    result = publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)

    assert hub.call_names().count("create_commit") == 1
    assert hub.tags[REPO] == {"v1.0.0": result.commit_id}
    assert hub.head(REPO)[:2] == (result.commit_id, "Release v1.0.0")
    assert result.created_commit


def test_new_repository_is_created_as_a_dataset_before_the_commit(tmp_path: Path) -> None:
    hub = FakeHub()

    publish(
        make_release_dir(tmp_path), repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub
    )

    names = hub.call_names()
    assert names.index("create_repo") < names.index("create_commit")
    assert all(kwargs["repo_type"] == "dataset" for _name, _args, kwargs in hub.calls)


def test_commit_adds_every_file_of_the_directory_in_order(tmp_path: Path) -> None:
    hub = FakeHub()

    publish(
        make_release_dir(tmp_path), repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub
    )

    [operations] = [args[1] for name, args, _kwargs in hub.calls if name == "create_commit"]
    assert [operation.path_in_repo for operation in operations] == [
        "README.md",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "release.json",
    ]
    assert all(isinstance(operation, CommitOperationAdd) for operation in operations)


def test_retry_after_the_commit_but_before_the_tag_only_creates_the_tag(tmp_path: Path) -> None:
    hub = FakeHub()
    directory = make_release_dir(tmp_path)
    hub.fail_next_tag = True
    with pytest.raises(ConnectionError):
        publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)
    hub.calls.clear()

    result = publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)

    assert "create_commit" not in hub.call_names()
    assert hub.tags[REPO] == {"v1.0.0": hub.head(REPO)[0]}
    assert result.commit_id == hub.head(REPO)[0]
    assert not result.created_commit


def test_retry_when_the_tag_exists_sends_nothing(tmp_path: Path) -> None:
    hub = FakeHub()
    directory = make_release_dir(tmp_path)
    first = publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)
    hub.calls.clear()

    again = publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)

    assert hub.call_names() == ["list_repo_refs"]
    assert again.commit_id == first.commit_id
    assert not again.created_commit


def test_next_release_is_committed_on_top_of_the_previous_one(tmp_path: Path) -> None:
    hub = FakeHub()
    first = publish(
        make_release_dir(tmp_path / "v1"),
        repo_id=REPO,
        token=TOKEN,
        version="v1.0.0",
        parent_commit=None,
        api=hub,
    )

    second = publish(
        make_release_dir(tmp_path / "v2"),
        repo_id=REPO,
        token=TOKEN,
        version="v1.1.0",
        parent_commit=first.commit_id,
        api=hub,
    )

    [(_name, _args, kwargs)] = [
        call for call in hub.calls if call[0] == "create_commit" and call[2]["parent_commit"]
    ]
    assert kwargs["parent_commit"] == first.commit_id
    assert hub.tags[REPO] == {"v1.0.0": first.commit_id, "v1.1.0": second.commit_id}


def test_shards_of_the_previous_release_not_in_this_one_are_deleted(tmp_path: Path) -> None:
    hub = FakeHub()
    first = publish(
        make_release_dir(tmp_path / "v1", shards=3),
        repo_id=REPO,
        token=TOKEN,
        version="v1.0.0",
        parent_commit=None,
        api=hub,
    )

    publish(
        make_release_dir(tmp_path / "v2", shards=2),
        repo_id=REPO,
        token=TOKEN,
        version="v1.1.0",
        parent_commit=first.commit_id,
        api=hub,
    )

    assert sorted(hub.head(REPO)[2]) == [
        ".gitattributes",
        "README.md",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "release.json",
    ]


def test_hidden_files_in_the_directory_are_not_published(tmp_path: Path) -> None:
    hub = FakeHub()
    directory = make_release_dir(tmp_path)
    (directory / ".build.lock").write_text("", encoding="utf-8")

    publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)

    assert ".build.lock" not in hub.head(REPO)[2]


def test_calls_match_the_real_hfapi_signatures(tmp_path: Path) -> None:
    hub = FakeHub()
    directory = make_release_dir(tmp_path)
    hub.fail_next_tag = True
    with pytest.raises(ConnectionError):
        publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)
    first = publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)
    publish(directory, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=hub)
    publish(directory, repo_id=REPO, token=TOKEN, version="v1.1.0", parent_commit=first.commit_id, api=hub)

    # FakeHub._record binds every call to the real signature: a mismatch would have raised TypeError.
    assert set(hub.call_names()) == {
        "list_repo_refs",
        "list_repo_commits",
        "list_repo_files",
        "create_repo",
        "create_commit",
        "create_tag",
    }


class LocalHub(BaseHTTPRequestHandler):
    """A few read endpoints of the Hub and its tag endpoint, for the real `HfApi` client to talk to."""

    refs: dict = {}
    commits: list = []
    tagged: list[tuple[str, dict]] = []

    def do_GET(self) -> None:
        if self.path == f"/api/datasets/{REPO}/refs":
            self._reply(200, self.refs)
        elif self.path.startswith(f"/api/datasets/{REPO}/commits/main"):
            self._reply(200, self.commits)
        else:
            self._reply(404, {"error": "Repository not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.tagged.append((self.path, body))
        self._reply(200, {})

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HfApi]:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    LocalHub.tagged = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LocalHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HfApi(endpoint=f"http://127.0.0.1:{server.server_address[1]}", token=TOKEN)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def hub_commit(commit_id: str, title: str) -> dict:
    return {
        "id": commit_id,
        "title": title,
        "message": "",
        "authors": [{"user": "moisson"}],
        "date": "2025-03-01T10:00:00.000Z",
    }


def test_real_client_finishes_a_half_done_release_with_only_a_tag(tmp_path: Path, local_hub: HfApi) -> None:
    head = "a" * 40
    LocalHub.refs = {
        "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": head}],
        "converts": [],
        "tags": [],
    }
    LocalHub.commits = [hub_commit(head, "Release v1.0.0"), hub_commit("b" * 40, "initial commit")]

    result = publish(tmp_path, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=local_hub)

    assert result.commit_id == head
    assert LocalHub.tagged == [(f"/api/datasets/{REPO}/tag/{head}", {"tag": "v1.0.0"})]


def test_real_client_sees_an_existing_tag_and_sends_nothing(tmp_path: Path, local_hub: HfApi) -> None:
    tagged = "c" * 40
    LocalHub.refs = {
        "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": tagged}],
        "converts": [],
        "tags": [{"name": "v1.0.0", "ref": "refs/tags/v1.0.0", "targetCommit": tagged}],
    }
    LocalHub.commits = []

    result = publish(tmp_path, repo_id=REPO, token=TOKEN, version="v1.0.0", parent_commit=None, api=local_hub)

    assert result.commit_id == tagged
    assert LocalHub.tagged == []
