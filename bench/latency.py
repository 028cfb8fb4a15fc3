"""Single-client latency per endpoint, and SQL queries per request, on the database bench/seed.py filled.

    .venv/bin/python bench/latency.py [--requests 100]

Starts the production server (moisson/serve.py, one worker so every request meets a warm process), then
for each endpoint sends the requests one after the other as one signed-in volunteer and prints p50, p95
and max in ms. "api list, any page" starts from a random position in the table (a cursor built on a
random id), the page a crawler deep in the list would ask for. The queries per request are counted
in-process with Django's test client on the same database.
"""

import argparse
import base64
import json
import os
import random
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import BASE_DIR, DEFAULT_URL, free_port, percentile, start_server, stop_server  # noqa: E402


def random_cursor(rng: random.Random) -> str:
    # DRF's cursor is the base64 of a query string; "p" is the position (here: an id) to continue after.
    position = uuid.UUID(int=rng.getrandbits(128), version=4)
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def endpoints(rng: random.Random, pairs: list[str]) -> dict[str, object]:
    return {
        "home": lambda: "/",
        "guide": lambda: "/guide/",
        "datasets": lambda: "/jeux-de-donnees/",
        "pair page": lambda: f"/paires/{rng.choice(pairs)}/",
        "my pairs": lambda: "/mes-paires/",
        "review page": lambda: "/relire/",
        "api list, first page": lambda: "/api/v1/pairs/",
        "api list, any page": lambda: f"/api/v1/pairs/?cursor={random_cursor(rng)}",
        "api pair": lambda: f"/api/v1/pairs/{rng.choice(pairs)}/",
        "api review next": lambda: "/api/v1/review/next/",
        "api stats": lambda: "/api/v1/stats/",
    }


def timed_get(url: str, headers: dict[str, str]) -> tuple[float, int]:
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return time.perf_counter() - started, status


def count_queries(paths: dict[str, object], account: dict[str, str]) -> dict[str, int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies["sessionid"] = account["session"]
    counts = {}
    for name, path in paths.items():
        headers = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if name.startswith("api") else {}
        with CaptureQueriesContext(connection) as queries:
            client.get(path(), **headers)
        counts[name] = len(queries.captured_queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    seeded = json.loads((var_dir / "bench-sessions.json").read_text())
    account = seeded["accounts"]["bench1"]
    rng = random.Random(3)
    paths = endpoints(rng, seeded["pairs"])
    port = free_port()
    server = start_server(port, url=url, env_extra={"WEB_WORKERS": "1", "MOISSON_MAX_IN_FLIGHT": "0"})
    results = {}
    try:
        for name, path in paths.items():
            headers = (
                {"Authorization": f"Token {account['token']}"}
                if name.startswith("api")
                else {"Cookie": f"sessionid={account['session']}"}
            )
            timed_get(f"http://127.0.0.1:{port}{path()}", headers)  # the first one warms the caches
            durations, statuses = [], set()
            for _ in range(args.requests):
                duration, status = timed_get(f"http://127.0.0.1:{port}{path()}", headers)
                durations.append(duration)
                statuses.add(status)
            results[name] = (percentile(durations, 0.5), percentile(durations, 0.95), max(durations) * 1000)
            results[name] += (sorted(statuses),)
    finally:
        stop_server(server)
    queries = count_queries(paths, account)
    print(f"{'endpoint':<22}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}  statuses")
    for name, (p50, p95, slowest, statuses) in results.items():
        print(f"{name:<22}{p50:>8.1f}{p95:>8.1f}{slowest:>8.0f}{queries[name]:>9}  {statuses}")


if __name__ == "__main__":
    main()
