"""Launch-day load (issue 14): the production server under locust, at several numbers of volunteers.

    .venv/bin/python bench/load.py --users 50 200 400 --seconds 60          (after bench/seed.py N)
    .venv/bin/python bench/load.py --users 20 --seconds 15               (the short version, for CI)

For each number of users: start the production web server as `make run` does (moisson/serve.py: granian, or
gunicorn with gunicorn.conf.py and `--set WEB_SERVER=gunicorn`) on BENCH_DATABASE_URL (default the
`moisson_load` database that bench/seed.py fills), DEBUG off, Redis as broker and cache, with a Celery worker
beside it as in production (it refreshes the cached site figures); run locust headless with
bench/locustfile.py (60 % reads, 25 % votes, 15 % new pairs, think time 0–1 s, all users started within the
first tenth of the run); stop the server. Prints, per kind of request: requests/s, p50/p95/p99 in ms of the
requests served, errors, the 409s (a vote on a pair decided or changed since it was handed out: the API's
honest answer, which a volunteer reads as such, not a failure of the server) and the 503s with their own p95
and maximum, for all requests, and for those started after the first 5 seconds ("after": the users all
arrive in the first seconds, on a server just started); then the CPU seconds used by the server (its master
and workers), the Celery worker, the database (the PostgreSQL backends of this database, all born during the
run since the server is new) and the client (locust), and the machine's load average.
With `--cpu-quota CORES` (as root), the web server runs in a control group held to that many cores, as in a
container started with `docker run --cpus CORES`; the database, the worker and locust stay outside.
Never fails on timing: the figures are for bench/RESULTS.md.
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/moisson_load"


def django_in_this_process() -> dict:
    """Django set up here, as production (DEBUG off) on BENCH_DATABASE_URL, for the scripts that call its
    handler directly (cpu.py, auth.py); the accounts and pairs bench/seed.py wrote to bench-sessions.json."""
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    import django

    django.setup()
    return json.loads(Path(os.environ.get("VAR_DIR", BASE_DIR / "var"), "bench-sessions.json").read_text())


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state (field 3).
    return sum(int(value) for value in fields[11:15]) / TICKS


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def database_backends(url: str) -> list[int]:
    if not url.startswith("postgres"):
        return []  # SQLite runs inside the server's processes: its CPU is the server's.
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [pid for (pid,) in rows]


def free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def server_environment(port: int, *, url: str, env_extra: dict[str, str]) -> dict[str, str]:
    return (
        os.environ
        | {
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"),
            # The production cache: throttles, cached figures, sessions and permissions shared by the workers.
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/7"),
            # A new prefix per server: no throttle counter or cached figure is left from an earlier run.
            "CACHE_KEY_PREFIX": f"bench-{time.time_ns()}",
            "DEBUG": "false",
            "PORT": str(port),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
        }
        | env_extra
    )


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    # The Celery worker production runs beside the web server (as `make run` starts it): the cached site
    # figures are refreshed by its task, and its CPU is counted apart.
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "moisson", "worker", "--concurrency=1", "--loglevel=WARNING"],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


class CpuQuota:
    """A control group holding the web server to a number of cores, as `docker run --cpus` would (cgroup v1's
    cpu and cpuacct where they are mounted, as on this project's machines, otherwise v2's cpu controller).
    Takes root; the database, the Celery worker and locust stay outside, as in a deployment."""

    V1 = Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup/cpuacct")
    V2 = Path("/sys/fs/cgroup")

    def __init__(self, cores: float) -> None:
        name, period = f"moisson-bench-{os.getpid()}-{time.time_ns()}", 100_000
        if all(hierarchy.is_dir() for hierarchy in self.V1):
            self.directories = [hierarchy / name for hierarchy in self.V1]
            for directory in self.directories:
                directory.mkdir()
            (self.directories[0] / "cpu.cfs_period_us").write_text(str(period))
            (self.directories[0] / "cpu.cfs_quota_us").write_text(str(round(cores * period)))
        else:
            (self.V2 / "cgroup.subtree_control").write_text("+cpu")
            self.directories = [self.V2 / name]
            self.directories[0].mkdir()
            (self.directories[0] / "cpu.max").write_text(f"{round(cores * period)} {period}")

    def command(self, command: list[str]) -> list[str]:
        """The command, run by a shell that first moves itself into the group."""
        joins = "; ".join(f"echo $$ > {directory / 'cgroup.procs'}" for directory in self.directories)
        return ["sh", "-c", f'{joins}; exec "$@"', "sh", *command]

    def remove(self) -> None:
        for directory in self.directories:
            for _ in range(50):  # the group empties a little after its processes are reaped
                try:
                    directory.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def start_server(
    port: int, *, url: str, env_extra: dict[str, str], quota: CpuQuota | None = None
) -> subprocess.Popen:
    env = server_environment(port, url=url, env_extra=env_extra)
    # The server `make run` starts: granian, or gunicorn with --set WEB_SERVER=gunicorn.
    command = [sys.executable, "-m", "moisson.serve", "--web"]
    server = subprocess.Popen(
        quota.command(command) if quota else command,
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/guide/", timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


# The first seconds of a run are apart too: the users all arrive then, on a server just started.
SETTLED_AFTER = 5


def summarise(records: list[list], seconds: float) -> dict[str, dict]:
    """Figures per kind of request, then of every request ("all"), then of those started after the first
    SETTLED_AFTER seconds ("after"), from records (kind, seconds, status, when it started)."""
    first = min((record[3] for record in records), default=0.0)
    kinds: dict[str, dict] = {}
    for kind in ("read", "vote", "new", "all", "after"):
        if kind == "after":
            mine = [record for record in records if record[3] >= first + SETTLED_AFTER]
        else:
            mine = [record for record in records if kind == "all" or record[0] == kind]
        statuses = [record[2] for record in mine]
        served = [record[1] for record in mine if record[2] not in (0, 503)]
        refused = [record[1] for record in mine if record[2] == 503]
        conflicts = [status for status in statuses if status == 409]
        errors = [status for status in statuses if status == 0 or status >= 400 and status not in (409, 503)]
        kinds[kind] = {
            "requests": len(mine),
            "rps": len(mine) / (seconds - SETTLED_AFTER if kind == "after" else seconds),
            "p50": percentile(served, 0.50),
            "p95": percentile(served, 0.95),
            "p99": percentile(served, 0.99),
            "max": max(served, default=0) * 1000,
            "errors": len(errors),
            "error_statuses": sorted(set(errors)),
            "409": len(conflicts),
            "503": len(refused),
            "503_p95": percentile(refused, 0.95),
            "503_max": max(refused, default=0) * 1000,
        }
    return kinds


def run(
    users: int,
    seconds: int,
    *,
    url: str,
    env_extra: dict[str, str],
    sessions: Path,
    cpu_quota: float | None = None,
) -> dict:
    port = free_port()
    quota = CpuQuota(cpu_quota) if cpu_quota else None
    # One cache prefix for the server and the worker, which refreshes the figures the server reads.
    env_extra = {"CACHE_KEY_PREFIX": f"bench-{time.time_ns()}"} | env_extra
    # Whatever happens (a server that does not start, Ctrl+C), the server, the worker and the control group
    # go: callbacks run last first.
    with contextlib.ExitStack() as cleanup:
        if quota:
            cleanup.callback(quota.remove)
        worker = start_worker(server_environment(port, url=url, env_extra=env_extra))
        cleanup.callback(stop_server, worker)
        server = start_server(port, url=url, env_extra=env_extra, quota=quota)
        cleanup.callback(stop_server, server)
        with tempfile.TemporaryDirectory(prefix="moisson-load-") as directory:
            out = Path(directory) / "records.json"
            server_pids = descendants(server.pid)
            server_before = sum(cpu_seconds(pid) for pid in server_pids)
            worker_before = sum(cpu_seconds(pid) for pid in descendants(worker.pid))
            load_before = os.getloadavg()
            started = time.monotonic()
            locustfile = str(BASE_DIR / "bench" / "locustfile.py")
            client = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", locustfile, "--headless"]
                + ["-u", str(users), "-r", str(max(1, users * 10 // seconds)), "-t", f"{seconds}s"]
                + ["--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "ERROR"]
                + ["--stop-timeout", "5"],
                cwd=BASE_DIR,
                env=os.environ | {"BENCH_SESSIONS": str(sessions), "BENCH_OUT": str(out)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            client_cpu = 0.0
            while client.poll() is None:
                client_cpu = max(client_cpu, cpu_seconds(client.pid))
                time.sleep(0.5)
            elapsed = time.monotonic() - started
            server_cpu = sum(cpu_seconds(pid) for pid in descendants(server.pid)) - server_before
            worker_cpu = sum(cpu_seconds(pid) for pid in descendants(worker.pid)) - worker_before
            database_cpu = sum(cpu_seconds(pid) for pid in database_backends(url))
            records = json.loads(out.read_text())
    return {
        "users": users,
        "seconds": seconds,
        "kinds": summarise(records, seconds),
        "cpu": {
            "server": server_cpu,
            "worker": worker_cpu,
            "database": database_cpu,
            "client": client_cpu,
            "wall": elapsed,
        },
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cpu_quota": cpu_quota,
    }


def print_run(result: dict) -> None:
    print(f"\n{result['users']} users, {result['seconds']} s")
    header = ("kind", "req/s", "p50", "p95", "p99", "max", "errors", "409", "503", "503 p95")
    print(f"{header[0]:<6}" + "".join(f"{title:>8}" for title in header[1:]))
    for kind, figures in result["kinds"].items():
        print(
            f"{kind:<6}{figures['rps']:>8.1f}{figures['p50']:>8.0f}{figures['p95']:>8.0f}{figures['p99']:>8.0f}"
            f"{figures['max']:>8.0f}{figures['errors']:>8}{figures['409']:>8}{figures['503']:>8}"
            f"{figures['503_p95']:>8.0f}"
        )
    cpu = result["cpu"]
    print(
        f"CPU s: server {cpu['server']:.1f}, worker {cpu['worker']:.1f}, database {cpu['database']:.1f}, "
        f"client {cpu['client']:.1f} "
        f"over {cpu['wall']:.0f} s; load average {result['load_before'][0]:.1f}"
        f" -> {result['load_after'][0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200, 400])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--set", action="append", default=[], help="NAME=VALUE for the server, e.g. WEB_WORKERS=3"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--cpu-quota",
        type=float,
        metavar="CORES",
        help="hold the web server to this many cores in a control group, as a container's limit (root)",
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env_extra = dict(item.split("=", 1) for item in args.set)
    sessions = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench-sessions.json"
    results = []
    for users in args.users:
        result = run(
            users, args.seconds, url=url, env_extra=env_extra, sessions=sessions, cpu_quota=args.cpu_quota
        )
        print_run(result)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
