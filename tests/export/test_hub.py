import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, HfApi, constants

import export.publish
from export.hub import publish
from tests.export.fake_hub import FakeHub

REPO = "moisson/moisson-fr"
TOKEN = "hf_test"


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


def test_the_configured_client_talks_to_hf_endpoint(tmp_path: Path, local_hub: HfApi, settings) -> None:
    """A mirror or a private Hub set in `HF_ENDPOINT` receives the push, not the public Hub."""
    settings.HF_ENDPOINT = local_hub.endpoint
    settings.HF_TOKEN = TOKEN
    tagged = "d" * 40
    LocalHub.refs = {
        "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": tagged}],
        "converts": [],
        "tags": [],
    }
    LocalHub.commits = [hub_commit(tagged, "Release v2.0.0")]

    result = publish(
        tmp_path,
        repo_id=REPO,
        token=TOKEN,
        version="v2.0.0",
        parent_commit=None,
        api=export.publish.hub_api(),
    )

    assert result.commit_id == tagged
    assert LocalHub.tagged == [(f"/api/datasets/{REPO}/tag/{tagged}", {"tag": "v2.0.0"})]
