"""Limits add up across processes when they share the Redis cache (issues 13 and 14).

The probe got 56 of 60 wrong passwords through a 20/minute limit with 3 gunicorn workers, each counting
in its own memory. Here three real workers of the production web server (granian, the default, and
gunicorn: moisson/serve.py) serve concurrent requests against one Redis cache.
"""

import os
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.web_server import production_web_server
from tests.workers import worker_database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("CACHE_URL", "").startswith("redis"),
        reason="needs CACHE_URL set to a Redis server (see .ci/run) and PostgreSQL",
    ),
]

WORKERS = 3
LIMIT = 6
REQUESTS = 24


def post_wrong_password(url: str, n: int) -> int:
    request = urllib.request.Request(
        url,
        data=f'{{"username": "nobody{n}", "password": "wrong"}}'.encode(),
        # A forged X-Forwarded-For on each request: it must not buy fresh allowances either.
        headers={
            "Content-Type": "application/json",
            "Connection": "close",
            "X-Forwarded-For": f"203.0.113.{n}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (our local server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("web_server", ["granian", "gunicorn"])
def test_the_token_throttle_holds_across_several_web_server_workers(tmp_path: Path, web_server: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the web server's workers cannot see pytest's SQLite test database")
    log = tmp_path / "server.log"
    environment = {
        "WEB_SERVER": web_server,
        "WEB_WORKERS": str(WORKERS),
        # One request at a time per process, so that concurrent requests are spread over the processes.
        "WEB_THREADS": "1",
        "WEB_TIMEOUT": "120",
        "DATABASE_URL": worker_database_url(),
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # a fresh count, whatever Redis holds
        "API_THROTTLE_AUTH": f"{LIMIT}/minute",
        "API_THROTTLE_ANON": "1000/minute",
        "DEBUG": "false",
        "VAR_DIR": str(tmp_path / "var"),
    }
    with production_web_server(environment, log) as address:
        url = f"{address}/api/v1/auth/token/"
        # Concurrent requests: each process serves one at a time, so all three take some.
        with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
            statuses = list(pool.map(lambda n: post_wrong_password(url, n), range(REQUESTS)))

    assert statuses.count(400) == LIMIT, (statuses, log.read_text(errors="replace"))
    assert statuses.count(429) == REQUESTS - LIMIT
