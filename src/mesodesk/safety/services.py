"""Every change to safety records goes through these functions.

Patients (or staff for them) report side effects; practitioners and admins, the clinical
roles, record adverse events, triage a report into one or close it with the call made,
and add follow-ups. Front desk writes none of these. An event is never edited: the
database refuses it (migration 0003); a change is a follow-up. Each write records who and
when in its own row, so the rows are their own audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device
from mesodesk.clinics.selectors import clinic_today, membership
from mesodesk.core.library import load_library
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.refusals import refusal as _refusal
from mesodesk.safety.choices import Outcome, ReportCall
from mesodesk.safety.models import AdverseEvent, FollowUp, SideEffectReport, Suspect
from mesodesk.safety.selectors import current
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
    if since > clinic_today(clinic) + timedelta(days=1):
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


# Who records and triages adverse events (a nurse works with the practitioner role).
CLINICAL_ROLES = (Role.PRACTITIONER, Role.ADMIN)


def _clinical(clinic: Clinic, by: User) -> None:
    member = membership(clinic, by)
    if member is None or member.role not in CLINICAL_ROLES:
        raise _refusal(
            "by",
            "Only a practitioner or an admin of this clinic records adverse events.",
            "permission_denied",
        )


def _check_grade(grade: int, serious: bool, outcome: str) -> None:
    """CTCAE v5: grade 4 is life-threatening and grade 5 is death; both are serious, and
    only a grade 5 event ends fatal."""
    if not 1 <= grade <= 5:
        raise _refusal("grade", "Choose a grade from 1 to 5.", "invalid")
    if grade >= 4 and not serious:
        raise _refusal(
            "serious", "A grade 4 or 5 event is serious: tick 'serious'.", "must_be_serious"
        )
    if outcome not in Outcome.values:
        raise _refusal("outcome", "Choose an outcome from the list.", "invalid")
    if (grade == 5) != (outcome == Outcome.FATAL):
        raise _refusal(
            "outcome",
            "Grade 5 is death from the event: the outcome is fatal then, only then.",
            "grade_outcome",
        )


def _only_one[T](values: set[T]) -> T | None:
    return next(iter(values)) if len(values) == 1 else None


@transaction.atomic
def record_adverse_event(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    event: str,
    onset: date,
    grade: int,
    serious: bool = False,
    description: str = "",
    session_record: SessionRecord | None = None,
    administrations: Sequence[Administration] = (),
    lots: Sequence[Lot] = (),
    technique: str = "",
    device: Device | None = None,
    practitioner: User | None = None,
    actions_taken: str = "",
    outcome: str = Outcome.ONGOING,
    follow_up_on: date | None = None,
    report: SideEffectReport | None = None,
) -> AdverseEvent:
    """Records an adverse event of the patient: the event of the library's vocabulary
    (its category comes with it), onset, CTCAE grade, seriousness, the session record and
    the administrations and lots suspected (technique, device and practitioner default to
    the suspected administrations' and the record's when they agree), actions, outcome and
    the date staff follow it up. ValidationError by field with a code."""
    _clinical(clinic, by)
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    library = load_library()
    term = library.adverse_events.get(event)
    if term is None:
        raise _refusal("event", "Choose the event from the list.", "invalid")
    _check_grade(grade, serious, outcome)
    if onset > clinic_today(clinic):
        raise _refusal("onset", "The onset is still to come: give the day it started.", "future")
    if follow_up_on is not None and follow_up_on < clinic_today(clinic):
        raise _refusal("follow_up_on", "Choose a follow-up date from today on.", "past")
    if session_record is not None and (
        session_record.clinic_id != clinic.pk or session_record.patient_id != patient.pk
    ):
        raise _refusal("session_record", "Not one of this patient's sessions.", "invalid")
    given = list(
        Administration.objects.filter(
            clinic=clinic, pk__in=[a.pk for a in administrations]
        ).select_related("record")
    )
    if len(given) != len({a.pk for a in administrations}) or any(
        a.record.patient_id != patient.pk
        or (session_record is not None and a.record_id != session_record.pk)
        for a in given
    ):
        raise _refusal(
            "administrations", "Choose what was given in this patient's session.", "invalid"
        )
    if session_record is None and given:
        session_record = _only_one({a.record for a in given})
    extra_lots = list(Lot.objects.filter(clinic=clinic, pk__in=[lot.pk for lot in lots]))
    if len(extra_lots) != len({lot.pk for lot in lots}):
        raise _refusal("lots", "Choose lots of this clinic.", "invalid")
    technique = technique or _only_one({a.technique for a in given}) or ""
    if technique and technique not in library.injection_techniques:
        raise _refusal("technique", "Choose the technique from the list.", "invalid")
    if device is not None and device.clinic_id != clinic.pk:
        raise _refusal("device", "Choose one of this clinic's devices.", "invalid")
    device = device or _only_one({a.device for a in given if a.device_id})
    if practitioner is not None and membership(clinic, practitioner) is None:
        raise _refusal("practitioner", "Choose one of this clinic's staff.", "invalid")
    if practitioner is None and session_record is not None:
        practitioner = session_record.practitioner
    if report is not None:
        report = _open_report(clinic, report)
        if report.patient_id != patient.pk:
            raise _refusal("report", "Not this patient's report.", "invalid")
    record = AdverseEvent(
        clinic=clinic,
        patient=patient,
        report=report,
        category=term.category,
        event=term.code,
        description=description.strip(),
        onset=onset,
        grade=grade,
        serious=serious,
        appointment=session_record.appointment if session_record else None,
        session_record=session_record,
        technique=technique,
        device=device,
        practitioner=practitioner,
        actions_taken=actions_taken.strip(),
        outcome=outcome,
        follow_up_on=follow_up_on,
        protocol_version=library.version,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    if report is not None and report.appointment_id and session_record is None:
        record.appointment_id = report.appointment_id
    record.save()
    suspects = [
        Suspect(clinic=clinic, event=record, administration=a, lot=a.lot, product=a.product)
        for a in given
    ]
    named = {a.lot_id for a in given}
    suspects += [
        Suspect(clinic=clinic, event=record, lot=lot, product_id=lot.product_id)
        for lot in extra_lots
        if lot.pk not in named
    ]
    Suspect.objects.bulk_create(suspects)
    if report is not None:
        _close(
            report, by=by, call=ReportCall.EVENT, note=f"Recorded as adverse event: {term.label}."
        )
    return record


def _open_report(clinic: Clinic, report: SideEffectReport) -> SideEffectReport:
    locked = (
        SideEffectReport.objects.select_for_update().filter(clinic=clinic, pk=report.pk).first()
    )
    if locked is None:
        raise SideEffectReport.DoesNotExist("report not found")
    if locked.closed_at is not None:
        raise _refusal("report", "This report has been closed already.", "closed")
    return locked


def _close(report: SideEffectReport, *, by: User, call: str, note: str) -> None:
    report.closed_at = timezone.now()
    report.closed_by = by
    report.call = call
    report.closing_note = note
    report.save(update_fields=["closed_at", "closed_by", "call", "closing_note"])


@transaction.atomic
def close_report(
    *, clinic: Clinic, report: SideEffectReport, by: User, call: str, note: str
) -> SideEffectReport:
    """Closes a patient's report without an adverse event, with the call made and a note
    (what the patient was told): its urgent banner clears. Once only."""
    _clinical(clinic, by)
    locked = _open_report(clinic, report)
    if call not in ReportCall.values or call == ReportCall.EVENT:
        raise _refusal(
            "call", "Choose the call made (to record an event, triage the report).", "invalid"
        )
    if not note.strip():
        raise _refusal("note", "Say what you found and what the patient was told.", "required")
    _close(locked, by=by, call=call, note=note.strip())
    return locked


@transaction.atomic
def add_follow_up(
    *,
    clinic: Clinic,
    event: AdverseEvent,
    by: User,
    note: str,
    grade: int | None = None,
    serious: bool | None = None,
    outcome: str = "",
    actions_taken: str = "",
    follow_up_on: date | None = None,
) -> FollowUp:
    """A later entry on an event: what was seen and what changed (grade, seriousness,
    outcome, actions, the next follow-up date or none). The event itself stays as it was
    recorded."""
    _clinical(clinic, by)
    locked = AdverseEvent.objects.filter(clinic=clinic, pk=event.pk).first()
    if locked is None:
        raise AdverseEvent.DoesNotExist("event not found")
    if not note.strip():
        raise _refusal("note", "Say what you saw or did.", "required")
    now = current(locked)
    _check_grade(
        grade if grade is not None else now.grade,
        serious if serious is not None else now.serious,
        outcome or now.outcome,
    )
    if follow_up_on is not None and follow_up_on < clinic_today(clinic):
        raise _refusal("follow_up_on", "Choose a follow-up date from today on.", "past")
    entry = FollowUp(
        clinic=clinic,
        event=locked,
        note=note.strip(),
        grade=grade,
        serious=serious,
        outcome=outcome,
        actions_taken=actions_taken.strip(),
        follow_up_on=follow_up_on,
        by=by,
        at=timezone.now(),
    )
    entry.full_clean(exclude=["clinic", "event", "by"])
    entry.save()
    return entry
