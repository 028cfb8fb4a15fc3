"""`QuerySet.get(field=value)` with its SQL compiled once, for the reads every request makes: the signed-in
account and the API token (accounts.authentication).

Issue 14 measured the ORM at about three times the cost of the database round trip for these reads: most
of a request's own CPU went into building the query and compiling it to SQL, again on every request, for
the same SQL. Here the ORM builds and compiles the query on the first call in each thread (a database
connection belongs to one thread), then each call sends that SQL with the new value and turns the row into
objects the way the ORM does (its converters, `Model.from_db`, the `select_related` objects). Nothing is kept
between calls but the SQL: the database is read every time, so a change made by any door (a bulk `update()`
included) is seen on the next call.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import MAX_GET_RESULTS, get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Compiled:
    """What the ORM worked out for one connection: the SQL, and how to turn a row into objects."""

    connection: BaseDatabaseWrapper
    sql: str
    compiler: SQLCompiler  # its converters are the connection's own (SQLite parses dates, PostgreSQL JSON)
    converters: dict[int, tuple[list[Callable], Any]]
    model: type[Model]
    columns: slice  # the model's own columns in a row; the select_related ones follow
    attnames: list[str]
    related: list[Any]  # Django's RelatedPopulator of each select_related object


class CompiledGet:
    """`queryset().get(**{field: value})`, with the same SQL and the same objects, compiled once per thread.

    `queryset` is called once per thread, so that the models are only touched once the apps are loaded.
    """

    def __init__(self, queryset: Callable[[], QuerySet], field: str) -> None:
        self.queryset = queryset
        self.field = field
        self.local = threading.local()

    def get(self, value: object) -> Model | None:
        """The object whose `field` equals `value`, or None; MultipleObjectsReturned as `QuerySet.get`."""
        if value is None:  # the ORM would write IS NULL: a different statement, and no key is null
            return None
        compiled = getattr(self.local, "compiled", None)
        if compiled is None or compiled.connection is not connections[compiled.connection.alias]:
            compiled = self.local.compiled = self.compile(value)
        model = compiled.model
        field = model._meta.pk if self.field == "pk" else model._meta.get_field(self.field)
        with compiled.connection.cursor() as cursor:
            cursor.execute(compiled.sql, [field.get_db_prep_value(value, compiled.connection)])
            rows = cursor.fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {model.__name__}")
        row = rows[0]
        if compiled.converters:  # the database's values as the fields want them (dates, JSON, booleans)
            (row,) = compiled.compiler.apply_converters(rows, compiled.converters)
        obj = model.from_db(compiled.connection.alias, compiled.attnames, row[compiled.columns])
        for populator in compiled.related:
            populator.populate(row, obj)
        return obj

    def compile(self, value: object) -> Compiled:
        # What QuerySet.get() builds: no ordering, at most MAX_GET_RESULTS rows.
        queryset = self.queryset().filter(**{self.field: value}).order_by()
        queryset.query.set_limits(high=MAX_GET_RESULTS)
        connection = connections[queryset.db]
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if len(params) != 1 or compiler.annotation_col_map:
            raise ValueError(f"CompiledGet reads one model by one value, not {sql!r}")
        select, klass_info = compiler.select, compiler.klass_info
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return Compiled(
            connection=connection,
            sql=sql,
            compiler=compiler,
            converters=compiler.get_converters([column for column, _sql, _alias in select]),
            model=klass_info["model"],
            columns=slice(first, last),
            attnames=[column.target.attname for column, _sql, _alias in select[first:last]],
            related=get_related_populators(klass_info, select, queryset.db),
        )
