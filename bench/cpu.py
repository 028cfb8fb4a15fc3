"""CPU milliseconds per request, per endpoint, in one process: what a request costs the server itself.

    .venv/bin/python bench/cpu.py --rounds 40                       (after bench/seed.py N)
    CACHE_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/cpu.py   (sessions and permissions cached)

Wall-clock latencies on this shared machine swing with the load of other processes; the CPU time a request
uses in its own process (`time.process_time`) swings much less, so two commits compared in alternate runs
of this script (run from each checkout with `PYTHONPATH=<checkout>`) show what a change saves. It calls the
Django handler directly (Django's test client, one handler for the whole run, as one gunicorn worker
has), signed in as the `benchN` volunteers of bench/seed.py, with DEBUG off, on BENCH_DATABASE_URL. It
leaves out the WSGI server and the network; bench/load.py measures those. Prints the median and p90 per
endpoint, and the SQL queries of one request (the account's second).
"""

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/moisson_load"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40, help="requests per endpoint")
    parser.add_argument(
        "--checkout", type=Path, default=BASE_DIR, help="the code to measure (another worktree)"
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    seeded = json.loads(Path(os.environ.get("VAR_DIR", BASE_DIR / "var"), "bench-sessions.json").read_text())
    accounts = [seeded["accounts"][name] for name in sorted(seeded["accounts"])]
    rng = random.Random(1)
    pages = {
        "home": lambda: "/",
        "guide": lambda: "/guide/",
        "pair page": lambda: f"/paires/{rng.choice(seeded['pairs'])}/",
        "my pairs": lambda: "/mes-paires/",
        "review page": lambda: "/relire/",
        "datasets": lambda: "/jeux-de-donnees/",
    }
    api = {
        "API list": lambda: "/api/v1/pairs/",
        "API pair": lambda: f"/api/v1/pairs/{rng.choice(seeded['pairs'])}/",
        "API review next": lambda: "/api/v1/review/next/",
    }
    client = Client()
    costs: dict[str, list[float]] = {}
    for round_number in range(args.rounds + 2):  # the first two rounds warm the caches and are dropped
        account = accounts[round_number % len(accounts)]
        client.cookies["sessionid"] = account["session"]
        for name, url in [*pages.items(), *api.items()]:
            headers = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if name in api else {}
            started = time.process_time()
            response = client.get(url(), **headers)
            used = (time.process_time() - started) * 1000
            if response.status_code not in (200, 204):
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            if round_number >= 2:
                costs.setdefault(name, []).append(used)
    # Queries per request, counted apart (counting costs CPU): the same account's second request of each.
    queries = {}
    for name, url in [*pages.items(), *api.items()]:
        headers = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if name in api else {}
        with CaptureQueriesContext(connection) as captured:
            client.get(url(), **headers)
        queries[name] = len(captured)

    print(f"{'endpoint':<16} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
    for name, values in costs.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<16} {statistics.median(values):>10.1f} {p90:>8.1f} {queries[name]:>8}")
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"load average {os.getloadavg()[0]:.1f}, cache {cache}, sessions {settings.SESSION_ENGINE}")
    print(f"code measured: {settings.BASE_DIR}")


if __name__ == "__main__":
    main()
