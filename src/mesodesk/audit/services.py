"""Writes to the access log; it is only ever appended to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.http import HttpRequest

from mesodesk import rows
from mesodesk.accounts.models import User
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
    patient_column: str = "patient_id",
    ip: str | None,
    path: str,
) -> list[tuple[Any, ...]]:
    """The row `sql` selects (at most one: a read by id of a row of `model` of `clinic`,
    with an `id` column and the patient's id in `patient_column`), and, when there is
    one, the access event of reading it, as `record_access` writes it.

    On PostgreSQL both are one statement: the INSERT rides the SELECT as a data-modifying
    WITH, which runs to completion whether or not the outer query reads it. That is one
    round trip fewer on every read of one row (issue 15), and the event is still written
    in the same statement as the read, or neither happens. Elsewhere, the SELECT and then
    the INSERT.
    """
    db = router.db_for_write(AccessEvent)
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


@cache
def _event_fields() -> tuple[Any, ...]:
    auto = AccessEvent._meta.auto_field
    return tuple(f for f in AccessEvent._meta.concrete_fields if f is not auto)


@cache
def _fetch_read_sql(sql: str, patient_column: str, db: str) -> str:
    connection = connections[db]
    quote = connection.ops.quote_name
    columns, values = [], []
    for field in _event_fields():
        columns.append(quote(field.column))
        if field.name == "patient":
            values.append(f"r.{quote(patient_column)}")
        elif field.name == "object_id":
            values.append(f"CAST(r.{quote('id')} AS {field.cast_db_type(connection)})")
        else:
            # Typed: in INSERT ... SELECT, a parameter takes no type from its column.
            values.append(f"CAST(%s AS {field.cast_db_type(connection)})")
    return (
        f"WITH r AS ({sql}), e AS (INSERT INTO {rows.table(AccessEvent, db)}"  # noqa: S608 - names from the models, values as parameters
        f" ({', '.join(columns)}) SELECT {', '.join(values)} FROM r) SELECT * FROM r"
    )
