"""The few reads and the one insert every API call makes, as plain SQL (DESIGN 12).

Building a query through the ORM costs about as much CPU as running it on PostgreSQL
(a select with three joins: ~1 ms of Python for ~0.3 ms in the database). The token
look-up, the one-row reads and the access event are on every request, so they are
written here once as SQL text made from the models' own metadata (table and column names,
so a renamed field cannot drift) and read back through Django's own converters and
`Model.from_db`: the same instances the ORM would build, without rebuilding the query.

Between requests only the SQL *text* is kept (per model and database vendor), and on
PostgreSQL the cursor of a statement that read at most one row (`fetch`); every call runs
its statement and reads the rows the database returns now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@dataclass(frozen=True)
class Shape:
    """How to read one model's row from `width` columns of a result row."""

    model: type[Model]
    names: tuple[str, ...]  # the concrete fields' attnames, in select order
    converters: tuple[tuple[int, tuple[tuple[Converter, Any], ...]], ...]
    pk_index: int
    plain: bool  # may be built without Model.__init__ (see `load`)

    @property
    def width(self) -> int:
        return len(self.names)

    def load(self, row: Sequence[Any], start: int, db: str) -> Any:
        """The instance whose columns start at `row[start]`."""
        values = list(row[start : start + len(self.names)])
        if self.converters:
            connection = connections[db]
        for index, converters in self.converters:
            value = values[index]
            for convert, expression in converters:
                value = convert(value, expression, connection)
            values[index] = value
        if not self.plain:
            return self.model.from_db(db, self.names, values)
        # What Model.__init__ does with a row (all fields, or all but deferred ones) when
        # the model has no __init__ of its own and nothing listens to pre_init/post_init:
        # the values straight into the instance's __dict__, skipping one setattr (and
        # descriptor) per field.
        instance = self.model.__new__(self.model)
        instance.__dict__.update(zip(self.names, values, strict=True))
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        return instance


_shapes: WeakKeyDictionary[
    BaseDatabaseWrapper, dict[tuple[type[Model], tuple[str, ...]], Shape]
] = WeakKeyDictionary()


def shape(model: type[Model], db: str = "default", without: tuple[str, ...] = ()) -> Shape:
    """`model`'s columns and converters on the connection `db` (worked out once per
    connection: the converters are the backend's, as the ORM's compiler would apply).
    The fields named in `without` are left out and come back deferred, as the ORM's
    `defer` leaves them (read on first use): a large JSON column a page never shows."""
    connection = connections[db]
    known = _shapes.setdefault(connection, {})
    found = known.get((model, without))
    if found is None:
        fields = _fields(model, without)
        converters = []
        for index, field in enumerate(fields):
            column, found_converters = _converters(model, field, connection)
            if found_converters:
                converters.append((index, tuple((c, column) for c in found_converters)))
        names = tuple(f.attname for f in fields)
        assert model._meta.pk is not None
        # A field left out is deferred either way: Model.from_db passes it as DEFERRED,
        # which __init__ skips, and `load` never puts it in __dict__ (a deferred field is
        # one whose attname is not there: Model.get_deferred_fields).
        plain = model.__init__ is Model.__init__ and not (
            pre_init.has_listeners(model) or post_init.has_listeners(model)
        )
        pk_index = names.index(model._meta.pk.attname)
        found = Shape(model, names, tuple(converters), pk_index, plain)
        known[(model, without)] = found
    return found


def columns(
    model: type[Model], alias: str, db: str = "default", without: tuple[str, ...] = ()
) -> str:
    """`alias."column", ...` for every concrete field of `model` (but those named in
    `without`), in `shape` order."""
    quote = connections[db].ops.quote_name
    return ", ".join(f"{alias}.{quote(_column(f))}" for f in _fields(model, without))


def _fields(model: type[Model], without: tuple[str, ...]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if f.name not in without]


def columns_of(
    *parts: tuple[type[Model], str],
    db: str = "default",
    without: Mapping[type[Model], tuple[str, ...]] | None = None,
) -> str:
    """The `columns` of each (model, alias) in turn, for a row `load_all` reads with the
    same models and `without`."""
    return ", ".join(
        columns(model, alias, db, (without or {}).get(model, ())) for model, alias in parts
    )


def converted(value: Any, model: type[Model], name: str, db: str = "default") -> Any:
    """`value` as read from the database for `model`'s field `name` (a scalar sub-query's
    answer), through the converters the ORM would apply to that field."""
    connection = connections[db]
    column, found_converters = _converters(model, model._meta.get_field(name), connection)
    for convert in found_converters:
        value = convert(value, column, connection)
    return value


def _converters(
    model: type[Model], field: Any, connection: BaseDatabaseWrapper
) -> tuple[Any, list[Converter]]:
    """The column expression of `model`'s `field` and the converters the ORM's compiler
    applies to it: the backend's, then the field's own."""
    column = field.get_col(model._meta.db_table)
    return column, [
        *connection.ops.get_db_converters(column),
        *field.get_db_converters(connection),
    ]


def _column(field: Any) -> str:
    column: str = field.column  # set for every concrete field
    return column


def table(model: type[Model], db: str = "default") -> str:
    return connections[db].ops.quote_name(model._meta.db_table)


def fetch(sql: str, params: Sequence[Any], db: str = "default") -> list[tuple[Any, ...]]:
    """The rows of one SELECT (through Django's cursor wrapper: counted, logged and wrapped
    as any ORM statement is; a prepared statement on PostgreSQL, see `cursor`, on a cursor
    kept for the statement: see `_statement_cursor`)."""
    connection = connections[db]
    if connection.vendor != "postgresql":
        with cursor(db) as found:
            found.execute(sql, params)
            return found.fetchall()
    found = _statement_cursor(connection, sql)
    found.execute(sql, params)
    fetched: list[tuple[Any, ...]] = found.fetchall()
    if len(fetched) > _KEPT_ROWS:
        # A cursor holds its last result until it runs again: a list's is let go with it.
        kept = _kept[connection].cursors.pop(sql)
        kept.close()
    return fetched


@dataclass
class _Kept:
    """The cursors `fetch` keeps on one open PostgreSQL connection, by statement."""

    connection: Any  # psycopg's connection: a new one (reconnected) starts afresh
    cursors: dict[str, Any]


_kept: WeakKeyDictionary[BaseDatabaseWrapper, _Kept] = WeakKeyDictionary()
# As many as psycopg keeps prepared statements on a connection; the oldest goes first.
_KEPT_STATEMENTS = 100
# Kept only after reading at most this many rows (a token's check, a row by id), so that
# what the kept cursors hold stays small: a list's statement gets a new cursor each time.
_KEPT_ROWS = 1


def _statement_cursor(connection: BaseDatabaseWrapper, sql: str) -> Any:
    """`cursor`'s prepared cursor, the same one each time `sql` runs on this connection.

    psycopg sets up how to read each column of a result (a loader per column, Django's
    time-zone loader being Python) once per cursor and statement: a new cursor for every
    statement did it on every call, a tenth of the Python of a one-row API read (issue
    15). A kept cursor reads afresh each time it runs, like a new one; it is used only
    in `fetch`, where each run's rows are all fetched before anything else runs on it."""
    current = _opened(connection)
    kept = _kept.get(connection)
    if kept is None or kept.connection is not current:
        kept = _kept[connection] = _Kept(current, {})
    prepared = kept.cursors.get(sql)
    if prepared is None:
        while len(kept.cursors) >= _KEPT_STATEMENTS:
            kept.cursors.pop(next(iter(kept.cursors))).close()
        with connection.wrap_database_errors:
            prepared = kept.cursors[sql] = _prepared_cursor_class()(current)
    return connection._prepare_cursor(prepared)  # type: ignore[attr-defined]


def cursor(db: str = "default") -> Any:
    """A cursor for this module's statements, in Django's wrapper (counted, logged, errors
    translated). On PostgreSQL it binds on the server and prepares each statement on its
    first run in a connection: PostgreSQL spent 0.43 ms planning each of the hot joins
    (token with clinic, user and membership; appointment with its four) against 0.05 ms
    running them, and a prepared statement is planned once per connection. Django's own
    cursors bind on the client and never prepare (its default, kept for the ORM: some ORM
    statements need client-side binding); these statements are written for both."""
    connection = connections[db]
    if connection.vendor != "postgresql":
        return connection.cursor()
    current = _opened(connection)
    with connection.wrap_database_errors:
        prepared = _prepared_cursor_class()(current)
        return connection._prepare_cursor(prepared)  # type: ignore[attr-defined]


def _opened(connection: BaseDatabaseWrapper) -> Any:
    """psycopg's connection under `connection`, checked and (re)opened as Django does
    before a statement."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection.connection


@cache
def _prepared_cursor_class() -> type:
    import psycopg  # only where PostgreSQL is the database

    class Prepared(psycopg.Cursor):
        """A server-side binding cursor that prepares every statement it runs (psycopg
        keeps up to 100 per connection, and reuses them by their text)."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return Prepared


def load_all(
    rows: Sequence[Sequence[Any]],
    *models_: type[Model],
    db: str = "default",
    without: Mapping[type[Model], tuple[str, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """Each row as one instance of each of `models_`, their columns one after another
    (those `without` names for a model left out and deferred, as in `shape`); None for a
    model whose primary key is NULL (the missing side of a LEFT JOIN)."""
    shapes = [shape(m, db, (without or {}).get(m, ())) for m in models_]
    loaded = []
    for row in rows:
        start = 0
        instances = []
        for s in shapes:
            instances.append(None if row[start + s.pk_index] is None else s.load(row, start, db))
            start += s.width
        loaded.append(tuple(instances))
    return loaded


def one[M: Model](
    model: type[M], db: str = "default", *, newest_by: tuple[str, ...] = (), **equals: Any
) -> M | None:
    """The row of `model` whose columns equal `equals` (column names: `clinic_id`, `id`),
    or None: `SELECT ... WHERE a = %s AND b = %s`, its text made once. With `newest_by`
    (column names), of several such rows the first in descending order of those columns
    (a patient's latest intake, their newest active plan)."""
    sql = one_sql(model, tuple(equals), db, newest_by)
    found = fetch(sql, list(equals.values()), db)
    return None if not found else shape(model, db).load(found[0], 0, db)


@cache
def one_sql(
    model: type[Model], names: tuple[str, ...], db: str, newest_by: tuple[str, ...] = ()
) -> str:
    quote = connections[db].ops.quote_name
    where = " AND ".join(f"{quote(name)} = %s" for name in names)
    selected, name = columns(model, table(model, db), db), table(model, db)
    sql = f"SELECT {selected} FROM {name} WHERE {where}"  # noqa: S608 - names from the models, values as parameters
    if newest_by:
        sql += f" ORDER BY {', '.join(f'{quote(n)} DESC' for n in newest_by)} LIMIT 1"
    return sql


def attach(instance: Model, name: str, related: Model | None) -> None:
    """Sets the foreign key `name` of `instance` to `related`, already read with it (as
    select_related does: no query when it is used)."""
    field = instance._meta.get_field(name)
    field.set_cached_value(instance, related)  # type: ignore[union-attr]


def insert(instance: models.Model, db: str = "default") -> None:
    """INSERTs a new `instance` (every concrete field but an auto primary key, as the
    ORM's save would) in one statement, and sets its primary key from RETURNING. For
    append-only rows without signals: no save() hooks run."""
    model = type(instance)
    connection = connections[db]
    fields = _written_fields(model)
    sql = _insert_sql(model, connection)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with cursor(db) as inserting:
        inserting.execute(sql, params)
        row = inserting.fetchone()
    assert row is not None
    _inserted(instance, row[0], db)


def _written_fields(model: type[Model]) -> list[Any]:
    """The fields an INSERT of `model` writes: every concrete one but an auto primary key,
    as the ORM's save writes them."""
    return [f for f in model._meta.concrete_fields if f is not model._meta.auto_field]


def _inserted(instance: models.Model, pk_value: Any, db: str) -> None:
    """Marks `instance` as stored in `db` with the primary key RETURNING gave, through the
    converters the ORM applies to it."""
    connection = connections[db]
    model = type(instance)
    pk = model._meta.pk
    assert pk is not None
    for convert in connection.ops.get_db_converters(pk.get_col(model._meta.db_table)):
        pk_value = convert(pk_value, pk, connection)
    setattr(instance, pk.attname, pk_value)
    instance._state.adding = False
    instance._state.db = db


def insert_all(instances: Sequence[models.Model], db: str = "default") -> None:
    """INSERTs new `instances` of one model, as `insert` does each, in as few statements as
    the database takes (one for a booking's reminders): what `bulk_create` does, without
    building its query through the ORM's compiler, which cost a booking about as much as
    the database's work. Their primary keys are not read back: for rows written and
    left, as a booking's outbox rows are."""
    if not instances:
        return
    model = type(instances[0])
    assert all(type(i) is model for i in instances), "one model at a time"
    connection = connections[db]
    fields = _written_fields(model)
    if connection.vendor == "postgresql":
        # One array a column (the statement's text is then the same for any number of
        # rows: psycopg parses it once, and PostgreSQL plans it once per connection, where
        # a VALUES list of 200 parameters was parsed again on every booking).
        columns = [
            [f.get_db_prep_save(f.pre_save(instance, True), connection) for instance in instances]
            for f in fields
        ]
        with cursor(db) as inserting:
            inserting.execute(_unnest_insert_sql(model, db), columns)
    else:
        _insert_values(instances, fields, connection, db)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = db


@cache
def _unnest_insert_sql(model: type[Model], db: str) -> str:
    connection = connections[db]
    quote = connection.ops.quote_name
    fields = _written_fields(model)
    arrays = ", ".join(f"CAST(%s AS {_cast_type(f, connection)}[])" for f in fields)
    return (
        f"INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608 - names from the models, values as parameters
        f" ({', '.join(quote(_column(f)) for f in fields)}) SELECT * FROM unnest({arrays})"
    )


def _cast_type(field: Any, connection: BaseDatabaseWrapper) -> str:
    """The type a parameter is cast to on its way into `field`'s column: text without its
    length, so that the column itself refuses a value too long (PostgreSQL's explicit cast
    to varchar(n) would cut it short without a word)."""
    if isinstance(field, models.CharField):
        return str(connection.ops.cast_char_field_without_max_length)
    return str(field.cast_db_type(connection))


def _insert_values(
    instances: Sequence[models.Model],
    fields: list[Any],
    connection: BaseDatabaseWrapper,
    db: str,
) -> None:
    """`insert_all` elsewhere than PostgreSQL: INSERT ... VALUES, in the batches the
    database takes."""
    model = type(instances[0])
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    batch = max(1, connection.ops.bulk_batch_size(fields, instances))
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names from the models, values as parameters
        f"({', '.join(quote(_column(f)) for f in fields)}) VALUES "
    )
    with cursor(db) as inserting:
        for start in range(0, len(instances), batch):
            part = instances[start : start + batch]
            params = [
                f.get_db_prep_save(f.pre_save(instance, True), connection)
                for instance in part
                for f in fields
            ]
            inserting.execute(head + ", ".join([row] * len(part)), params)


def insert_with_history(
    instance: models.Model, *, skip_conflicts: bool = False, db: str = "default"
) -> bool:
    """PostgreSQL only: INSERTs a new `instance` of a model simple-history tracks, and its
    history row as simple-history's post_save receiver writes it (type "+", the same user,
    date and change reason, the row's values as stored), in one statement: the history
    INSERT reads the new row from a data-modifying WITH. Sets the primary key; True.

    With `skip_conflicts`, a row that a unique or exclusion constraint refuses is not
    written, nor its history (ON CONFLICT DO NOTHING), and the answer is False. The
    transaction stays usable, so the caller needs no savepoint to go on after a refusal.
    A booking saved through the ORM in a savepoint paid four round trips for what this
    does in one (DESIGN 12). No save signal is sent: for models whose only save hook is
    simple-history's post_save (tests/rows/test_insert_with_history.py holds them to it)."""
    from mesodesk.history import records_of  # the models import this module

    connection = connections[db]
    if connection.vendor != "postgresql":
        raise RuntimeError("insert_with_history is for PostgreSQL")
    model = type(instance)
    records = records_of(model)
    sql, fields, extra = _tracked_insert_sql(model, skip_conflicts, db)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    user = records.get_history_user(instance)
    given = {
        "history_date": getattr(instance, "_history_date", None) or timezone.now(),
        "history_type": "+",
        "history_user": getattr(user, "pk", user),
        "history_change_reason": records.get_change_reason_for_object(instance, "+", db),
    }
    params += [f.get_db_prep_save(given[f.name], connection) for f in extra]
    with cursor(db) as inserting:
        inserting.execute(sql, params)
        row = inserting.fetchone()
    if row is None:
        return False
    _inserted(instance, row[0], db)
    return True


# The columns of a history row that simple-history fills in itself, not from the model.
_HISTORY_OWN = ("history_date", "history_type", "history_user", "history_change_reason")


@cache
def _tracked_insert_sql(
    model: type[Model], skip_conflicts: bool, db: str
) -> tuple[str, list[models.Field[Any, Any]], list[models.Field[Any, Any]]]:
    """`insert_with_history`'s statement, the model's fields its first parameters are for,
    and the history's own fields (`_HISTORY_OWN`) the rest are for."""
    from mesodesk.history import records_of

    connection = connections[db]
    quote = connection.ops.quote_name
    records = records_of(model)
    history: type[Model] = getattr(model, records.manager_name).model
    pk = model._meta.pk
    assert pk is not None
    fields = _written_fields(model)
    copied = {f.name: f for f in records.fields_included(model)}
    extra = [_field(history, name) for name in _HISTORY_OWN]
    targets, sources = [], []
    for field in history._meta.concrete_fields:
        if field is history._meta.pk:
            continue
        if field.name in copied:
            targets.append(quote(_column(field)))
            sources.append(f"n.{quote(_column(copied[field.name]))}")
        elif field.name not in _HISTORY_OWN:
            # A history column filled by a simple-history feature this does not copy.
            raise NotImplementedError(f"{history.__name__}.{field.name}")
    for field in extra:
        targets.append(quote(_column(field)))
        sources.append(f"CAST(%s AS {_cast_type(field, connection)})")
    returned = quote(_column(_field(history, pk.name)))
    on_conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    sql = (
        f"WITH n AS (INSERT INTO {quote(model._meta.db_table)}"  # noqa: S608 - names from the models, values as parameters
        f" ({', '.join(quote(_column(f)) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))}){on_conflict} RETURNING *)"
        f" INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)})"
        f" SELECT {', '.join(sources)} FROM n RETURNING {returned}"
    )
    return sql, fields, extra


def _field(model: type[Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


_insert_sqls: WeakKeyDictionary[BaseDatabaseWrapper, dict[type[Model], str]] = WeakKeyDictionary()


def _insert_sql(model: type[Model], connection: BaseDatabaseWrapper) -> str:
    known = _insert_sqls.setdefault(connection, {})
    sql = known.get(model)
    if sql is None:
        quote = connection.ops.quote_name
        fields = _written_fields(model)
        pk = model._meta.pk
        assert pk is not None
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names from the models, values as parameters
            f"({', '.join(quote(_column(f)) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(_column(pk))}"
        )
        known[model] = sql
    return sql


def lock(model: type[Model], pk: Any, db: str = "default") -> bool:
    """Holds `model`'s row `pk` (SELECT ... FOR UPDATE) until the transaction ends, as the
    ORM's `select_for_update().filter(pk=...).first()` would, without building that query;
    whether the row is there. On SQLite, which has no row locks, a plain read (there the
    write transaction, begun IMMEDIATE, already holds the whole database)."""
    with cursor(db) as locking:
        locking.execute(_lock_sql(model, db), [pk])
        return locking.fetchone() is not None


@cache
def _lock_sql(model: type[Model], db: str) -> str:
    connection = connections[db]
    pk = model._meta.pk
    assert pk is not None
    column = connection.ops.quote_name(_column(pk))
    sql = f"SELECT {column} FROM {table(model, db)} WHERE {column} = %s"  # noqa: S608 - names from the models, values as parameters
    return sql + (" FOR UPDATE" if connection.features.has_select_for_update else "")
