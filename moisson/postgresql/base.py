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

import psycopg
from django.db.backends.postgresql import base
from psycopg.abc import Params, Query

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


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params["cursor_factory"] is base.ServerBindingCursor:
            params["cursor_factory"] = PreparingCursor
        return params
