"""CPU milliseconds per request, per endpoint, in one process: what a request costs the server itself.

    .venv/bin/python bench/cpu.py --rounds 40                       (after bench/seed.py N)
    CACHE_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/cpu.py   (sessions and permissions cached)

Wall-clock latencies on this shared machine swing with the load of other processes; the CPU time a request
uses in its own process (`time.process_time`) swings much less, so two commits compared in alternate runs
of this script (run from each checkout with `PYTHONPATH=<checkout>`) show what a change saves. It calls the
Django handler directly (Django's test client, one handler for the whole run, as one gunicorn worker
has), signed in as the `benchN` volunteers of bench/seed.py, with DEBUG off, on BENCH_DATABASE_URL. It
leaves out the WSGI server and the network; bench/load.py measures those. Prints the median and p90 per
endpoint (those of bench/latency.py), and the SQL queries of one request (the account's second).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import count_queries, endpoints  # noqa: E402
from load import BASE_DIR, DEFAULT_URL  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40, help="requests per endpoint")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    seeded = json.loads(Path(os.environ.get("VAR_DIR", BASE_DIR / "var"), "bench-sessions.json").read_text())
    accounts = [seeded["accounts"][name] for name in sorted(seeded["accounts"])]
    paths = endpoints(random.Random(1), seeded["pairs"])
    client = Client()
    costs: dict[str, list[float]] = {}
    for round_number in range(args.rounds + 2):  # the first two rounds warm the caches and are dropped
        account = accounts[round_number % len(accounts)]
        client.cookies["sessionid"] = account["session"]
        for name, path in paths.items():
            headers = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if name.startswith("api") else {}
            started = time.process_time()
            response = client.get(path(), **headers)
            used = (time.process_time() - started) * 1000
            if response.status_code not in (200, 204):
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            if round_number >= 2:
                costs.setdefault(name, []).append(used)
    # Counted apart (counting costs CPU), as the last account's second request of each endpoint.
    queries = count_queries(paths, account)

    print(f"{'endpoint':<22} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
    for name, values in costs.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<22} {statistics.median(values):>10.1f} {p90:>8.1f} {queries[name]:>8}")
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"load average {os.getloadavg()[0]:.1f}, cache {cache}, sessions {settings.SESSION_ENGINE}")
    print(f"code measured: {settings.BASE_DIR}")


if __name__ == "__main__":
    main()
