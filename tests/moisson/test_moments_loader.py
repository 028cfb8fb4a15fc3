"""The moments PostgreSQL sends are read by psycopg's C loader, with Django's values
(moisson/postgresql/base.py, `UTCTimestamptzLoader`)."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from collect.models import Pair
from moisson.postgresql.base import TIMESTAMPTZ_OID, UTCTimestamptzLoader
from tests.factories import make_pair

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db,
]

MOMENTS = [
    "2026-11-30 05:10:40.123456+00",
    "2024-02-29 23:59:59.999999+05:30",
    "2026-03-29 02:30:00+02",
    "2026-10-25 02:30:00+01",
    "1970-01-01 00:00:00+00",
    "1900-06-15 12:00:00.5-09:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def read(cursor) -> list[datetime.datetime]:
    cursor.execute(
        "SELECT moment::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS m(moment, n) ORDER BY n",
        [MOMENTS],
    )
    return [moment for (moment,) in cursor.fetchall()]


def test_the_connection_reads_moments_with_psycopg_s_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)

    assert loader is UTCTimestamptzLoader
    parse = loader(TIMESTAMPTZ_OID, connection.connection)._parse
    assert type(parse.__self__).__module__ == "psycopg_binary._psycopg"


def test_moments_are_read_as_django_reads_them():
    with connection.cursor() as cursor:
        ours = read(cursor)
    with connection.cursor() as cursor:
        # Django's own loader, on this cursor only.
        register_tzloader(connection.timezone, cursor.cursor)
        djangos = read(cursor)

    assert ours == djangos
    assert [moment.tzinfo for moment in ours] == [datetime.UTC] * len(MOMENTS)
    assert [moment.isoformat() for moment in ours] == [moment.isoformat() for moment in djangos]


def test_a_model_s_moments_are_aware_and_in_utc():
    pair = make_pair()

    stored = Pair.objects.get(pk=pair.pk)

    assert stored.created_at == pair.created_at
    assert stored.created_at.tzinfo is datetime.UTC
