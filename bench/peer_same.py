"""Moisson's side of ../shared/bench/peer_labelstudio.sh: the same figures, measured the same way.

    .venv/bin/python bench/peer_same.py N_ITEMS N_REVIEWS       (prints one JSON line, like the peer)

Seeds N pairs with bench/seed.py --peer-sizes (questions of at least 300 characters and answers of at least
800, no context: the sizes of the peer's items; it times itself: "seed_s", by COPY, not a product feature:
the import is timed by bench/import_pairs.py --peer-sizes), starts the production server (one worker, no
in-flight limit), then as one client over HTTP, like the peer's script: 200 "next item" (GET
/api/v1/review/next/), 200 list pages of 30 (following the cursor, back to the first page every 50 pages),
N_REVIEWS votes (each after asking for the next pair; only the vote is timed), and the export: a whole
release build (`release --sync`) of the validated pairs, in its own process.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import BASE_DIR, DEFAULT_URL, free_port, percentile, start_server, stop_server  # noqa: E402


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[float, dict]:
    request = urllib.request.Request(
        path if path.startswith("http") else base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = response.read()
    return time.perf_counter() - started, json.loads(payload) if payload else {}


def main() -> None:
    count, reviews = int(sys.argv[1]), int(sys.argv[2])
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = os.environ | {"DATABASE_URL": url}
    seeded = subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "seed.py"), str(count), "--peer-sizes"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows: dict[str, float] = {"seed_s": json.loads(seeded.stdout.strip().splitlines()[-1])["seconds"]}
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    accounts = json.loads((var_dir / "bench-sessions.json").read_text())["accounts"]
    tokens = [account["token"] for account in accounts.values()]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, url=url, env_extra={"WEB_WORKERS": "1", "MOISSON_MAX_IN_FLIGHT": "0"})
    try:
        durations = [call(base, tokens[0], "GET", "/api/v1/review/next/")[0] for _ in range(200)]
        rows["next_p50_ms"], rows["next_p95_ms"] = percentile(durations, 0.5), percentile(durations, 0.95)

        durations, page = [], "/api/v1/pairs/?page_size=30"
        for number in range(200):
            duration, body = call(base, tokens[0], "GET", page)
            durations.append(duration)
            page = body["next"] if body.get("next") and number % 50 != 49 else "/api/v1/pairs/?page_size=30"
        rows["list_p50_ms"], rows["list_p95_ms"] = percentile(durations, 0.5), percentile(durations, 0.95)

        durations = []
        for number in range(reviews):
            # Votes are rationed per person: spread them over the volunteers, as real ones would be.
            token = tokens[number % len(tokens)]
            _duration, item = call(base, token, "GET", "/api/v1/review/next/")
            if not item.get("id"):
                continue
            vote = {"pair": item["id"], "revision": item["revision"], "verdict": "approve"}
            duration, _body = call(
                base, token, "POST", "/api/v1/reviews/", vote | {"correctness": 4, "fluency": 5}
            )
            durations.append(duration)
        rows["review_p50_ms"], rows["review_p95_ms"] = percentile(durations, 0.5), percentile(durations, 0.95)
    finally:
        stop_server(server)

    releases = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench-releases"
    shutil.rmtree(releases, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "release", "--sync"],
        env=env | {"RELEASES_ROOT": str(releases), "HF_DATASET_REPO": ""},
        check=True,
        capture_output=True,
    )
    rows["export_all_s"] = time.perf_counter() - started
    rows["export_MB"] = sum(path.stat().st_size for path in releases.rglob("*") if path.is_file()) / 1e6
    print(
        json.dumps({"items": count, "reviews": len(durations), **{k: round(v, 2) for k, v in rows.items()}})
    )


if __name__ == "__main__":
    main()
