"""Deletion requests decided by the clinic's admin: erase what the law allows (account,
contact details, marketing consent, reminders, calendar feed) and keep the medical record,
pseudonymised in lists; or refuse with a reason. Either way the patient is told."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user, issue_api_token
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.consents.choices import Purpose
from mesodesk.consents.models import ConsentWithdrawal, SignedConsent
from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.selectors import patient_list
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.portal import copies
from mesodesk.portal.choices import CopyStatus, DeletionStatus
from mesodesk.portal.models import CalendarFeed, DeletionRequest
from mesodesk.portal.services import (
    erase_patient_data,
    refuse_deletion,
    renew_calendar_feed,
    request_data_copy,
    request_deletion,
)
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.api.conftest import intake
from tests.charting.fixtures import session
from tests.consents.conftest import sign
from tests.helpers import give_consents
from tests.portal.conftest import PASSWORD, url

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def rita(clinic: Clinic, fiona: User, pedro: User, room: Room) -> Patient:
    """A patient with a portal account, e-mail and phone, an intake, treatment and
    marketing consents, a calendar feed, a past session and a booked one with reminders
    waiting, who asked to have her account deleted."""
    user = create_user(email="rita@example.test", password=PASSWORD, first_name="Rita")
    assert EmailAddress.objects.filter(user=user).exists()
    patient = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Rita",
        last_name="Hofer",
        email="rita@example.test",
        phone="+49 170 1234567",
    )
    patient.portal_user = user
    patient.save(update_fields=["portal_user"])
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    give_consents(patient)
    sign(clinic, patient, Purpose.MARKETING)
    renew_calendar_feed(clinic=clinic, patient=patient)
    session(
        clinic,
        patient,
        pedro,
        room,
        start=timezone.now() - timedelta(days=30),
        end=timezone.now() - timedelta(days=30) + timedelta(minutes=30),
        status=AppointmentStatus.COMPLETED,
    )
    day = timezone.now().astimezone(BERLIN).date() + timedelta(weeks=3)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    book_appointment(
        clinic=clinic,
        patient=patient,
        by=fiona,
        kind="session",
        start=datetime.combine(day, time(10, 0), BERLIN),
        practitioner=pedro,
        room=room,
    )
    request_deletion(clinic=clinic, patient=patient, by=user)
    return patient


def pending(patient: Patient) -> DeletionRequest:
    return DeletionRequest.objects.get(patient=patient, status=DeletionStatus.PENDING)


def test_erasing_removes_what_the_law_allows_and_keeps_the_record(
    clinic: Clinic, rita: Patient, alice: User
) -> None:
    user = rita.portal_user
    assert Reminder.objects.filter(patient=rita, status=ReminderStatus.PENDING).exists()
    mail.outbox.clear()

    decided = erase_patient_data(clinic=clinic, request=pending(rita), by=alice)

    assert decided.status == DeletionStatus.ERASED
    assert decided.decided_by == alice and decided.decided_at is not None
    assert any("Portal account closed" in line for line in decided.done)
    assert decided.told_to == "rita@example.test"
    rita.refresh_from_db()
    user.refresh_from_db()
    # Gone: the sign-in, the contact details (also in the history), marketing, messages, feed.
    assert rita.portal_user is None and rita.erased_at is not None
    assert rita.email == "" and rita.phone == ""
    assert not rita.history.exclude(email="").exists()
    assert not rita.history.exclude(phone="").exists()
    assert not user.is_active and not user.has_usable_password()
    assert user.email != "rita@example.test"
    assert not EmailAddress.objects.filter(email="rita@example.test").exists()
    marketing = SignedConsent.objects.get(patient=rita, purpose=Purpose.MARKETING)
    assert ConsentWithdrawal.objects.filter(consent=marketing).exists()
    assert not Reminder.objects.filter(patient=rita, status=ReminderStatus.PENDING).exists()
    assert Reminder.objects.filter(patient=rita, status=ReminderStatus.CANCELLED).exists()
    assert not CalendarFeed.objects.filter(patient=rita).exists()
    # Kept: the medical record (name, intake, sessions, treatment consents).
    assert rita.first_name == "Rita" and rita.last_name == "Hofer"
    assert IntakeVersion.objects.filter(patient=rita).exists()
    assert Appointment.objects.filter(patient=rita, status=AppointmentStatus.COMPLETED).exists()
    assert SignedConsent.objects.filter(patient=rita, purpose=Purpose.TREATMENT).exists()
    # Pseudonymised in lists, found by number only.
    assert rita.list_name == f"Patient #{rita.pk} (erased)"
    assert not patient_list(clinic, "Hofer").filter(pk=rita.pk).exists()
    assert patient_list(clinic, f"#{rita.pk}").filter(pk=rita.pk).exists()
    # Told once, at the address she had, with nothing clinical.
    assert len(mail.outbox) == 0  # sent on commit (the test's transaction never commits)


def test_the_api_lists_an_erased_patient_by_the_pseudonym_and_reads_the_record_whole(
    clinic: Clinic, rita: Patient, alice: User, fiona: User
) -> None:
    erase_patient_data(clinic=clinic, request=pending(rita), by=alice)
    token = issue_api_token(clinic=clinic, user=fiona, name="tests")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    listed = api.get(f"/api/v1/clinics/{clinic.slug}/patients").json()
    (row,) = [p for p in listed if p["id"] == rita.pk]
    pseudonym = f"Patient #{rita.pk} (erased)"
    assert (row["first_name"], row["last_name"], row["list_name"]) == ("", "", pseudonym)
    assert row["erased"] is True and "Hofer" not in str(listed)
    assert api.get(f"/api/v1/clinics/{clinic.slug}/patients?search=Hofer").json() == []
    # The record itself keeps the name (GDPR Art. 17(3)(c)).
    record = api.get(f"/api/v1/clinics/{clinic.slug}/patients/{rita.pk}").json()
    assert (record["first_name"], record["last_name"]) == ("Rita", "Hofer")
    assert record["list_name"] == pseudonym


def test_the_patient_is_emailed_on_commit(
    clinic: Clinic, rita: Patient, alice: User, django_capture_on_commit_callbacks: object
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        erase_patient_data(clinic=clinic, request=pending(rita), by=alice)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.test"]
    assert clinic.name in message.subject
    body = message.body.lower()
    assert "account is closed" in body and "medical record" in body
    for clinical in ("session", "intake", "mesotherapy", "lipolysis"):
        assert clinical not in body


def test_the_erased_user_cannot_sign_in(clinic: Clinic, rita: Patient, alice: User) -> None:
    earlier = Client()
    earlier.force_login(rita.portal_user)
    assert earlier.get(url("preferences", clinic)).status_code == 200
    erase_patient_data(clinic=clinic, request=pending(rita), by=alice)
    # A session from before is signed in no more.
    assert earlier.get(url("preferences", clinic)).status_code == 302
    client = Client()
    assert not client.login(username="rita@example.test", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "rita@example.test", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    # The portal's pages send anyone not signed in to sign in.
    assert client.get(url("preferences", clinic)).status_code == 302


def test_erasing_deletes_a_copy_on_offer(
    clinic: Clinic, rita: Patient, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    copy = request_data_copy(clinic=clinic, patient=rita, by=rita.portal_user)
    copies.work("w1", timezone.now(), threading.Event())
    copy.refresh_from_db()
    name = copy.file
    assert copy.status == CopyStatus.READY and copies.copy_storage().exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        erase_patient_data(clinic=clinic, request=pending(rita), by=alice)
    copy.refresh_from_db()
    assert copy.status == CopyStatus.EXPIRED and copy.file == ""
    assert not copies.copy_storage().exists(name)


def test_a_shared_account_is_only_unlinked(
    clinic: Clinic, other_clinic: Clinic, rita: Patient, alice: User
) -> None:
    user = rita.portal_user
    elsewhere = register_patient(
        clinic=other_clinic, by=user, first_name="Rita", last_name="Hofer", email=user.email
    )
    elsewhere.portal_user = user
    elsewhere.save(update_fields=["portal_user"])
    decided = erase_patient_data(clinic=clinic, request=pending(rita), by=alice)
    user.refresh_from_db()
    assert user.is_active
    assert any("unlinked" in line for line in decided.done)
    rita.refresh_from_db()
    assert rita.portal_user is None


def test_refusing_needs_a_reason_and_tells_the_patient(
    clinic: Clinic, rita: Patient, alice: User, django_capture_on_commit_callbacks: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        refuse_deletion(clinic=clinic, request=pending(rita), by=alice, reason="  ")
    assert "reason" in refused.value.message_dict
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        decided = refuse_deletion(
            clinic=clinic,
            request=pending(rita),
            by=alice,
            reason="We could not confirm the request was yours. Please call us.",
        )
    assert decided.status == DeletionStatus.REFUSED
    assert decided.decided_by == alice and decided.decided_at is not None
    assert [m.to for m in mail.outbox] == [["rita@example.test"]]
    assert "could not confirm" in mail.outbox[0].body
    rita.refresh_from_db()
    assert rita.erased_at is None and rita.portal_user is not None
    # The patient sees the answer in the portal, and may ask again.
    client = Client()
    client.force_login(rita.portal_user)
    page = client.get(url("delete", clinic)).content.decode()
    assert "could not confirm the request was yours" in page
    with pytest.raises(ValidationError):
        refuse_deletion(clinic=clinic, request=decided, by=alice, reason="again")


def test_only_the_clinics_admin_decides(
    clinic: Clinic, other_clinic: Clinic, rita: Patient, pedro: User, fiona: User
) -> None:
    outsider = create_user(email="olga@harbour.test", password=PASSWORD)
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member

    add_member(clinic=other_clinic, user=outsider, role=Role.ADMIN)
    for who in (pedro, fiona, outsider, rita.portal_user):
        with pytest.raises(ValidationError):
            erase_patient_data(clinic=clinic, request=pending(rita), by=who)
        with pytest.raises(ValidationError):
            refuse_deletion(clinic=clinic, request=pending(rita), by=who, reason="No.")
    # Another clinic's admin, at their own clinic: the request is not theirs.
    with pytest.raises(DeletionRequest.DoesNotExist):
        erase_patient_data(clinic=other_clinic, request=pending(rita), by=outsider)
    assert pending(rita).decided_at is None
