"""The hot reads in plain SQL (mesodesk.rows) give what the ORM gives: every field of every
row, the related rows read with them, the same refusals for another clinic's rows; and the
access event's INSERT stores what save() would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections, transaction
from django.db.models import Model
from django.forms.models import model_to_dict
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from mesodesk import rows
from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import (
    CHECKED_BY_READ_WITHOUT,
    api_token_digest,
    api_token_from_row,
    api_token_params,
    api_token_sql,
    api_token_width,
    authenticate_api_token,
)
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.selectors import get_device, get_practitioner, get_room
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import get_patient
from mesodesk.patients.services import register_patient
from mesodesk.scheduling import selectors
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment

pytestmark = pytest.mark.django_db


def every_field(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}  # type: ignore[attr-defined]


@pytest.fixture
def booked(
    clinic: Clinic, fiona: User, pedro: User, room: Room, needle_kit: Device, at: Callable
) -> list[Appointment]:
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Ana", last_name="Lima", email="a@example.org"
    )
    found = []
    for start, device in ((at("09:00"), None), (at("11:00"), needle_kit)):
        found.append(
            book_appointment(
                clinic=clinic,
                patient=patient,
                by=fiona,
                kind="consultation",
                start=datetime.fromisoformat(start),
                practitioner=pedro,
                room=room,
                device=device,
            )
        )
    return found


def test_an_appointment_and_its_related_rows_are_the_orms(
    clinic: Clinic, booked: list[Appointment], django_assert_num_queries: Callable
) -> None:
    for appointment in booked:
        orm = Appointment.objects.select_related("patient", "practitioner", "room", "device").get(
            pk=appointment.pk
        )
        with django_assert_num_queries(1):
            read = selectors.get_appointment(clinic, appointment.pk)
            related = (read.clinic, read.patient, read.practitioner, read.room, read.device)
        assert every_field(read) == every_field(orm)
        assert not read._state.adding
        theirs_all = (orm.patient, orm.practitioner, orm.room, orm.device)
        for mine, theirs in zip(related[1:], theirs_all, strict=True):
            assert (mine and every_field(mine)) == (theirs and every_field(theirs))
        assert related[0] is clinic
        assert read.start.tzinfo is not None


def test_a_day_lists_the_same_rows_in_the_same_order(
    clinic: Clinic, booked: list[Appointment], pedro: User
) -> None:
    day = booked[0].start.astimezone(selectors.clinic_zone(clinic)).date()
    listed = selectors.day_schedule(clinic, day, pedro)
    assert [a.pk for a in listed] == [a.pk for a in booked]
    assert [every_field(a) for a in listed] == [
        every_field(a) for a in Appointment.objects.filter(pk__in=[a.pk for a in booked])
    ]
    assert listed[1].device is not None and listed[0].device is None


def test_another_clinics_rows_are_404(
    clinic: Clinic,
    other_clinic: Clinic,
    booked: list[Appointment],
    pedro: User,
    room: Room,
    needle_kit: Device,
) -> None:
    patient = booked[0].patient
    assert every_field(get_patient(clinic, patient.pk)) == every_field(
        Patient.objects.get(pk=patient.pk)
    )
    assert get_practitioner(clinic, pedro.pk).email == pedro.email
    assert get_room(clinic, room.pk).name == room.name
    assert get_device(clinic, needle_kit.pk).name == needle_kit.name
    for read, pk in (
        (selectors.get_appointment, booked[0].pk),
        (get_patient, patient.pk),
        (get_practitioner, pedro.pk),
        (get_room, room.pk),
        (get_device, needle_kit.pk),
    ):
        with pytest.raises(Http404):
            read(other_clinic, pk)


def test_the_token_comes_with_its_clinic_user_and_membership(
    clinic: Clinic, token: str, fiona: User
) -> None:
    found = authenticate_api_token(token)
    assert found is not None
    assert found.clinic == clinic and found.user == fiona
    membership = found.membership  # type: ignore[attr-defined]
    assert model_to_dict(membership) == model_to_dict(fiona.memberships.get(clinic=clinic))
    assert every_field(found) == every_field(ApiToken.objects.get(pk=found.pk))
    fiona.is_active = False
    fiona.save(update_fields=["is_active"])
    assert authenticate_api_token(token) is None


def test_the_access_events_insert_stores_what_save_would(
    clinic: Clinic, booked: list[Appointment], fiona: User
) -> None:
    patient = booked[0].patient
    event = record_access(
        clinic=clinic, user=fiona, action="read", obj=patient, ip="10.0.0.7", path="/x"
    )
    assert event.pk is not None and not event._state.adding
    assert every_field(AccessEvent.objects.get(pk=event.pk)) == every_field(event)


def test_insert_all_stores_what_bulk_create_would(
    clinic: Clinic, booked: list[Appointment], fiona: User
) -> None:
    from django.utils import timezone

    from mesodesk.messaging.models import Reminder

    appointment = booked[0]
    now = timezone.now()

    def reminder(key: str, codes: list[str]) -> Reminder:
        return Reminder(
            clinic=clinic,
            patient_id=appointment.patient_id,
            appointment=appointment,
            kind="appointment",
            channel="email",
            codes=codes,
            moment=appointment.start,
            send_at=now,
            expires_at=appointment.start,
            next_attempt_at=now,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )

    ours = [reminder(f"rows:{n}", ["appointment_reminder", f"n{n}"]) for n in range(3)]
    orms = [reminder(f"orm:{n}", ["appointment_reminder", f"n{n}"]) for n in range(3)]
    rows.insert_all(ours)
    Reminder.objects.bulk_create(orms)
    assert all(not r._state.adding for r in ours)
    stored = {
        r.idempotency_key: every_field(r)
        for r in Reminder.objects.filter(idempotency_key__regex=r"^(rows|orm):")
    }
    for n in range(3):
        mine, theirs = stored[f"rows:{n}"], stored[f"orm:{n}"]
        assert {k: v for k, v in mine.items() if k not in ("id", "idempotency_key")} == {
            k: v for k, v in theirs.items() if k not in ("id", "idempotency_key")
        }
    assert stored["rows:2"]["codes"] == ["appointment_reminder", "n2"]
    rows.insert_all([])  # nothing to write: no statement


def test_a_statement_run_again_reads_afresh(clinic: Clinic, booked: list[Appointment]) -> None:
    # `fetch` keeps a cursor per statement on PostgreSQL: each run still reads what the
    # database holds now, and a failed run leaves the statement usable.
    sql = "SELECT id, cancel_reason FROM scheduling_appointment WHERE id = %s"
    pk = booked[0].pk
    assert rows.fetch(sql, [pk]) == [(pk, "")]
    Appointment.objects.filter(pk=pk).update(cancel_reason="The patient called.")
    assert rows.fetch(sql, [pk]) == [(pk, "The patient called.")]
    assert rows.fetch(sql, [0]) == []
    # (SQLite divides by zero into NULL; PostgreSQL, where cursors are kept, refuses.)
    failing = "SELECT 1 / %s"
    if connection.vendor == "postgresql":
        with pytest.raises(DataError), transaction.atomic():
            rows.fetch(failing, [0])
    assert rows.fetch(failing, [1]) == [(1,)]


@pytest.mark.django_db(transaction=True)
def test_a_statement_runs_on_a_new_connection_after_the_old_one_closed(
    booked: list[Appointment],
) -> None:
    sql = "SELECT id FROM scheduling_appointment WHERE id = %s"
    pk = booked[0].pk
    assert rows.fetch(sql, [pk]) == [(pk,)]
    connection.close()
    assert rows.fetch(sql, [pk]) == [(pk,)]


def test_the_oldest_statements_cursor_goes_first_and_each_is_counted(
    booked: list[Appointment], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "_KEPT_STATEMENTS", 2)
    statements = [f"SELECT %s + {n}" for n in range(4)]
    with CaptureQueriesContext(connection) as ran:
        for _ in range(2):
            for n, sql in enumerate(statements):
                assert rows.fetch(sql, [1]) == [(1 + n,)]
    ran_texts = [query["sql"] for query in ran.captured_queries]
    assert len(ran_texts) == 8
    for ran_text, n in zip(ran_texts, [*range(4), *range(4)], strict=True):
        assert f"+ {n}" in ran_text
    kept = rows._kept.get(connections[DEFAULT_DB_ALIAS])
    if connection.vendor == "postgresql":
        assert kept is not None and list(kept.cursors) == statements[2:]
    else:
        assert kept is None


def test_a_statement_that_read_a_list_keeps_no_cursor(booked: list[Appointment]) -> None:
    # A kept cursor holds its last result until it runs again: not a list's.
    if connection.vendor != "postgresql":
        pytest.skip("cursors are kept on PostgreSQL only")
    listing = "SELECT id FROM scheduling_appointment ORDER BY id"
    one = "SELECT id FROM scheduling_appointment WHERE id = %s"
    assert rows.fetch(listing, []) == [(a.pk,) for a in booked]
    assert rows.fetch(one, [booked[0].pk]) == [(booked[0].pk,)]
    kept = rows._kept[connections[DEFAULT_DB_ALIAS]].cursors
    assert listing not in kept and one in kept


def loaded_fields(instance: Model) -> dict[str, object]:
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname not in deferred
    }


def test_a_token_checked_by_a_read_leaves_only_the_columns_it_names_unread(
    clinic: Clinic, token: str, fiona: User
) -> None:
    digest = api_token_digest(token)
    assert digest is not None
    found = rows.fetch(api_token_sql("default", checked_by_read=True), api_token_params(digest))
    assert len(found[0]) == api_token_width("default", checked_by_read=True)
    read = api_token_from_row(found[0], digest, "default", checked_by_read=True)
    assert read is not None
    membership = read.membership  # type: ignore[attr-defined]
    for instance, orm in (
        (read, ApiToken.objects.get(pk=read.pk)),
        (read.clinic, clinic),
        (read.user, User.objects.get(pk=fiona.pk)),
        (membership, fiona.memberships.get(clinic=clinic)),
    ):
        unread = {
            type(instance)._meta.get_field(name).attname
            for name in CHECKED_BY_READ_WITHOUT[type(instance)]
        }
        assert instance.get_deferred_fields() == unread
        assert loaded_fields(instance) == {
            name: value for name, value in every_field(orm).items() if name not in unread
        }
    # A column left unread is read when used (one query), as the ORM's `defer` does.
    assert read.clinic.opening_hours == Clinic.objects.get(pk=clinic.pk).opening_hours


def test_a_listed_appointment_has_every_field_an_answer_shows(
    clinic: Clinic, booked: list[Appointment], pedro: User
) -> None:
    day = booked[0].start.astimezone(selectors.clinic_zone(clinic)).date()
    listed = selectors.day_listing(clinic, day, pedro)
    for (appointment, name), orm in zip(listed, booked, strict=True):
        assert name == "Ana Lima"
        assert appointment.get_deferred_fields() == {
            "created_by_id",
            "created_at",
            "updated_at",
            "rebook",
        }
        assert loaded_fields(appointment) == {
            field: value
            for field, value in every_field(Appointment.objects.get(pk=orm.pk)).items()
            if field not in appointment.get_deferred_fields()
        }
