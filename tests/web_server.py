"""Starting the production web server (moisson/serve.py) in a test: a free port and waiting for it."""

import socket
import subprocess
import time
from pathlib import Path


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
