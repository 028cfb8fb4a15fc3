"""Django's PostgreSQL backend, with the statements every request repeats prepared once per connection
(issue 14), and `ENGINE` of a PostgreSQL `DATABASE_URL` (moisson/settings.py).

Django binds parameters on the client by default: each query goes to PostgreSQL as a new text to parse and
plan. With `server_side_binding` and psycopg's `prepare_threshold` (`DATABASE_PREPARE_THRESHOLD`), a query
sent that many times on a connection is prepared and then only executed: measured, the database's own CPU
falls by half to two thirds on the short reads of every request (bench/RESULTS.md). Connections are kept
(`DATABASE_CONN_MAX_AGE`), so the statements stay prepared for the next requests; psycopg keeps at most 100
per connection and deallocates the oldest.

One thing server-side binding cannot do: the wire protocol numbers a statement's parameters on 16 bits, so a
statement with more than 65,535 of them (an `IN` over a long list of ids, a `bulk_create` of many rows, the
cascades of a large deletion) is refused. Such a statement is bound on the client instead, as Django would
have done, and sent once without being prepared.
"""

import datetime
import functools

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.abc import AdaptContext, Params, Query
from psycopg.adapt import AdaptersMap
from psycopg.postgres import types
from psycopg.pq import Format

# The most parameters a statement bound by the server can have (a 16-bit count in the protocol).
MAX_BOUND_PARAMETERS = 65_535


class PreparingCursor(base.ServerBindingCursor):
    """Binds parameters on the server (so psycopg can prepare), except where the protocol cannot."""

    def execute(self, query: Query, params: Params | None = None, **kwargs: object) -> "PreparingCursor":
        if params is not None and len(params) > MAX_BOUND_PARAMETERS:
            query = psycopg.ClientCursor(self.connection).mogrify(query, params)
            params = None
            kwargs["prepare"] = False
        return super().execute(query, params, **kwargs)


TIMESTAMPTZ_OID = types["timestamptz"].oid
# psycopg's own loader of timestamptz text: its C version when psycopg's C implementation is installed.
_PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UTCTimestamptzLoader(BaseTzLoader):
    """Django's loader of timestamptz values for a connection in UTC, doing its parsing with psycopg's C
    loader instead of the Python one it derives from (Django ticket #36960): 0.15 µs a value instead of
    1.8, for every moment of every row read (sessions, pages, lists, votes). Its values are Django's: the
    moment in the session's time zone, which Django sets to UTC, with `datetime.timezone.utc` put in."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        self._parse = _PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data: bytes) -> datetime.datetime:
        return self._parse(data).replace(tzinfo=self.timezone)


@functools.cache
def _adapters_with_fast_moments(template: AdaptersMap) -> AdaptersMap:
    adapters = AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ_OID, UTCTimestamptzLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params["cursor_factory"] is base.ServerBindingCursor:
            params["cursor_factory"] = PreparingCursor
        # Only where Django's loader would put UTC in too (USE_TZ, the database's TIME_ZONE left to UTC), and
        # where psycopg has a C loader to call.
        if (
            self.timezone is datetime.UTC
            and _PSYCOPG_TIMESTAMPTZ_LOADER.__module__ != "psycopg.types.datetime"
        ):
            params["context"] = _adapters_with_fast_moments(params["context"])
        return params
