"""Writes to the access log; it is only ever appended to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.http import HttpRequest
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.accounts.services import api_token_params, api_token_sql, api_token_width
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.clinics.models import Clinic


def record_access(
    *,
    clinic: Clinic,
    user: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    patient: models.Model | None = None,
    ip: str | None = None,
    path: str = "",
) -> AccessEvent:
    """Appends who did `action` (read, export, download) to which object, when, from where.

    `patient` is whose data it is; when `obj` is a patient it is that patient. One INSERT,
    atomic by itself: no transaction of its own (BEGIN and COMMIT would be two more round
    trips on every read of a patient), and inside a caller's transaction it is part of it.
    Its SQL text is made once (mesodesk.rows), not built by the ORM on every read.
    """
    if action not in AccessAction.values:
        raise ValidationError({"action": f"Unknown access action {action!r}."})
    if patient is None and obj._meta.label_lower == "patients.patient":
        patient = obj
    for thing in (obj, patient):
        owner = getattr(thing, "clinic_id", clinic.pk)
        if owner != clinic.pk:
            raise ValidationError({"obj": "The object belongs to another clinic."})
    event = _event(
        clinic=clinic,
        user=user,
        action=action,
        obj=obj,
        patient_id=patient.pk if patient is not None else None,
        ip=ip,
        path=path,
    )
    rows.insert(event, router.db_for_write(AccessEvent))
    return event


def _event(
    *,
    clinic: Clinic,
    user: User | AnonymousUser | None,
    action: str,
    obj: models.Model | type[models.Model],
    patient_id: int | None,
    ip: str | None,
    path: str,
) -> AccessEvent:
    """An unsaved event: an anonymous reader is logged without a user, and the path is
    cut to what the column holds. `obj` a model class: the row's id comes from the
    database (fetch_read)."""
    return AccessEvent(
        clinic=clinic,
        user=user if user is not None and user.is_authenticated else None,
        patient_id=patient_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id="" if isinstance(obj, type) else str(obj.pk),
        ip=ip,
        path=path[:_PATH_LENGTH],
    )


_PATH_LENGTH = AccessEvent._meta.get_field("path").max_length


def record_read(
    request: HttpRequest,
    *,
    clinic: Clinic,
    obj: models.Model,
    patient: models.Model | None = None,
) -> AccessEvent:
    """Appends that the request's user read `obj` (a patient's record or one of its rows;
    the clinic itself for a page listing several patients) from the client's address.

    The path is logged without its query string: a search's words may be a patient's name.
    """
    return record_access(
        clinic=clinic,
        user=request.user,
        action=AccessAction.READ,
        obj=obj,
        patient=patient,
        ip=client_ip(request),
        path=request.path,
    )


def record_reads(
    request: HttpRequest,
    *,
    clinic: Clinic,
    reads: Iterable[tuple[models.Model, int]],
) -> list[AccessEvent]:
    """Appends that the request's user read each `(object, patient id)`, one event per
    patient (the first object read of them names what was read), in one INSERT: a page of
    fifty patients' appointments is fifty events, not fifty round trips.

    Every object must belong to `clinic`; the patient ids come from rows of the clinic
    (their owner is checked by the caller's clinic-scoped query).
    """
    ip = client_ip(request)
    events: dict[int, AccessEvent] = {}
    for obj, patient_id in reads:
        if getattr(obj, "clinic_id", clinic.pk) != clinic.pk:
            raise ValidationError({"obj": "The object belongs to another clinic."})
        if patient_id in events:
            continue
        events[patient_id] = _event(
            clinic=clinic,
            user=request.user,
            action=AccessAction.READ,
            obj=obj,
            patient_id=patient_id,
            ip=ip,
            path=request.path,
        )
    if len(events) == 1:
        # One read (an API answer of one row): the INSERT whose text is made once.
        (event,) = events.values()
        rows.insert(event, router.db_for_write(AccessEvent))
        return [event]
    return AccessEvent.objects.bulk_create(events.values()) if events else []


def fetch_read(
    *,
    clinic: Clinic,
    user: User | AnonymousUser | None,
    model: type[models.Model],
    sql: str,
    params: Sequence[Any],
    patient_column: str | None = "patient_id",
    ip: str | None,
    path: str,
) -> list[tuple[Any, ...]]:
    """The row `sql` selects (at most one: a read by id of a row of `model` of `clinic`,
    with an `id` column and the patient's id in `patient_column`), and, when there is
    one, the access event of reading it, as `record_access` writes it (none without a
    `patient_column`: a row that is no patient's data).

    On PostgreSQL both are one statement: the INSERT rides the SELECT as a data-modifying
    WITH, which runs to completion whether or not the outer query reads it. That is one
    round trip fewer on every read of one row (issue 15), and the event is still written
    in the same statement as the read, or neither happens. Elsewhere, the SELECT and then
    the INSERT.
    """
    db = router.db_for_write(AccessEvent)
    if patient_column is None:
        return rows.fetch(sql, params, db)
    event = _event(
        clinic=clinic,
        user=user,
        action=AccessAction.READ,
        obj=model,
        patient_id=None,
        ip=ip,
        path=path,
    )
    connection = connections[db]
    if connection.vendor != "postgresql":
        with rows.cursor(db) as reading:
            reading.execute(sql, params)
            found = reading.fetchall()
            names = [column[0] for column in reading.description]
        if found:
            row = found[0]
            event.patient_id = row[names.index(patient_column)]
            event.object_id = str(row[names.index("id")])
            rows.insert(event, db)
        return found
    values = [
        f.get_db_prep_save(f.pre_save(event, True), connection)
        for f in _event_fields()
        if f.name not in _FROM_ROW
    ]
    return rows.fetch(_fetch_read_sql(sql, patient_column, db), [*params, *values], db)


@dataclass(frozen=True)
class RowRead:
    """A read of one row of `model` by id: `sql` selects it from any clinic (with its
    `clinic_id`, its `id` and the patient's id in `patient_column`); where it runs, only
    the row of the caller's clinic is read (api.common.read_one). A row that is no
    patient's data (a lot of a product, say) has no `patient_column` (None): it is read
    without an access event."""

    model: type[models.Model]
    sql: str
    params: Sequence[Any]
    patient_column: str | None = "patient_id"

    def in_clinic(self, clinic: Clinic) -> tuple[str, list[Any]]:
        """The statement and its parameters, for the row of `clinic` only."""
        scoped = f"SELECT * FROM ({self.sql}) x WHERE x.clinic_id = %s"  # noqa: S608 - SQL from selectors, values as parameters
        return scoped, [*self.params, clinic.pk]


def reads_check_tokens() -> bool:
    """Whether an API read can check the caller's token in its own statement
    (`fetch_read_checking_token`): on PostgreSQL."""
    return connections[router.db_for_write(AccessEvent)].vendor == "postgresql"


def fetch_read_checking_token(
    *,
    digest: str,
    clinic_slug: str,
    read: RowRead,
    ip: str | None,
    path: str,
) -> list[tuple[Any, ...]]:
    """The API token whose digest is `digest`, checked as accounts.services.
    api_token_by_digest checks it, and in the same statement what `fetch_read` reads and
    writes for the token's user: the row `read` selects, only of the token's clinic and
    only when that clinic's slug is `clinic_slug`, and the access event of reading it (none
    for a row that is no patient's data: `RowRead.patient_column`).

    No row: no valid token, nothing read or written. One row: the token's columns
    (`api_token_sql` with `checked_by_read`) and then those of `read.sql`, all NULL when
    the token's clinic is not `clinic_slug` or it has no such row, and then no event was
    written. One statement for what took two (issue 15: the token's check was the first
    round trip of every API call); PostgreSQL only (`reads_check_tokens`).
    """
    db = router.db_for_write(AccessEvent)
    values = [] if read.patient_column is None else _given_with_token_values(read.model, ip, path)
    return rows.fetch(
        _fetch_read_sql(read.sql, read.patient_column, db, checking_token=True),
        [*api_token_params(digest), *read.params, clinic_slug, *values],
        db,
    )


@dataclass(frozen=True)
class ListedRead:
    """A list of several patients' rows of one clinic (a day) read by a statement that
    checks the caller's API token on its way (`fetch_listed_checking_token`).

    `context` selects at most one row, of `context_width` columns, from `c` (the token's
    row, accounts.services.api_token_sql, when its clinic is the URL's): what the list needs
    of the clinic (the first column never NULL), or no row when the request is refused (a
    practitioner the clinic does not have). `sql` selects the rows listed, reading the
    context's row as `k`; `order` gives the places (from 0) of its columns to order them
    by, none of them NULL in a row."""

    context: str
    context_params: Sequence[Any]
    context_width: int
    sql: str
    params: Sequence[Any]
    width: int
    order: tuple[int, ...]


def fetch_listed_checking_token(
    *,
    digest: str,
    clinic_slug: str,
    listed: ListedRead,
    ip: str | None,
    path: str,
) -> list[tuple[Any, ...]]:
    """The API token whose digest is `digest`, checked as accounts.services.
    api_token_by_digest checks it, and in the same statement what `fetch_listed` reads and
    writes for the token's user: the rows `listed` selects, only of the token's clinic and
    only when that clinic's slug is `clinic_slug` and the context has a row, and then the
    access event of reading them (the clinic read, as `fetch_listed` logs it).

    No row: no valid token, nothing read or written. Otherwise the first row holds the
    token's columns (`api_token_sql` with `checked_by_read`) and the context's (all NULL
    when nothing was read: another clinic's token, or a refused request), and each further
    row, after as many NULLs, one row of the list, in `listed.order`. The day list took
    three statements for this: the token, the practitioner, the list (issue 15).
    PostgreSQL only (`reads_check_tokens`)."""
    db = router.db_for_write(AccessEvent)
    values = _given_with_token_values(Clinic, ip, path)
    sql = _fetch_listed_checking_token_sql(
        listed.context, listed.context_width, listed.sql, listed.width, listed.order, db
    )
    return rows.fetch(
        sql,
        [
            *api_token_params(digest),
            clinic_slug,
            *listed.context_params,
            *values,
            *listed.params,
        ],
        db,
    )


@cache
def _fetch_listed_checking_token_sql(
    context: str, context_width: int, sql: str, width: int, order: tuple[int, ...], db: str
) -> str:
    connection = connections[db]
    quote = connection.ops.quote_name
    columns, values = [], []
    for field in _event_fields():
        columns.append(quote(field.column))
        cast = field.cast_db_type(connection)
        if field.name == "clinic":
            values.append("c.token_clinic")
        elif field.name == "user":
            values.append("c.token_user")
        elif field.name == "patient":
            values.append("NULL")
        elif field.name == "object_id":
            values.append(f"CAST(c.token_clinic AS {cast})")
        else:
            values.append(f"CAST(%s AS {cast})")
    before = api_token_width(db, checked_by_read=True) + context_width
    # The token's row comes first: its list columns are NULL, which sort first.
    ordering = ", ".join(f"{before + place + 1} NULLS FIRST" for place in order)
    return (
        f"WITH t AS ({api_token_sql(db, checked_by_read=True)}),"  # noqa: S608 - SQL from selectors, values as parameters
        " c AS (SELECT * FROM t WHERE t.token_clinic_slug = %s),"
        f" k AS ({context}),"
        f" e AS (INSERT INTO {rows.table(AccessEvent, db)} ({', '.join(columns)})"
        f" SELECT {', '.join(values)} FROM c, k),"
        f" r AS ({sql})"
        f" SELECT t.*, k.*{', NULL' * width} FROM t LEFT JOIN k ON TRUE"
        f" UNION ALL SELECT {'NULL, ' * before}r.* FROM r ORDER BY {ordering}"
    )


def fetch_listed(
    request: HttpRequest,
    *,
    clinic: Clinic,
    sql: str,
    params: Sequence[Any],
) -> list[tuple[Any, ...]]:
    """The rows `sql` selects for a page listing several patients' rows of `clinic` (a
    day, a week), and the access event of reading them, as `record_read(request,
    clinic=clinic, obj=clinic)` writes it, whatever the rows.

    On PostgreSQL both are one statement: the INSERT rides ahead of the SELECT as a
    data-modifying WITH, which runs once whatever the query reads (one round trip fewer
    on Today and the week: issue 15). Elsewhere, the INSERT and then the SELECT."""
    db = router.db_for_write(AccessEvent)
    event = _event(
        clinic=clinic,
        user=request.user,
        action=AccessAction.READ,
        obj=clinic,
        patient_id=None,
        ip=client_ip(request),
        path=request.path,
    )
    connection = connections[db]
    if connection.vendor != "postgresql":
        rows.insert(event, db)
        return rows.fetch(sql, params, db)
    values = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in _event_fields()]
    return rows.fetch(_fetch_listed_sql(sql, db), [*values, *params], db)


@cache
def _fetch_listed_sql(sql: str, db: str) -> str:
    quote = connections[db].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _event_fields())
    marks = ", ".join(["%s"] * len(_event_fields()))
    return (
        f"WITH e AS (INSERT INTO {rows.table(AccessEvent, db)} ({columns})"  # noqa: S608 - names from the models, values as parameters
        f" VALUES ({marks})) {sql}"
    )


# The event's columns taken from the row read, not from parameters.
_FROM_ROW = ("patient", "object_id")
# ... and, when the statement checks an API token, from the token.
_FROM_TOKEN_AND_ROW = (*_FROM_ROW, "clinic", "user")


def _given_with_token_values(read: type[models.Model], ip: str | None, path: str) -> list[Any]:
    """The event's columns given as parameters when the statement checks an API token
    (`_given_with_token`), for a read of `read` (a model), as `_event` writes them. As they
    are: the statement casts each to its column's type, and these are already what the
    fields would prepare (the address is `client_ip`'s, which the field would only parse
    once more)."""
    given = {
        "action": AccessAction.READ.value,
        "object_type": read._meta.label_lower,
        "at": timezone.now(),
        "ip": ip,
        "path": path[:_PATH_LENGTH],
    }
    return [given[name] for name in _given_with_token()]


@cache
def _given_with_token() -> tuple[str, ...]:
    """The event's columns given as parameters when the statement checks an API token,
    in `_event_fields` order."""
    return tuple(f.name for f in _event_fields() if f.name not in _FROM_TOKEN_AND_ROW)


@cache
def _event_fields() -> tuple[Any, ...]:
    auto = AccessEvent._meta.auto_field
    return tuple(f for f in AccessEvent._meta.concrete_fields if f is not auto)


@cache
def _fetch_read_sql(
    sql: str, patient_column: str | None, db: str, checking_token: bool = False
) -> str:
    """`sql`'s row (`r`) and the INSERT of its event (none without a `patient_column`);
    `checking_token`, after the token's check (`t`: fetch_read_checking_token), which
    names the clinic and the reader."""
    if patient_column is None:
        return _token_checked_sql(sql, db, "") if checking_token else sql
    connection = connections[db]
    quote = connection.ops.quote_name
    from_rows = {"patient": f"r.{quote(patient_column)}"}
    if checking_token:
        from_rows.update(clinic="t.token_clinic", user="t.token_user")
    columns, values = [], []
    for field in _event_fields():
        columns.append(quote(field.column))
        cast = field.cast_db_type(connection)
        if field.name == "object_id":
            values.append(f"CAST(r.{quote('id')} AS {cast})")
        else:
            # Typed: in INSERT ... SELECT, a parameter takes no type from its column.
            values.append(from_rows.get(field.name, f"CAST(%s AS {cast})"))
    insert = (
        f"INSERT INTO {rows.table(AccessEvent, db)} ({', '.join(columns)})"
        f" SELECT {', '.join(values)}"
    )
    if not checking_token:
        return f"WITH r AS ({sql}), e AS ({insert} FROM r) SELECT * FROM r"  # noqa: S608 - SQL from selectors, values as parameters
    return _token_checked_sql(sql, db, f", e AS ({insert} FROM r, t)")


def _token_checked_sql(sql: str, db: str, then: str) -> str:
    """The token's check (`t`), `sql`'s row (`r`) and the common table expressions `then`
    (each after a comma). The row only of the token's clinic, and only when it
    is the clinic of the URL; a LEFT JOIN, so that a valid token is told apart from an
    invalid one when no row is."""
    return (
        f"WITH t AS ({api_token_sql(db, checked_by_read=True)}),"  # noqa: S608 - SQL from selectors, values as parameters
        f" r AS (SELECT * FROM ({sql}) x WHERE x.clinic_id ="
        f" (SELECT t.token_clinic FROM t WHERE t.token_clinic_slug = %s)){then}"
        " SELECT t.*, r.* FROM t LEFT JOIN r ON TRUE"
    )
