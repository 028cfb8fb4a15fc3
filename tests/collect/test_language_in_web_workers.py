"""A pair with a context, written through the production web server (moisson/serve.py), whose master builds
the language detector before forking its workers: its context and its question and answer are judged in a
worker, where lingua's parallel calls would wait forever (collect.checks._in_parallel)."""

import json
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.factories import make_user
from tests.web_server import production_web_server
from tests.workers import worker_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENGLISH = "The train to Berlin is not running today because of a strike. We apologise for the delay."


def post_pair(url: str, token: str, pair: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(pair).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    # Long enough for a loaded machine, far shorter than forever.
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (our local server)
        return response.status, json.loads(response.read())


@pytest.mark.parametrize("web_server", ["granian", "gunicorn"])
def test_a_pair_with_a_context_is_checked_in_a_web_server_worker(tmp_path: Path, web_server: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the web server's workers cannot see pytest's SQLite test database")
    token = Token.objects.create(user=make_user()).key
    log = tmp_path / "server.log"
    environment = {
        "WEB_SERVER": web_server,
        "WEB_WORKERS": "1",
        "WEB_TIMEOUT": "120",
        "DATABASE_URL": worker_database_url(),
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "DEBUG": "false",
        "VAR_DIR": str(tmp_path / "var"),
    }
    with production_web_server(environment, log) as address:
        status, pair = post_pair(
            f"{address}/api/v1/pairs/",
            token,
            {
                "question": "Résume ce texte en une phrase simple, s'il te plaît.",
                "context": ENGLISH,
                "answer": "Le train pour Berlin est supprimé aujourd'hui à cause d'une grève.",
                "task_type": "summarization",
                "domain": "other",
                "declaration": True,
            },
        )

    assert status == 201, log.read_text(errors="replace")
    assert [(finding["code"], finding["field"]) for finding in pair["warnings"]] == [
        ("language_unsure", "context")
    ]
