"""PostgreSQL prepares the statements a connection sends again and again, and a statement with more
parameters than server-side binding allows is still sent (moisson/postgresql/base.py)."""

import json
from pathlib import Path
from uuid import uuid4

import pytest
from django.db import connection
from django.db.models.functions import Now

from accounts.models import User
from collect.models import Pair
from moisson.postgresql.base import MAX_BOUND_PARAMETERS
from tests.factories import make_pair
from tests.moisson.test_production_settings import PRODUCTION_ENV, clean_environment, run_python

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.django_db
def test_a_statement_sent_again_on_a_connection_is_prepared():
    for _ in range(6):
        User.objects.filter(username="prepared-once").exists()

    assert [s for s in prepared_statements() if '"accounts_user"."username" = $' in s]


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.django_db
def test_a_statement_with_more_parameters_than_the_protocol_counts_is_bound_on_the_client():
    wanted = make_pair(question="Quelle part de l'eau, 50 % ou plus, est « douce » ?")
    others = [make_pair(question=f"Une autre question, la numéro {n} ?") for n in range(2)]
    questions = [f"Question {n} : « {n} % » d'eau ?" for n in range(MAX_BOUND_PARAMETERS)] + [wanted.question]
    ids = [uuid4() for _ in range(MAX_BOUND_PARAMETERS)] + [wanted.pk]

    assert list(Pair.objects.filter(question__in=questions).values_list("pk", flat=True)) == [wanted.pk]
    assert Pair.objects.exclude(pk__in=ids).count() == len(others)
    for _ in range(5):  # as often as a statement is sent before it is prepared
        assert Pair.objects.filter(pk__in=ids).count() == 1
    # Sent as they are: nothing that long is kept prepared.
    assert not [s for s in prepared_statements() if len(s) > 100_000]


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.django_db
def test_many_rows_created_at_once_go_in_one_statement_bound_on_the_client():
    # A value the database computes (Now()) makes Django write a row of VALUES per user, each column a
    # parameter, instead of one array per column (UNNEST).
    columns = len([field for field in User._meta.concrete_fields if not field.primary_key])
    rows = MAX_BOUND_PARAMETERS // (columns - 1) + 1
    users = User.objects.bulk_create(
        User(username=f"lot{n}", email=f"lot{n}@example.org", date_joined=Now(), first_name="à 100 %")
        for n in range(rows)
    )

    assert len(users) == rows
    assert User.objects.filter(username__startswith="lot", first_name="à 100 %").count() == rows


def database_settings(tmp_path: Path, **variables: str) -> dict:
    code = "import json, django; django.setup(); from django.conf import settings; "
    code += "db = settings.DATABASES['default']; print(json.dumps([db['ENGINE'], db.get('OPTIONS', {})]))"
    environment = PRODUCTION_ENV | {"DATABASE_URL": "postgres://moisson@db:5432/moisson?sslmode=require"}
    done = run_python(code, env=clean_environment(tmp_path, **environment, **variables))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_production_prepares_by_default_and_a_threshold_of_zero_keeps_client_binding(tmp_path):
    engine, options = database_settings(tmp_path)
    assert engine == "moisson.postgresql"
    assert options == {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}

    engine, options = database_settings(tmp_path, DATABASE_PREPARE_THRESHOLD="0")
    assert engine == "moisson.postgresql"
    assert options == {"sslmode": "require"}
