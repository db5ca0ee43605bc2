"""Every change the patient portal makes goes through these functions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.portal.choices import DeletionStatus
from mesodesk.portal.models import (
    CalendarFeed,
    DeletionRequest,
    IntakeDraft,
    PendingSignup,
    new_feed_token,
)


def _check_patient(clinic: Clinic, patient: Patient) -> None:
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")


@transaction.atomic
def start_signup(
    *,
    clinic: Clinic,
    user: User,
    first_name: str,
    last_name: str,
    birth_date: date,
    phone: str = "",
) -> PendingSignup:
    """Notes who signed up at the clinic's portal; they become a patient of the clinic
    once they verify their e-mail address (`complete_signup`)."""
    if birth_date > timezone.localdate():
        raise ValidationError({"birth_date": "The birth date is in the future."})
    pending, _ = PendingSignup.objects.update_or_create(
        user=user,
        defaults={
            "clinic": clinic,
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "birth_date": birth_date,
            "phone": phone.strip(),
        },
    )
    return pending


@transaction.atomic
def complete_signup(*, user: User) -> Patient | None:
    """Registers the user as a patient of the clinic they signed up at, with their portal
    account, once their address is verified; None if they signed up at no portal. Doing it
    again changes nothing."""
    pending = PendingSignup.objects.select_for_update().filter(user=user).first()
    if pending is None:
        return None
    existing = Patient.objects.filter(clinic=pending.clinic, portal_user=user).first()
    if existing is not None:
        pending.delete()
        return existing
    patient = register_patient(
        clinic=pending.clinic,
        by=user,
        first_name=pending.first_name,
        last_name=pending.last_name,
        birth_date=pending.birth_date,
        email=user.email,
        phone=pending.phone,
    )
    patient.portal_user = user
    patient._history_user = user  # type: ignore[attr-defined] # read by simple-history
    patient.save(update_fields=["portal_user"])
    pending.delete()
    return patient


@transaction.atomic
def save_intake_draft(
    *, clinic: Clinic, patient: Patient, data: dict[str, Any], rows: dict[str, int]
) -> IntakeDraft:
    """Keeps the questionnaire as entered so far, to be finished later."""
    _check_patient(clinic, patient)
    draft, _ = IntakeDraft.objects.update_or_create(
        patient=patient,
        defaults={"clinic": clinic, "data": data, "rows": rows, "updated_at": timezone.now()},
    )
    return draft


@transaction.atomic
def submit_intake(
    *, clinic: Clinic, patient: Patient, by: User, answers: dict[str, Any]
) -> IntakeVersion:
    """Records the answers as the patient's next intake version (screened at once) and
    drops their draft. ValidationError keyed by the answer's path, as `record_intake`."""
    _check_patient(clinic, patient)
    version = record_intake(clinic=clinic, patient=patient, by=by, answers=answers)
    IntakeDraft.objects.filter(clinic=clinic, patient=patient).delete()
    return version


@transaction.atomic
def renew_calendar_feed(*, clinic: Clinic, patient: Patient) -> CalendarFeed:
    """Gives the patient a new private calendar address; the old one stops working."""
    _check_patient(clinic, patient)
    feed, created = CalendarFeed.objects.get_or_create(patient=patient, defaults={"clinic": clinic})
    if not created:
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


@transaction.atomic
def revoke_calendar_feed(*, clinic: Clinic, patient: Patient) -> None:
    """Stops the patient's private calendar address from working."""
    _check_patient(clinic, patient)
    CalendarFeed.objects.filter(clinic=clinic, patient=patient).delete()


@transaction.atomic
def request_deletion(*, clinic: Clinic, patient: Patient, by: User) -> DeletionRequest:
    """Records that the patient asked the clinic to delete their account; asking again
    while a request waits returns that request."""
    _check_patient(clinic, patient)
    if patient.portal_user_id != by.pk:
        raise ValidationError({"by": "Only the patient can ask for their account to go."})
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    pending = DeletionRequest.objects.filter(
        clinic=clinic, patient=patient, status=DeletionStatus.PENDING
    ).first()
    if pending is not None:
        return pending
    return DeletionRequest.objects.create(
        clinic=clinic, patient=patient, requested_by=by, requested_at=timezone.now()
    )
