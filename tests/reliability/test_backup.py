"""Backups: the documented `pg_dump` / `pg_restore` procedure brings back every validated pair (issue 13).

The procedure is the one in `docs/RELIABILITY.md` ("Backups"): a custom-format dump of the live database,
restored into a fresh, empty database. The test runs the same commands against the test database.
"""

import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from collect.models import Pair, Status
from review.models import Review
from tests.factories import make_pair, make_user, make_validated_pairs

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def connection_options() -> list[str]:
    params = connection.settings_dict
    return [
        f"--host={params['HOST'] or '127.0.0.1'}",
        f"--port={params['PORT'] or 5432}",
        f"--username={params['USER'] or 'postgres'}",
    ]


def conninfo(dbname: str) -> str:
    params = connection.settings_dict
    return (
        f"host={params['HOST'] or '127.0.0.1'} port={params['PORT'] or 5432} "
        f"user={params['USER'] or 'postgres'} dbname={dbname}"
    )


def test_a_dump_restored_into_a_fresh_database_holds_the_same_validated_pairs(tmp_path):
    author = make_user()
    validated = make_validated_pairs(5, author=author)
    make_pair(author=author, status=Status.PENDING)
    dump = tmp_path / "moisson.dump"
    source = connection.settings_dict["NAME"]
    restored = f"moisson_restore_{uuid.uuid4().hex[:8]}"

    subprocess.run(
        ["pg_dump", *connection_options(), "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
    )
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", *connection_options(), "--no-owner", "--exit-on-error", f"--dbname={restored}"]
            + [str(dump)],
            check=True,
        )
        with psycopg.connect(conninfo(restored)) as copy:
            rows = copy.execute(
                f"SELECT id, question, answer FROM {Pair._meta.db_table} WHERE status = %s ORDER BY id",
                [Status.VALIDATED.value],
            ).fetchall()
            reviews = copy.execute(f"SELECT count(*) FROM {Review._meta.db_table}").fetchone()[0]
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')

    expected = sorted((pair.id, pair.question, pair.answer) for pair in validated)
    assert rows == expected
    assert reviews == Review.objects.count()
