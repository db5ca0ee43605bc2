"""The access log: appended to by reads, never changed, read per clinic and patient."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent, AccessEventImmutableError
from mesodesk.audit.selectors import access_log
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from tests.patients.fixtures import answers


def test_an_export_of_an_intake_is_logged_against_its_patient(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    intake = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    event = record_access(
        clinic=clinic,
        user=fiona,
        action="export",
        obj=intake,
        patient=maria,
        ip="2001:db8::1",
        path="/api/v1/intakes/1",
    )
    assert (event.object_type, event.object_id) == ("patients.intakeversion", str(intake.pk))
    assert (event.patient, event.ip, event.action) == (maria, "2001:db8::1", "export")


def test_reading_a_patient_logs_the_patient_itself(clinic: Clinic, maria: Patient) -> None:
    event = record_access(clinic=clinic, user=AnonymousUser(), action="read", obj=maria)
    assert (event.patient, event.user, event.ip, event.path) == (maria, None, None, "")


def test_it_refuses_an_unknown_action_or_another_clinics_object(
    clinic: Clinic, maria: Patient, harbour_patient: Patient, fiona: User
) -> None:
    with pytest.raises(ValidationError) as error:
        record_access(clinic=clinic, user=fiona, action="print", obj=maria)
    assert "action" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record_access(clinic=clinic, user=fiona, action="read", obj=harbour_patient)
    assert "obj" in error.value.message_dict
    assert not AccessEvent.objects.exists()


def test_an_access_event_is_never_changed_or_deleted(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    event = record_access(clinic=clinic, user=fiona, action="read", obj=maria)
    event.path = "/elsewhere"
    with pytest.raises(AccessEventImmutableError):
        event.save()
    with pytest.raises(AccessEventImmutableError):
        event.delete()
    assert AccessEvent.objects.get().path == ""


def test_the_access_log_is_per_clinic_and_patient_newest_first(
    clinic: Clinic,
    other_clinic: Clinic,
    maria: Patient,
    harbour_patient: Patient,
    fiona: User,
    pedro: User,
) -> None:
    first = record_access(clinic=clinic, user=fiona, action="read", obj=maria)
    second = record_access(clinic=clinic, user=pedro, action="download", obj=maria)
    record_access(clinic=other_clinic, user=None, action="read", obj=harbour_patient)
    assert list(access_log(clinic)) == [second, first]
    assert list(access_log(clinic, patient=maria)) == [second, first]
    assert list(access_log(clinic, patient=harbour_patient)) == []
