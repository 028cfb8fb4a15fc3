"""`make run`: the web server (gunicorn, gunicorn.conf.py) and the Celery worker, started and stopped as one.

    python -m moisson.serve          (make run)
    python -m moisson.serve --dev    (make dev: Django's development server instead of gunicorn)

Ctrl+C or SIGTERM stops both cleanly and the command exits 0. The children run in sessions of their own,
so the terminal's Ctrl+C reaches this process only: it then asks each child to stop once, with SIGTERM
(a graceful stop for gunicorn, a warm shutdown for Celery), instead of the whole process group receiving
SIGINT several times, which made `make run` end with a Celery error and "Segmentation fault" (issue 12).
"""

import contextlib
import ctypes
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
        web = [python, "-m", "gunicorn", "-c", str(BASE_DIR / "gunicorn.conf.py")]
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
    sys.exit(main(dev="--dev" in sys.argv[1:]))
