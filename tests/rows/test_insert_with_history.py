"""rows.insert_with_history (PostgreSQL): a new row and its history row in one statement,
the same rows simple-history and the ORM's save write; a refused row writes neither and
leaves the transaction usable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save
from simple_history.models import HistoricalRecords as SimpleHistoricalRecords

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.messaging.models import ContactPreferences
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.query_counts import assert_statements, statements

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a data-modifying WITH of PostgreSQL"
    ),
]

# What history rows say of themselves; the rest is the tracked row's.
OWN = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}


@pytest.fixture
def patient(clinic: Clinic, fiona: User) -> Patient:
    return register_patient(clinic=clinic, by=fiona, first_name="Ana", last_name="Lima")


def appointment(
    clinic: Clinic, patient: Patient, by: User, practitioner: User, room: Room, start: datetime
) -> Appointment:
    new = Appointment(
        clinic=clinic,
        patient=patient,
        kind=AppointmentKind.CONSULTATION,
        practitioner=practitioner,
        room=room,
        start=start,
        end=start + timedelta(minutes=30),
        status=AppointmentStatus.BOOKED,
        created_by=by,
    )
    new._history_user = by  # type: ignore[attr-defined] # as the booking services set it
    return new


def values(instance: object) -> dict[str, object]:
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields  # type: ignore[attr-defined]
        if f.attname not in OWN
    }


def test_the_row_and_its_history_row_are_what_save_writes(
    clinic: Clinic, patient: Patient, fiona: User, pedro: User, room: Room, at: Callable
) -> None:
    start = datetime.fromisoformat(at("09:00"))
    saved = appointment(clinic, patient, fiona, pedro, room, start)
    saved.save()
    written = appointment(clinic, patient, fiona, pedro, room, start + timedelta(hours=1))
    with transaction.atomic(), statements() as found:
        assert rows.insert_with_history(written, skip_conflicts=True)
    assert_statements(found, 1)
    assert written.pk is not None and not written._state.adding
    stored = Appointment.objects.get(pk=written.pk)
    assert values(stored) == values(written)
    ours, orms = (Appointment.history.get(id=a.pk) for a in (written, saved))  # type: ignore[attr-defined]
    assert values(ours) == values(stored)
    assert (
        (ours.history_type, ours.history_user_id, ours.history_change_reason)
        == (
            orms.history_type,
            orms.history_user_id,
            orms.history_change_reason,
        )
        == ("+", fiona.pk, None)
    )
    assert abs(ours.history_date - stored.updated_at) < timedelta(seconds=5)


def test_a_refused_row_writes_nothing_and_the_transaction_goes_on(
    clinic: Clinic, patient: Patient, fiona: User, pedro: User, room: Room, at: Callable
) -> None:
    start = datetime.fromisoformat(at("09:00"))
    assert rows.insert_with_history(appointment(clinic, patient, fiona, pedro, room, start))
    history_rows = Appointment.history.count()  # type: ignore[attr-defined]
    with transaction.atomic():
        # The same practitioner, room and patient at the same time: the exclusion
        # constraints refuse it.
        twice = appointment(clinic, patient, fiona, pedro, room, start)
        assert not rows.insert_with_history(twice, skip_conflicts=True)
        assert twice.pk is None and twice._state.adding
        # No savepoint was needed: the transaction still runs statements.
        assert Appointment.objects.filter(clinic=clinic).count() == 1
    assert Appointment.history.count() == history_rows  # type: ignore[attr-defined]


def test_without_skipping_a_refused_row_is_the_databases_error(
    clinic: Clinic, patient: Patient, fiona: User, pedro: User, room: Room, at: Callable
) -> None:
    from django.db import IntegrityError

    start = datetime.fromisoformat(at("09:00"))
    assert rows.insert_with_history(appointment(clinic, patient, fiona, pedro, room, start))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_with_history(appointment(clinic, patient, fiona, pedro, room, start))


def test_the_history_user_comes_from_the_request_as_simple_history_takes_it(
    clinic: Clinic, patient: Patient, fiona: User
) -> None:
    # No _history_user on the row: simple-history's middleware's request gives the user.
    from simple_history.models import HistoricalRecords

    class Request:
        user = fiona

    HistoricalRecords.context.request = Request()  # type: ignore[attr-defined]
    try:
        prefs = ContactPreferences(clinic=clinic, patient=patient, email=True, sms=False)
        assert rows.insert_with_history(prefs, skip_conflicts=True)
    finally:
        del HistoricalRecords.context.request  # type: ignore[attr-defined]
    row = ContactPreferences.history.get(id=prefs.pk)  # type: ignore[attr-defined]
    assert (row.history_user_id, row.token, row.email) == (fiona.pk, prefs.token, True)
    # A second first-time store of the same patient's defaults is skipped.
    again = ContactPreferences(clinic=clinic, patient=patient, email=False, sms=True)
    assert not rows.insert_with_history(again, skip_conflicts=True)
    assert ContactPreferences.objects.get(patient=patient).email is True


def test_text_too_long_is_refused_not_cut(
    clinic: Clinic, patient: Patient, fiona: User, pedro: User, room: Room, at: Callable
) -> None:
    # As the ORM's save refuses it: the parameters are cast to text without a length, so
    # the column's own limit speaks (a cast to varchar(n) would cut the value short).
    from django.db import DataError
    from django.utils import timezone

    from mesodesk.messaging.models import Reminder

    booked = appointment(clinic, patient, fiona, pedro, room, datetime.fromisoformat(at("09:00")))
    assert rows.insert_with_history(booked)
    now = timezone.now()
    too_long = Reminder(
        clinic=clinic,
        patient=patient,
        appointment=booked,
        kind="appointment",
        channel="email",
        codes=[],
        moment=booked.start,
        send_at=now,
        expires_at=booked.start,
        next_attempt_at=now,
        idempotency_key="k" * 250,  # the column takes 200
        created_at=now,
        updated_at=now,
    )
    with pytest.raises(DataError), transaction.atomic():
        rows.insert_all([too_long])
    assert not Reminder.objects.filter(appointment=booked).exists()
    reasoned = appointment(clinic, patient, fiona, pedro, room, datetime.fromisoformat(at("11:00")))
    reasoned._change_reason = "r" * 150  # type: ignore[attr-defined] # the column takes 100
    with pytest.raises(DataError), transaction.atomic():
        rows.insert_with_history(reasoned)


@pytest.mark.parametrize("model", [Appointment, ContactPreferences])
def test_simple_history_is_the_only_save_hook_of_the_models_written_this_way(
    model: type,
) -> None:
    # insert_with_history sends no save signals and writes the history row itself: a new
    # receiver, a switched-off history or a history signal's receiver would be bypassed.
    from django.conf import settings
    from django.db.models.signals import pre_save
    from simple_history.signals import (
        post_create_historical_record,
        pre_create_historical_record,
    )

    def live(signal: object, sender: type) -> list[object]:
        found = signal._live_receivers(sender)  # type: ignore[attr-defined]
        return list(found[0] if isinstance(found, tuple) else found)

    owners = {type(getattr(r, "__self__", None)) for r in live(post_save, model)}
    assert owners and all(issubclass(o, SimpleHistoricalRecords) for o in owners)
    assert live(pre_save, model) == []
    history = model.history.model  # type: ignore[attr-defined]
    for signal in (pre_create_historical_record, post_create_historical_record):
        assert live(signal, history) == []
    assert getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
