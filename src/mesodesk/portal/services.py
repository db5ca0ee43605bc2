"""Every change the patient portal makes goes through these functions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import phone_e164, record_intake, register_patient
from mesodesk.portal import selectors
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
    once they verify their e-mail address (`complete_signup`). ValidationError keyed
    "birth_date" for a birth date in the future or someone younger than the clinic's
    minimum age ("too_young"), "phone" for a number that is not one."""
    today = selectors.today(clinic)
    if birth_date > today:
        raise ValidationError({"birth_date": "The birth date is in the future."})
    if age_on(birth_date, today) < clinic.minimum_age:
        raise ValidationError({"birth_date": ValidationError(too_young(clinic), code="too_young")})
    phone = phone_e164(clinic, phone)
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
    again changes nothing.

    When the clinic already has the person under that address (front desk registered them
    before they signed up), the account is given to that record instead of making a second
    one: the verified address shows the record is theirs. Only a record without a portal
    account, not merged, and without another birth date; when several such records share
    the address (a family's), a new record is made and staff see the likely duplicate.
    """
    pending = PendingSignup.objects.select_for_update().filter(user=user).first()
    if pending is None:
        return None
    existing = Patient.objects.filter(
        clinic=pending.clinic, portal_user=user, merged_into__isnull=True
    ).first()
    if existing is not None:
        pending.delete()
        return existing
    known = _known_record(pending, user.email)
    if known is not None:
        return _link(known, pending, user)
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


def _known_record(pending: PendingSignup, email: str) -> Patient | None:
    candidates = list(
        Patient.objects.select_for_update()
        .filter(
            Q(birth_date=pending.birth_date) | Q(birth_date__isnull=True),
            clinic=pending.clinic,
            email__iexact=email.strip(),
            portal_user__isnull=True,
            merged_into__isnull=True,
        )
        .order_by("id")[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


def _link(patient: Patient, pending: PendingSignup, user: User) -> Patient:
    """Gives the clinic's record of the person their portal account, and the details of
    the sign-up it lacks; the record's own details stay as the clinic keeps them."""
    patient.portal_user = user
    fields = ["portal_user"]
    if patient.birth_date is None:
        patient.birth_date = pending.birth_date
        fields.append("birth_date")
    if not patient.phone and pending.phone:
        patient.phone = pending.phone
        fields.append("phone")
    patient._history_user = user  # type: ignore[attr-defined] # read by simple-history
    patient._change_reason = "portal sign-up with the address on record"  # type: ignore[attr-defined]
    patient.save(update_fields=fields)
    pending.delete()
    return patient


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def too_young(clinic: Clinic) -> str:
    """Why someone under the clinic's minimum age cannot sign up, in plain words."""
    return (
        f"You need to be {clinic.minimum_age} or older to create an account at "
        f"{clinic.name}. Please call the clinic to talk about your options."
    )


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
