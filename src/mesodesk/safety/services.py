"""Every change to safety records goes through these functions."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.safety.models import SideEffectReport
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment


def _session_before(
    clinic: Clinic, patient: Patient, since: date
) -> tuple[Appointment | None, date | None]:
    """The patient's last session held on or before `since` (local dates), and the date of
    their first session held so far (None when they have had none)."""
    zone = ZoneInfo(clinic.time_zone)
    held = Appointment.objects.filter(
        clinic=clinic,
        patient=patient,
        kind=AppointmentKind.SESSION,
        start__lte=timezone.now(),
        # Held: still booked once its time has come, or completed; never one called
        # off or missed.
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED],
    ).order_by("-start")
    first = None
    for session in held:
        day = session.start.astimezone(zone).date()
        if day <= since:
            return session, day
        first = day
    return None, first


@transaction.atomic
def report_side_effect(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    symptoms: list[str],
    other: str,
    area: str,
    since: date,
    how_bad: str,
    red_flags: list[str],
    details: str = "",
    appointment: Appointment | None = None,
) -> SideEffectReport:
    """Stores what the patient (or staff for them) reports about their skin after a
    session, linked to the last session held on or before `since` (or to `appointment`).
    ValidationError by field: nothing said, an unknown code, a date ahead, a date before
    any session."""
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    if appointment is not None and (
        appointment.clinic_id != clinic.pk or appointment.patient_id != patient.pk
    ):
        raise ValidationError({"appointment": "Not one of this patient's appointments."})
    library = load_library()
    known_symptoms = {effect.code for effect in library.side_effects}
    known_flags = {flag.code for flag in library.red_flags}
    errors: dict[str, str] = {}
    if not symptoms and not other.strip() and not red_flags:
        errors["symptoms"] = "Tick what you notice, or describe it under 'something else'."
    if set(symptoms) - known_symptoms:
        errors["symptoms"] = "Choose from the list."
    if set(red_flags) - known_flags:
        errors["red_flags"] = "Choose from the list."
    if since > timezone.now().astimezone(ZoneInfo(clinic.time_zone)).date() + timedelta(days=1):
        errors["since"] = "That date is still to come."
    elif appointment is None:
        appointment, first = _session_before(clinic, patient, since)
        if appointment is None and first is None:
            errors["since"] = (
                "You have not had a treatment session yet, so there is nothing to report "
                "here. If something worries you, call the clinic."
            )
        elif appointment is None:
            errors["since"] = (
                f"Choose a date on or after your session of {first:%-d %B %Y}: this report "
                "is about your skin after a session."
            )
    elif since < appointment.start.astimezone(ZoneInfo(clinic.time_zone)).date():
        errors["since"] = "Choose a date on or after the session this report is about."
    if errors:
        raise ValidationError(errors)
    report = SideEffectReport(
        clinic=clinic,
        patient=patient,
        appointment=appointment,
        symptoms=sorted(set(symptoms)),
        other=other.strip(),
        area=area.strip(),
        since=since,
        how_bad=how_bad,
        red_flags=sorted(set(red_flags)),
        details=details.strip(),
        reported_by=by,
        created_at=timezone.now(),
    )
    report.full_clean()
    report.save()
    return report
