"""An autosaved draft survives a server restart (issue 13, battery, faults).

The production web server (moisson/serve.py: granian by default, DEBUG off) serves the writing page to a
real browser (Debian's chromium); the page autosaves the text as a server draft; the server is then stopped
(gracefully, as for a deployment, or killed outright, as in a crash) and started again on the same
database. The contributor, in a browser that kept no copy of its own, finds the whole text in "Mes paires"
and on the draft's edit page.

The server needs a database another process can open: on PostgreSQL pytest's test database, on SQLite a
file database migrated in a temporary directory. The account and its session are created by a subprocess
on that database too, the same way on both.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.fixtures.browser import DESKTOP, PageProblems, fill_pair_form
from tests.web_server import free_port, launch

pytestmark = [
    pytest.mark.browser,
    # The server processes read and write the test database: nothing may stay in an open test transaction.
    pytest.mark.django_db(transaction=True),
]

START_TIMEOUT = 45
STOP_TIMEOUT = 20
AUTOSAVE_DELAY_MS = 3_000
# What the contributor typed: several lines, accents, French punctuation with its non-breaking spaces.
DRAFT = {
    "task_type": "explanation",
    "domain": "history_geography",
    "level": "college",
    "question": "Pourquoi la prise de la Bastille, le 14\u00a0juillet 1789, est-elle un symbole\u00a0?",
    "context": "Extrait du manuel\u00a0: «\u00a0Le peuple de Paris s’empare de la forteresse.\u00a0»",
    "answer": (
        "La Bastille était une prison royale, symbole de l’arbitraire du roi.\n\n"
        "Sa prise montre que le peuple peut renverser l’autorité\u00a0; elle devient la fête nationale en "
        "1880. Œuvre collective, elle marque le début de la Révolution."
    ),
}
EDIT_URL = re.compile(r"/contribuer/[0-9a-f-]{36}/$")

CREATE_CONTRIBUTOR = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from tests.factories import make_user
client = Client()
client.force_login(make_user(username="lea"))
print(json.dumps({"session": client.cookies[settings.SESSION_COOKIE_NAME].value}))
"""


def server_environment(tmp_path: Path) -> dict[str, str]:
    """What the server and the helper subprocesses run with: the test's database, a VAR_DIR of their own."""
    if connection.vendor == "postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        database_url = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    else:
        database_url = f"sqlite:///{tmp_path / 'moisson.sqlite3'}"
    # WhiteNoise warns at start when STATIC_ROOT is missing (collectstatic makes it in production).
    (tmp_path / "var" / "static").mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "DEBUG")}
    env.update(DATABASE_URL=database_url, VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(settings.BASE_DIR))
    return env


def run_django(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The web server as deployed (`moisson.serve --web`), one worker; returns once it serves a page."""
    env = env | {"HOST": "127.0.0.1", "PORT": str(port), "WEB_WORKERS": "1", "WEB_THREADS": "4"}
    server = launch(env, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped by itself:\n" + log.read_text()
        try:
            # A static file: served without the database.
            static = f"http://127.0.0.1:{port}/static/css/moisson.css"
            with urllib.request.urlopen(static, timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server, signal.SIGKILL)
    pytest.fail("the server did not start in time:\n" + log.read_text())


def stop_server(server: subprocess.Popen, how: signal.Signals) -> None:
    """Stop the server's master and its worker: SIGTERM lets them finish, SIGKILL is a crash."""
    if server.poll() is None:
        os.killpg(server.pid, how)
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def signed_in_page(browser: Browser, port: int, session: str, problems: PageProblems) -> Page:
    """A fresh browser profile (no cookie, no localStorage) signed in with `session`."""
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(base_url=url, viewport=DESKTOP, locale="fr-FR")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}])
    page = context.new_page()
    problems.watch(page)
    return page


def write_and_let_autosave_run(page: Page) -> None:
    page.clock.install()
    page.goto(reverse("collect:write"))
    fill_pair_form(page, **DRAFT)
    page.clock.run_for(AUTOSAVE_DELAY_MS)
    expect(page).to_have_url(EDIT_URL)
    expect(page.locator("#autosave-status")).to_contain_text("Brouillon enregistré à")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_an_autosaved_draft_is_whole_after_the_server_restarts(
    browser: Browser, tmp_path: Path, how: signal.Signals
) -> None:
    env = server_environment(tmp_path)
    if connection.vendor != "postgresql":
        run_django(env, "manage.py", "migrate", "--noinput", "-v0")
    session = json.loads(run_django(env, "-c", CREATE_CONTRIBUTOR))["session"]
    port = free_port()
    log = tmp_path / "server.log"
    problems = PageProblems()

    server = start_server(env, port, log)
    try:
        writing = signed_in_page(browser, port, session, problems)
        write_and_let_autosave_run(writing)
        edit_path = urlsplit(writing.url).path
        writing.context.close()
        stop_server(server, how)

        server = start_server(env, port, log)
        # Another browser profile: whatever the pages show can only come from the server.
        page = signed_in_page(browser, port, session, problems)
        page.goto(reverse("collect:mine"))
        expect(page.get_by_text(DRAFT["question"])).to_be_visible()
        page.get_by_role("link", name="Modifier").click()
        expect(page).to_have_url(re.compile(re.escape(edit_path) + "$"))
        for name, value in DRAFT.items():
            expect(page.locator(f"#id_{name}")).to_have_value(value)
        page.context.close()
    finally:
        stop_server(server, signal.SIGTERM)
    assert not problems.found, "the browser saw problems:\n" + "\n".join(problems.found)
