"""Starting the production web server (moisson/serve.py) in a test: a free port and waiting for it."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180  # a loaded machine imports the whole app slowly
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web server did not start:\n" + log.read_text(errors="replace"))


def launch(
    env: dict[str, str], log: Path, *, wrap: Callable[[list[str]], list[str]] = lambda command: command
) -> subprocess.Popen:
    """`moisson.serve --web` with exactly `env`, its output added to `log`, in a session of its own: stopping
    its process group stops its workers with it. `wrap` may run the command in another (in a control group,
    say)."""
    with open(log, "ab") as output:
        return subprocess.Popen(
            wrap([sys.executable, "-m", "moisson.serve", "--web"]),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextmanager
def production_web_server(environment: dict[str, str], log: Path) -> Iterator[str]:
    """The web server as deployed (`moisson.serve --web`: the app loaded once, before the fork, so no request
    waits for it) on a free port of 127.0.0.1, with `environment` added to this process's, its output in
    `log`. Yields its address once it listens; stopped on leaving, with its whole process group when it does
    not stop by itself (a worker stuck in a request)."""
    port = free_port()
    env = os.environ | {"HOST": "127.0.0.1", "PORT": str(port), "ALLOWED_HOSTS": "127.0.0.1"} | environment
    server = launch(env, log)
    try:
        wait_until_listening(port, server, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """Stops the server, with its whole process group when it does not stop by itself (a worker stuck in a
    request)."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
