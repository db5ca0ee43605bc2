"""Every change the patient portal makes goes through these functions."""

from __future__ import annotations

from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today, membership
from mesodesk.consents.choices import Channel as ConsentChannel
from mesodesk.consents.choices import Purpose
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import withdraw_consent
from mesodesk.core.phones import shown
from mesodesk.messaging import selectors as messaging_selectors
from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.services import update_preferences
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import phone_e164, record_intake, register_patient
from mesodesk.portal.choices import OPEN_COPY, CopyStatus, DeletionStatus
from mesodesk.portal.copies import copy_storage
from mesodesk.portal.models import (
    CalendarFeed,
    DataCopy,
    DeletionRequest,
    IntakeDraft,
    PendingSignup,
    new_feed_token,
)
from mesodesk.refusals import refusal


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
    today = clinic_today(clinic)
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


# --- the patient's copy of their data ----------------------------------------------------


@transaction.atomic
def request_data_copy(*, clinic: Clinic, patient: Patient, by: User) -> DataCopy:
    """Asks for a copy of the patient's data, which the worker prepares (portal.copies).
    One at a time: asking again while a copy waits, is being prepared or is offered
    returns that copy. Only the patient's own portal account may ask."""
    _check_patient(clinic, patient)
    if patient.portal_user_id != by.pk:
        raise refusal("by", "Only the patient can ask for a copy of their data.", "not_patient")
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    open_copy = DataCopy.objects.filter(patient=patient, status__in=OPEN_COPY).first()
    if open_copy is not None:
        return open_copy
    return DataCopy.objects.create(
        clinic=clinic, patient=patient, requested_by=by, requested_at=timezone.now()
    )


# --- deletion requests, decided by the clinic's admin ------------------------------------


def _decision(clinic: Clinic, request: DeletionRequest, by: User) -> DeletionRequest:
    """The request locked for deciding; refuses anyone but an admin of the clinic, and a
    request already decided."""
    member = membership(clinic, by)
    if member is None or member.role != Role.ADMIN:
        raise refusal("by", "Only an admin of the clinic decides deletion requests.", "not_admin")
    if request.clinic_id != clinic.pk:
        raise DeletionRequest.DoesNotExist("deletion request not found")
    locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != DeletionStatus.PENDING:
        raise refusal("request", "This request was decided already.", "decided")
    return locked


def _address(patient: Patient) -> str:
    """Where the patient is told: the record's address, else their account's."""
    if patient.email:
        return patient.email
    user = patient.portal_user
    return user.email if user is not None and user.is_active else ""


def _tell(clinic: Clinic, address: str, subject: str, body: str) -> None:
    if address:
        transaction.on_commit(
            lambda: send_mail(subject, body, from_email=None, recipient_list=[address])
        )


ERASED_MAIL = """\
Hello,

{clinic} has handled your request to delete your account.

Your portal account is closed and your contact details are deleted; you will get
no more reminders or other messages from the clinic, and this is the last e-mail
we send to this address.

The law requires the clinic to keep your medical record (your answers,
treatments and consents) for a fixed period after your last treatment. It is
kept safely, seen only by the clinic's clinical staff, and deleted after that.

If you have questions, please contact {clinic}{phone}.
"""

REFUSED_MAIL = """\
Hello,

{clinic} has looked at your request to delete your account and cannot do it
at this time, for this reason:

{reason}

Your account stays open. If you have questions, or disagree, please contact
{clinic}{phone}. You may also complain to your data protection authority.
"""


def _phone(clinic: Clinic) -> str:
    return f" ({shown(clinic.phone)})" if clinic.phone else ""


@transaction.atomic
def erase_patient_data(*, clinic: Clinic, request: DeletionRequest, by: User) -> DeletionRequest:
    """Grants a patient's deletion request as far as the law allows (GDPR Art. 17): closes
    their portal account, deletes their contact details (in the record and its history),
    withdraws their marketing consent, stops every message (pending reminders cancelled,
    reminder choices off), revokes their calendar feed and drops an unfinished
    questionnaire. The medical record is kept for its retention period (Art. 17(3)(c),
    9(2)(h)): the record is marked erased, and lists and exports show it as
    "Patient #<id> (erased)". The patient is e-mailed at the address they had before.
    Only an admin of the clinic; a request decided already is refused."""
    locked = _decision(clinic, request, by)
    patient = Patient.objects.select_for_update().get(pk=locked.patient_id)
    now = timezone.now()
    address = _address(patient)
    done: list[str] = []
    user = patient.portal_user
    if user is not None:
        done.append(_close_account(patient, user))
    # Messages first, while the record still has the addresses the choices are checked
    # against: everything off, then nothing left waiting.
    waiting = Reminder.objects.filter(
        clinic=clinic, patient=patient, status=ReminderStatus.PENDING
    ).count()
    prefs = messaging_selectors.preferences(clinic, patient)
    update_preferences(
        clinic=clinic,
        patient=patient,
        by=by,
        email=False,
        sms=False,
        preparation=False,
        appointment=False,
        aftercare=False,
        check_in=False,
        recall=False,
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
        time_zone=prefs.time_zone,
    )
    Reminder.objects.filter(clinic=clinic, patient=patient, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, updated_at=now
    )
    done.append(
        f"Reminders turned off; waiting messages cancelled ({waiting})."
        if waiting
        else "Reminders turned off; no message was waiting."
    )
    had_contact = bool(patient.email or patient.phone)
    patient.email, patient.phone = "", ""
    patient.portal_user = None
    patient.erased_at = now
    patient._history_user = by  # type: ignore[attr-defined] # read by simple-history
    patient._change_reason = f"erasure request {locked.pk} granted"  # type: ignore[attr-defined]
    patient.save(update_fields=["email", "phone", "portal_user", "erased_at", "updated_at"])
    # The record's history kept every address it ever had: those go too.
    patient.history.exclude(email="", phone="").update(email="", phone="")
    done.append(
        "E-mail address and phone number deleted, also from the record's history."
        if had_contact
        else "No contact details were on record."
    )
    withdrawn = 0
    for consent in SignedConsent.objects.filter(
        clinic=clinic, patient=patient, purpose=Purpose.MARKETING, withdrawal__isnull=True
    ):
        withdraw_consent(
            clinic=clinic,
            consent=consent,
            by=by,
            channel=ConsentChannel.TABLET,
            reason=f"Erasure request {locked.pk} granted.",
        )
        withdrawn += 1
    done.append(
        f"Marketing consent withdrawn ({withdrawn})." if withdrawn else "No marketing consent."
    )
    feeds, _ = CalendarFeed.objects.filter(clinic=clinic, patient=patient).delete()
    done.append("Calendar feed revoked." if feeds else "No calendar feed.")
    IntakeDraft.objects.filter(clinic=clinic, patient=patient).delete()
    # A copy waiting or offered goes too (its file once the decision is saved).
    open_copies = DataCopy.objects.filter(patient=patient, status__in=OPEN_COPY)
    files = [name for name in open_copies.values_list("file", flat=True) if name]
    open_copies.update(status=CopyStatus.EXPIRED, file="")
    if files:
        transaction.on_commit(lambda: _delete_copies(files))
    done.append("Medical record kept for its retention period; shown as erased in lists.")
    locked.status = DeletionStatus.ERASED
    locked.decided_by, locked.decided_at = by, now
    locked.done = done
    locked.told_to = address
    locked.save(update_fields=["status", "decided_by", "decided_at", "done", "told_to"])
    _tell(
        clinic,
        address,
        f"Your request to {clinic.name}: your account is deleted",
        ERASED_MAIL.format(clinic=clinic.name, phone=_phone(clinic)),
    )
    return locked


def _delete_copies(names: list[str]) -> None:
    storage = copy_storage()
    for name in names:
        storage.delete(name)


def _close_account(patient: Patient, user: User) -> str:
    """The patient's sign-in goes: the account is closed (can't sign in, its addresses
    and second factors deleted, its e-mail freed for a new sign-up) unless it is also
    someone's staff account or another clinic's patient's, where only the link goes."""
    shared = (
        user.memberships.exists()
        or Patient.objects.filter(portal_user=user).exclude(pk=patient.pk).exists()
        or user.is_staff
    )
    if shared:
        return "Portal account unlinked from the record (the account is used elsewhere)."
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.is_active = False
    user.set_unusable_password()
    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name = user.last_name = ""
    user.save(update_fields=["is_active", "password", "email", "first_name", "last_name"])
    return "Portal account closed: it can no longer sign in."


@transaction.atomic
def refuse_deletion(
    *, clinic: Clinic, request: DeletionRequest, by: User, reason: str
) -> DeletionRequest:
    """Refuses a deletion request with a reason, which the patient is e-mailed (and sees
    in the portal): write it for them, without health details. Only an admin of the
    clinic; a reason is required."""
    reason = reason.strip()
    if not reason:
        raise refusal("reason", "Say why: the patient is told.", "required")
    locked = _decision(clinic, request, by)
    address = _address(locked.patient)
    locked.status = DeletionStatus.REFUSED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.reason = reason[:4000]
    locked.told_to = address
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason", "told_to"])
    _tell(
        clinic,
        address,
        f"Your request to {clinic.name}",
        REFUSED_MAIL.format(clinic=clinic.name, reason=locked.reason, phone=_phone(clinic)),
    )
    return locked
