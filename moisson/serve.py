"""`make run`: the web server (granian, or gunicorn with WEB_SERVER=gunicorn) and the Celery worker, started
and stopped as one.

    python -m moisson.serve          (make run)
    python -m moisson.serve --dev    (make dev: Django's development server instead)
    python -m moisson.serve --web    (the production web server alone: deployments, bench/load.py)

The web server is granian (a Rust HTTP server, WSGI interface) by default, configured by the same variables
as gunicorn.conf.py (HOST, PORT, WEB_WORKERS, WEB_THREADS as granian's blocking threads, WEB_BACKLOG,
WEB_ACCESS_LOG, LOG_LEVEL) with the same preparation before the fork (moisson.wsgi.prepare_to_fork).
Measured side by side under 200 simulated volunteers on two cores (bench/RESULTS.md), it served about 20 %
more requests than gunicorn's gthread workers, with shorter waits, and a refused request (503) cost it
0.4-0.5 ms of CPU against 0.9-1.1 ms. `WEB_SERVER=gunicorn` serves with gunicorn (gunicorn.conf.py) instead.
Neither kills a request that takes too long: gunicorn's WEB_TIMEOUT restarts a worker whose main loop stops
answering, which a gthread worker's does not do while one of its threads is stuck in a request.

Ctrl+C or SIGTERM stops both cleanly and the command exits 0. The children run in sessions of their own,
so the terminal's Ctrl+C reaches this process only: it then asks each child to stop once, with SIGTERM
(a graceful stop for gunicorn, a warm shutdown for Celery), instead of the whole process group receiving
SIGINT several times, which made `make run` end with a Celery error and "Segmentation fault" (issue 12).
"""

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 20
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child before exec: if the launcher is killed outright, the child gets SIGTERM.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True, preexec_fn=_die_with_parent)


def web_server() -> str:
    server = os.environ.get("WEB_SERVER") or "granian"
    if server not in ("granian", "gunicorn"):
        raise SystemExit(f"WEB_SERVER must be granian or gunicorn, not {server!r}")
    return server


def web_command(python: str) -> list[str]:
    if web_server() == "gunicorn":
        return [python, "-m", "gunicorn", "-c", str(BASE_DIR / "gunicorn.conf.py")]
    return [python, "-m", "moisson.serve", "--web"]


class _IntendedThreads(logging.Filter):
    """granian warns, at every start, when its threads outnumber the cores twice over: ours do on purpose
    (see `blocking_threads` below), so the warning would only worry whoever reads the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Configuration allows spawning up to")


def serve_granian() -> None:
    """granian in this process, its workers forked from it once the application is loaded and warmed up."""
    import gc

    from granian import Granian

    from moisson.cores import web_workers
    from moisson.wsgi import WORKER_GC_THRESHOLD, prepare_to_fork

    logging.getLogger("_granian").addFilter(_IntendedThreads())
    prepare_to_fork()
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    threads = int(os.environ.get("WEB_THREADS", "16"))
    Granian(
        "moisson.wsgi:application",
        interface="wsgi",
        address=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        workers=web_workers(),
        # More threads than MOISSON_MAX_IN_FLIGHT, as with gunicorn: a request beyond the limit reaches
        # moisson/overload.py and gets its 503 at once instead of waiting unseen in granian's queue.
        blocking_threads=threads,
        # granian holds one of these places per open connection, kept-alive ones included: at the number of
        # threads, every volunteer beyond it waited unseen for seconds (p99 19 s at 200 users).
        backpressure=int(os.environ.get("WEB_MAX_CONNECTIONS", "1000")),
        backlog=max(128, int(os.environ.get("WEB_BACKLOG", "256"))),
        http="1",
        # A worker that dies (a crash, the kernel's OOM killer) is started again, as gunicorn's master does.
        respawn_failed_workers=True,
        websockets=False,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        log_access=bool(os.environ.get("WEB_ACCESS_LOG")),
    ).serve()


def serve_web() -> None:
    """The production web server alone: granian here, or gunicorn in place of this process."""
    if web_server() == "gunicorn":
        command = web_command(sys.executable)
        os.execv(command[0], command)
    else:
        serve_granian()


def main(*, dev: bool = False) -> int:
    stop_requested: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    from django.conf import settings

    # Read from the settings, as the site will: `make run PORT=8001` must give links to port 8001.
    print(f"Moisson: {settings.SITE_URL}/  (Ctrl+C to stop)", flush=True)
    python = sys.executable
    if dev:
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        web = [python, "manage.py", "runserver", f"{host}:{port}"]
    else:
        web = web_command(python)
    children = {
        "web": _start(web),
        "worker": _start(
            [python, "-m", "celery", "-A", "moisson", "worker", "--beat", "--loglevel=INFO"]
            + ["--concurrency=1"]
        ),
    }
    exited: str | None = None
    while not stop_requested and exited is None:
        exited = next((name for name, child in children.items() if child.poll() is not None), None)
        time.sleep(0.2)

    if exited is not None and not stop_requested:
        code = children[exited].returncode
        print(f"moisson: the {exited} process stopped (exit {code}); stopping the other", flush=True)
    else:
        print("moisson: stopping the web server and the worker", flush=True)
    for name, child in children.items():
        if child.poll() is None:
            if dev and name == "web":
                # Django's autoreloader serves from a child process of its own: stop its whole group.
                os.killpg(child.pid, signal.SIGTERM)
            else:
                # Celery's pool children must hear it from their parent, never directly (a killed pool
                # child is logged as an error).
                child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if stop_requested:
        return 0
    return children[exited].returncode or 1


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")
    if "--web" in sys.argv[1:]:
        serve_web()
    else:
        sys.exit(main(dev="--dev" in sys.argv[1:]))
