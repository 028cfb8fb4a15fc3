"""Memory per web server worker: granian (always preloaded) and gunicorn with and without preloading.

    .venv/bin/python bench/memory.py                    (after bench/seed.py: uses its volunteers' API tokens)
    .venv/bin/python bench/memory.py --server gunicorn  (one server; `--server granian gunicorn`: both)

For each server and mode (granian, whose master always loads the language detector before forking: see
moisson.wsgi.prepare_to_fork; gunicorn with WEB_PRELOAD true, then false), starts the production web server
as bench/load.py does (`python -m moisson.serve --web`, WEB_SERVER set to the server) with WEB_WORKERS
workers (default 2), on BENCH_DATABASE_URL, BENCH_BROKER_URL and BENCH_CACHE_URL. The master is the process
started (gunicorn replaces the launcher in the same process, granian serves from it), its workers are the
processes below it in /proc's parent links. Once all the workers are there, sends 8 new pairs per worker
through the API, one after the other: connections are spread over the workers by the kernel, so each should
have checked some (and so have the detector, loaded by itself or inherited from the master); the CPU each
worker used meanwhile is printed to show it did. Then reads RSS and PSS (proportional set size: shared pages
divided among the processes sharing them) from /proc/<pid>/smaps_rollup for the master and each worker, and
prints them with the total PSS and the time of those writes. PSS is what the machine really pays.
"""

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import DEFAULT_URL, cpu_seconds, descendants, free_port, start_server, stop_server  # noqa: E402

WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
SERVERS = ["granian", "gunicorn"]


def memory_kib(pid: int) -> dict[str, int]:
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":")
        figures[name] = int(value.split()[0])
    return figures


def new_pair(port: int, token: str, rng: random.Random) -> None:
    words = ["le", "calcul", "de", "l'aire", "du", "triangle", "est", "simple", "quand", "on", "connaît"]
    words += ["la", "base", "et", "la", "hauteur", "du", "rectangle", "divisée", "par", "deux"]
    body = {
        "question": " ".join(rng.choices(words, k=12)).capitalize() + f" {rng.randrange(10**9)} ?",
        "answer": " ".join(rng.choices(words, k=40)).capitalize() + ".",
        "task_type": "open_qa",
        "domain": "maths",
        "declaration": True,
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/pairs/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    # Accepted or refused by the checks (400), the text went through them, and so through the detector.
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.read()


def measure(server_name: str, preload: bool, *, url: str, tokens: list[str]) -> dict:
    port = free_port()
    env_extra = {"WEB_SERVER": server_name, "WEB_PRELOAD": str(preload).lower(), "WEB_WORKERS": str(WORKERS)}
    server = start_server(port, url=url, env_extra=env_extra)
    # The server answers as soon as one worker does; gunicorn starts the others one after the other.
    deadline = time.monotonic() + 90
    while len(workers := [pid for pid in descendants(server.pid) if pid != server.pid]) < WORKERS:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if len(workers) != WORKERS:
        stop_server(server)
        raise SystemExit(f"{server_name}: {len(workers)} processes under the master, not {WORKERS} workers")
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}
    # New texts in every run: a text sent by an earlier run is refused as a duplicate (after the same checks),
    # without the insert, and the first server measured on a fresh database would be the only one inserting.
    rng = random.Random(time.time_ns())
    started = time.perf_counter()
    for index in range(8 * WORKERS):
        new_pair(port, tokens[index % len(tokens)], rng)
    first_writes = time.perf_counter() - started
    master = memory_kib(server.pid)
    figures = [memory_kib(pid) for pid in workers]
    worker_cpu = [cpu_seconds(pid) - cpu_before[pid] for pid in workers]
    stop_server(server)
    return {
        "server": server_name,
        "preload": preload,
        "master_rss_mib": master["Rss"] / 1024,
        "master_pss_mib": master["Pss"] / 1024,
        "worker_rss_mib": [figure["Rss"] / 1024 for figure in figures],
        "worker_pss_mib": [figure["Pss"] / 1024 for figure in figures],
        "worker_cpu_s": worker_cpu,
        "total_pss_mib": (master["Pss"] + sum(figure["Pss"] for figure in figures)) / 1024,
        "first_writes_s": first_writes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        action="extend",
        nargs="+",
        choices=SERVERS,
        help="the servers to measure, in this order (default: granian gunicorn)",
    )
    args = parser.parse_args()
    # granian has no non-preloaded mode: its master always runs prepare_to_fork before forking.
    modes = [
        (server_name, preload)
        for server_name in args.server or SERVERS
        for preload in ((True,) if server_name == "granian" else (True, False))
    ]
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    sessions = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    tokens = [
        account["token"]
        for account in json.loads((sessions / "bench-sessions.json").read_text())["accounts"].values()
    ]
    print(f"{'server':<10}{'preload':<8}{'master RSS':>11}{'master PSS':>11}", end="")
    print(f"{'worker RSS':>16}{'worker PSS':>16}{'total PSS':>10}{'writes':>8}{'worker CPU':>14}")
    for server_name, preload in modes:
        result = measure(server_name, preload, url=url, tokens=tokens)
        print(
            f"{server_name:<10}{str(preload):<8}"
            f"{result['master_rss_mib']:>10.0f}M{result['master_pss_mib']:>10.0f}M"
            f"{' / '.join(f'{value:.0f}' for value in result['worker_rss_mib']):>15}M"
            f"{' / '.join(f'{value:.0f}' for value in result['worker_pss_mib']):>15}M"
            f"{result['total_pss_mib']:>9.0f}M{result['first_writes_s']:>7.1f}s"
            f"{' / '.join(f'{value:.2f}' for value in result['worker_cpu_s']):>13}s",
            flush=True,
        )
    print(f"writes: the time of the first {8 * WORKERS} writes; worker CPU: what each worker used meanwhile")


if __name__ == "__main__":
    main()
