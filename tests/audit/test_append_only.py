"""The database itself refuses to change or delete an access event, whoever asks: the
model's save and delete refuse already, these are the statements that pass them by."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient


@pytest.fixture
def event(clinic: Clinic, maria: Patient, fiona: User) -> AccessEvent:
    return record_access(clinic=clinic, user=fiona, action="read", obj=maria)


def test_a_queryset_update_is_refused_by_the_database(event: AccessEvent) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(path="/elsewhere", user=None)
    assert AccessEvent.objects.get(pk=event.pk).path == ""


def test_a_queryset_delete_is_refused_by_the_database(event: AccessEvent) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_plain_sql_is_refused_too(event: AccessEvent) -> None:
    for sql in (
        "UPDATE audit_accessevent SET ip = '192.0.2.1'",
        "DELETE FROM audit_accessevent",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql)
    assert AccessEvent.objects.get(pk=event.pk).ip is None


def test_new_events_are_still_appended(event: AccessEvent, clinic: Clinic, maria: Patient) -> None:
    record_access(clinic=clinic, user=None, action="download", obj=maria)
    assert AccessEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flushing_the_whole_database_empties_the_log_and_keeps_the_guard(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    record_access(clinic=clinic, user=fiona, action="read", obj=maria)
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessEvent.objects.exists()
    # The triggers are back: a fresh event cannot be deleted.
    clinic = Clinic.objects.create(slug="again", name="Again", time_zone="UTC")
    Patient.objects.create(clinic=clinic, first_name="A", last_name="B")
    event = record_access(
        clinic=clinic, user=None, action="read", obj=Patient.objects.get(clinic=clinic)
    )
    with pytest.raises(IntegrityError, match="append-only"):
        AccessEvent.objects.filter(pk=event.pk).delete()
