"""Querysets whose SQL is compiled once, for the reads every request makes: the signed-in account and the
API token (accounts.authentication), the review queue's hand-out (review.voting.next_pair_for).

Issue 14 measured the ORM at about three times the cost of the database round trip for these reads: most
of a request's own CPU went into building the query and compiling it to SQL, again on every request, for
the same SQL. Here the ORM builds and compiles the query once per thread (a database connection belongs to
one thread) and per shape, with `Param` placeholders where the values go; each call then sends that SQL
with its own values and turns the rows into objects the way the ORM does (its converters, `Model.from_db`,
the `select_related` objects). Nothing is kept between calls but the SQL: the database is read every time,
so a change made by any door (a bulk `update()` included) is seen on the next call.
"""

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import MAX_GET_RESULTS, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# Compiled statements kept per CompiledQuery and thread.
MAX_SHAPES = 64


class Param(Expression):
    """The place of a value that each call of a CompiledQuery gives (`values[name]`, or its `index`-th item
    when the value is a list): in the SQL, a placeholder; in the statement's parameters, this object until the
    call puts the value, prepared by `field` for the database as the ORM prepares it, in its place."""

    def __init__(self, name: str, field: Field, index: int | None = None) -> None:
        super().__init__(output_field=field)
        self.name, self.index = name, index

    @classmethod
    def items(cls, name: str, field: Field, count: int) -> list["Param"]:
        """One Param per item of the list `values[name]`, for an `IN (...)` of `count` items."""
        return [cls(name, field, index) for index in range(count)]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list]:
        return "%s", [self]

    def value(self, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> object:
        value = values[self.name] if self.index is None else values[self.name][self.index]
        return self.output_field.get_db_prep_value(value, connection)

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {self.index!r})"


@dataclass(frozen=True)
class Compiled:
    """What the ORM worked out for one connection: the SQL, and how to turn a row into objects."""

    connection: BaseDatabaseWrapper
    sql: str
    params: list  # the statement's parameters: constants, and the Params each call fills in
    slots: list[tuple[int, Param]]
    compiler: SQLCompiler  # its converters are the connection's own (SQLite parses dates, PostgreSQL JSON)
    converters: dict[int, tuple[list[Callable], Any]]
    model: type[Model] | None  # None for a values() query: rows stay tuples
    columns: slice  # the model's own columns in a row; the select_related ones follow
    attnames: list[str]
    related: list[Any]  # Django's RelatedPopulator of each select_related object

    def rows(self, values: Mapping[str, Any]) -> list[tuple]:
        params = list(self.params)
        for position, param in self.slots:
            params[position] = param.value(values, self.connection)
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if rows and self.converters:  # the database's values as the fields want them (dates, JSON, booleans)
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows

    def objects(self, rows: list[tuple]) -> list[Model]:
        objects = []
        for row in rows:
            obj = self.model.from_db(self.connection.alias, self.attnames, row[self.columns])
            for populator in self.related:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


def compile_queryset(queryset: QuerySet) -> Compiled:
    connection = connections[queryset.db]
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info
    is_values = queryset._fields is not None  # values() / values_list(): tuples of the selected columns
    if not is_values and compiler.annotation_col_map:
        raise ValueError(f"a compiled query reads model rows or values, not annotated models: {sql!r}")
    columns = [column for column, _sql, _alias in select]
    compiled = {
        "connection": connection,
        "sql": sql,
        "params": list(params),
        "slots": [(position, param) for position, param in enumerate(params) if isinstance(param, Param)],
        "compiler": compiler,
        "converters": compiler.get_converters(columns),
    }
    if is_values:
        return Compiled(**compiled, model=None, columns=slice(None), attnames=[], related=[])
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return Compiled(
        **compiled,
        model=klass_info["model"],
        columns=slice(first, last),
        attnames=[column.target.attname for column, _sql, _alias in select[first:last]],
        related=get_related_populators(klass_info, select, queryset.db),
    )


class CompiledQuery:
    """The queryset `build(*shape)` makes, with Params where the values go, compiled once per thread and per
    shape. The shape is what changes the SQL itself rather than its values: how many items a list has, a
    setting the query reads. `build` is only called on the first call of a shape in a thread, so that the
    models are only touched once the apps are loaded.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self.local = threading.local()

    def compiled(self, shape: tuple[Hashable, ...]) -> Compiled:
        by_shape = self.local.__dict__.setdefault("by_shape", {})
        compiled = by_shape.get(shape)
        if compiled is None or compiled.connection is not connections[compiled.connection.alias]:
            if len(by_shape) >= MAX_SHAPES:
                by_shape.clear()  # shapes a client chose (lists of every length): memory stays bounded
            compiled = by_shape[shape] = compile_queryset(self.build(*shape))
        return compiled

    def rows(self, shape: tuple[Hashable, ...] = (), **values: Any) -> list[tuple]:
        """The rows of a values() / values_list() query, converted as the ORM converts them."""
        return self.compiled(shape).rows(values)

    def objects(self, shape: tuple[Hashable, ...] = (), **values: Any) -> list[Model]:
        compiled = self.compiled(shape)
        return compiled.objects(compiled.rows(values))

    def first(self, shape: tuple[Hashable, ...] = (), **values: Any) -> Model | None:
        """The first object (`build` limits the query to one row, `[:1]`, in the order it wants), or None."""
        objects = self.objects(shape, **values)
        return objects[0] if objects else None


class CompiledGet:
    """`queryset().get(**{field: value})`, with the same SQL and the same objects, compiled once per thread.

    Compiled with the first value it is given rather than a Param: the SQL is then Django's own, to the
    character (a Param on the right of a lookup comes out in parentheses).
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
        objects = compiled.objects(compiled.rows({"value": value}))
        if len(objects) > 1:
            model = compiled.model
            raise model.MultipleObjectsReturned(f"get() returned more than one {model.__name__}")
        return objects[0] if objects else None

    def compile(self, value: object) -> Compiled:
        # What QuerySet.get() builds: no ordering, at most MAX_GET_RESULTS rows.
        queryset = self.queryset().filter(**{self.field: value}).order_by()
        queryset.query.set_limits(high=MAX_GET_RESULTS)
        compiled = compile_queryset(queryset)
        if len(compiled.params) != 1 or compiled.model is None:
            raise ValueError(f"CompiledGet reads one model by one value, not {compiled.sql!r}")
        meta = compiled.model._meta
        field = meta.pk if self.field == "pk" else meta.get_field(self.field)
        return replace(compiled, slots=[(0, Param("value", field))])
