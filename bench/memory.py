"""Memory per gunicorn worker, with and without preloading the language detector (gunicorn.conf.py).

    .venv/bin/python bench/memory.py            (after bench/seed.py: uses its volunteers' API tokens)

For each mode, starts gunicorn with WEB_WORKERS workers (default 2), sends new pairs through the API until
every worker has checked one (so each has the detector, loaded by itself or inherited from the master),
then reads RSS and PSS (proportional set size: shared pages divided among the processes sharing them)
from /proc/<pid>/smaps_rollup for the master and each worker. PSS is what the machine really pays.
"""

import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import DEFAULT_URL, descendants, free_port, start_server, stop_server  # noqa: E402

WORKERS = int(os.environ.get("WEB_WORKERS", "2"))


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


def measure(preload: bool, *, url: str, tokens: list[str]) -> dict:
    port = free_port()
    server = start_server(
        port, url=url, env_extra={"WEB_PRELOAD": str(preload).lower(), "WEB_WORKERS": str(WORKERS)}
    )
    rng = random.Random(1)
    started = time.perf_counter()
    # Connections are spread over the workers by the kernel: enough requests reach each of them.
    for index in range(8 * WORKERS):
        new_pair(port, tokens[index % len(tokens)], rng)
    first_writes = time.perf_counter() - started
    pids = descendants(server.pid)
    figures = {pid: memory_kib(pid) for pid in pids}
    stop_server(server)
    master = figures[server.pid]
    workers = [figure for pid, figure in figures.items() if pid != server.pid]
    return {
        "preload": preload,
        "master_rss_mib": master["Rss"] / 1024,
        "master_pss_mib": master["Pss"] / 1024,
        "worker_rss_mib": [worker["Rss"] / 1024 for worker in workers],
        "worker_pss_mib": [worker["Pss"] / 1024 for worker in workers],
        "total_pss_mib": sum(figure["Pss"] for figure in figures.values()) / 1024,
        "first_writes_s": first_writes,
    }


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    sessions = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    tokens = [
        account["token"]
        for account in json.loads((sessions / "bench-sessions.json").read_text())["accounts"].values()
    ]
    print(f"{'preload':<8}{'master RSS':>11}{'master PSS':>11}", end="")
    print(f"{'worker RSS':>16}{'worker PSS':>16}{'total PSS':>10}")
    for preload in (True, False):
        result = measure(preload, url=url, tokens=tokens)
        print(
            f"{str(preload):<8}{result['master_rss_mib']:>10.0f}M{result['master_pss_mib']:>10.0f}M"
            f"{' / '.join(f'{value:.0f}' for value in result['worker_rss_mib']):>15}M"
            f"{' / '.join(f'{value:.0f}' for value in result['worker_pss_mib']):>15}M"
            f"{result['total_pss_mib']:>9.0f}M   first {8 * WORKERS} writes: {result['first_writes_s']:.1f} s"
        )


if __name__ == "__main__":
    main()
