"""`make run` stops cleanly on Ctrl+C and on SIGTERM (issue 12, bug 11), and serves on the port it is given.

These start the real `make run` recipe (granian, or gunicorn, with the preloaded language detector, and
the Celery worker), with the steps before it (install, migrate, seed, first release) marked as done with
`make -o`, in a temporary VAR_DIR with the embedded defaults (SQLite, filesystem broker). About 15 s each.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

# `make run` is the embedded stack whatever the suite's database: the environment below drops DATABASE_URL.
pytestmark = pytest.mark.any_database

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60
STOP_TIMEOUT = 30
# What the terminal showed when `make run` was stopped with Ctrl+C before the fix.
SIGNS_OF_A_BAD_STOP = ("Segmentation fault", "Traceback", "ERROR", "make: ***", "Killed")


def free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def start_make_run(tmp_path: Path, port: int, **extra_env: str) -> tuple[subprocess.Popen, Path]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"VAR_DIR": str(tmp_path / "var"), "PORT": str(port), "WEB_WORKERS": "1", "WEB_THREADS": "2"})
    env.update(extra_env)
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", "first-release", "run"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A process group of its own, like a terminal's foreground job: Ctrl+C reaches all of it.
            start_new_session=True,
        )
    return process, log


def wait_until_served(process: subprocess.Popen, log: Path, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run stopped by itself:\n" + log.read_text()
        if "ready." in log.read_text():
            try:
                # A static file: served without a database, so the test needs no migration.
                url = f"http://127.0.0.1:{port}/static/css/moisson.css"
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.5)
    process.kill()
    pytest.fail("make run did not start in time:\n" + log.read_text())


def stop(process: subprocess.Popen, log: Path, how: signal.Signals, *, whole_group: bool) -> str:
    if whole_group:
        os.killpg(process.pid, how)
    else:
        process.send_signal(how)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("make run did not stop in time:\n" + log.read_text())
    return log.read_text()


def parent_of(pid: str) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]


def nothing_left_listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_ctrl_c_stops_make_run_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process, log = start_make_run(tmp_path, port, WEB_THREADS="16")  # the default
    wait_until_served(process, log, port)
    output = stop(process, log, signal.SIGINT, whole_group=True)
    # make passes the interruption on (a shell shows 130) once its recipe has exited cleanly.
    assert process.returncode in (0, -signal.SIGINT), output
    assert not [sign for sign in SIGNS_OF_A_BAD_STOP if sign in output], output
    assert "Warm shutdown" in output
    assert "granian" in output.lower()  # the default web server
    # Its threads outnumber the cores on purpose (moisson/serve.py): no warning about it at every start.
    assert "Configuration allows spawning" not in output
    assert nothing_left_listening(port)


def test_sigterm_stops_make_run_cleanly_and_its_links_follow_the_port(tmp_path: Path) -> None:
    port = free_port()
    process, log = start_make_run(tmp_path, port)
    wait_until_served(process, log, port)
    output = stop(process, log, signal.SIGTERM, whole_group=False)
    assert process.returncode in (0, -signal.SIGTERM), output
    assert f"Moisson: http://127.0.0.1:{port}/" in output
    assert not [sign for sign in SIGNS_OF_A_BAD_STOP if sign in output], output
    assert "Warm shutdown" in output
    assert nothing_left_listening(port)


def test_make_run_serves_with_gunicorn_too_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process, log = start_make_run(tmp_path, port, WEB_SERVER="gunicorn")
    wait_until_served(process, log, port)
    output = stop(process, log, signal.SIGINT, whole_group=True)
    assert process.returncode in (0, -signal.SIGINT), output
    assert not [sign for sign in SIGNS_OF_A_BAD_STOP if sign in output], output
    assert "Starting gunicorn" in output
    assert "granian" not in output.lower()
    assert nothing_left_listening(port)


def test_an_unknown_web_server_is_refused_by_name(tmp_path: Path) -> None:
    port = free_port()
    process, log = start_make_run(tmp_path, port, WEB_SERVER="uvicorn")
    try:
        process.wait(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        stop(process, log, signal.SIGTERM, whole_group=True)
        pytest.fail("make run went on with an unknown web server:\n" + log.read_text())
    output = log.read_text()
    assert process.returncode != 0, output
    assert "WEB_SERVER must be granian or gunicorn, not 'uvicorn'" in output


def test_a_granian_worker_that_dies_is_started_again(tmp_path: Path) -> None:
    port = free_port()
    process, log = start_make_run(tmp_path, port)
    try:
        wait_until_served(process, log, port)
        # The web server's master runs `moisson.serve --web` under the launcher; its workers are forked from
        # it, so they show the same command line.
        web = [
            pid
            for pid in subprocess.run(
                ["pgrep", "-f", "moisson.serve --web"], capture_output=True, text=True, check=True
            ).stdout.split()
            if str(tmp_path).encode() in Path(f"/proc/{pid}/environ").read_bytes()
        ]
        workers = [pid for pid in web if parent_of(pid) in web]
        assert workers
        for worker in workers:
            os.kill(int(worker), signal.SIGKILL)  # as the kernel's OOM killer would
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/moisson.css", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("no worker served again:\n" + log.read_text())
        assert process.poll() is None
    finally:
        stop(process, log, signal.SIGTERM, whole_group=False)
