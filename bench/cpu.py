"""CPU milliseconds per request, per endpoint, in one process: what a request costs the server itself.

    .venv/bin/python bench/cpu.py --rounds 40                       (after bench/seed.py N)
    CACHE_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/cpu.py   (sessions and permissions cached)

Wall-clock latencies on this shared machine swing with the load of other processes; the CPU time a request
uses in its own process (`time.process_time`) swings much less, so two commits compared in alternate runs
of this script (run from each checkout with `PYTHONPATH=<checkout>`) show what a change saves. It calls the
Django handler directly (Django's test client, one handler for the whole run, as one web server worker
has), signed in as the `benchN` volunteers of bench/seed.py, with DEBUG off, on BENCH_DATABASE_URL. It
leaves out the WSGI server and the network; bench/load.py measures those. Prints the median and p90 per
endpoint (those of bench/latency.py), and the SQL queries of one request (the account's second). With
PostgreSQL on this machine, also the CPU its server process spent on each request ("db ms", read from
`/proc/<pid>/schedstat` of the connection's backend: the work a prepared statement saves is there).

With --writes, each round also measures the two writes of the launch mix (bench/locustfile.py), as the
round's account: "api vote", a vote on the pair "api review next" just handed out, and "api new pair", a
pair submitted through the API (its checks included). They change the database: the seeded pairs get
votes and new pairs appear. A volunteer then holds no pair when their turn comes again: "review page",
which asks first, measures a hand-out after a vote (as the launch mix's "api review next" does), and "api
review next" the reload of the pair just handed out.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import count_queries, endpoints  # noqa: E402
from load import django_in_this_process  # noqa: E402
from vocabulary import sentence  # noqa: E402


def new_pair(rng: random.Random) -> dict:
    return {
        "question": sentence(rng, 12) + f" ({time.time_ns() % 10**9}) ?",
        "answer": sentence(rng, 40) + ".",
        "task_type": "open_qa",
        "domain": rng.choice(["maths", "sciences", "french", "other"]),
        "declaration": True,
    }


def vote_on(item: dict, rng: random.Random) -> dict:
    verdict = "approve" if rng.random() < 0.7 else "reject"
    return {
        "pair": item["id"],
        "revision": item["revision"],
        "verdict": verdict,
        "reasons": [] if verdict == "approve" else ["incomplete"],
        "correctness": rng.randint(3, 5),
        "fluency": rng.randint(3, 5),
    }


def database_cpu_reader() -> Callable[[], float] | None:
    """A function returning the CPU milliseconds spent so far by this connection's PostgreSQL server
    process, or None where it cannot be read (SQLite, a database on another machine). Read from schedstat,
    in nanoseconds: /proc/<pid>/stat (load.cpu_seconds) counts 10 ms ticks, more than most requests take."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    schedstat = Path(f"/proc/{connection.connection.info.backend_pid}/schedstat")
    if not schedstat.exists():
        return None
    return lambda: int(schedstat.read_text().split()[0]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40, help="requests per endpoint")
    parser.add_argument("--writes", action="store_true", help="also measure a vote and a new pair")
    args = parser.parse_args()

    seeded = django_in_this_process()
    from django.conf import settings
    from django.test import Client

    accounts = [seeded["accounts"][name] for name in sorted(seeded["accounts"])]
    paths = endpoints(random.Random(1), seeded["pairs"])
    client = Client()
    rng = random.Random(2)
    costs: dict[str, list[float]] = {}
    database_costs: dict[str, list[float]] = {}
    database_cpu = database_cpu_reader()

    def measure(name: str, url: str, headers: dict, body: dict | None, kept: bool) -> object:
        database_started = database_cpu() if database_cpu else 0.0
        started = time.process_time()
        if body is None:
            response = client.get(url, **headers)
        else:
            response = client.post(url, body, content_type="application/json", **headers)
        used = (time.process_time() - started) * 1000
        database_used = database_cpu() - database_started if database_cpu else 0.0
        if response.status_code not in ((200, 204) if body is None else (201,)):
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.content[:300]!r}")
        if kept:
            costs.setdefault(name, []).append(used)
            database_costs.setdefault(name, []).append(database_used)
        return response

    for round_number in range(args.rounds + 2):  # the first two rounds warm the caches and are dropped
        account = accounts[round_number % len(accounts)]
        client.cookies["sessionid"] = account["session"]
        token = {"HTTP_AUTHORIZATION": f"Token {account['token']}"}
        kept = round_number >= 2
        handed = None
        for name, path in paths.items():
            response = measure(name, path(), token if name.startswith("api") else {}, None, kept)
            if name == "api review next" and response.status_code == 200:
                handed = response.json()
        if args.writes:
            if handed is not None:
                measure("api vote", "/api/v1/reviews/", token, vote_on(handed, rng), kept)
            measure("api new pair", "/api/v1/pairs/", token, new_pair(rng), kept)
    # Counted apart (counting costs CPU), as the last account's second request of each endpoint.
    queries = count_queries(paths, account)
    if args.writes:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        handed = client.get("/api/v1/review/next/", **token)
        with CaptureQueriesContext(connection) as vote_queries:
            if handed.status_code == 200:
                measure("api vote", "/api/v1/reviews/", token, vote_on(handed.json(), rng), False)
        with CaptureQueriesContext(connection) as pair_queries:
            measure("api new pair", "/api/v1/pairs/", token, new_pair(rng), False)
        queries |= {"api vote": len(vote_queries), "api new pair": len(pair_queries)}

    print(f"{'endpoint':<22} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'db ms':>7}")
    for name, values in costs.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        database = f"{statistics.median(database_costs[name]):.2f}" if database_cpu else "-"
        median, count = statistics.median(values), queries.get(name, "")
        print(f"{name:<22} {median:>10.1f} {p90:>8.1f} {count:>8} {database:>7}")
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"load average {os.getloadavg()[0]:.1f}, cache {cache}, sessions {settings.SESSION_ENGINE}")
    print(f"code measured: {settings.BASE_DIR}")


if __name__ == "__main__":
    main()
