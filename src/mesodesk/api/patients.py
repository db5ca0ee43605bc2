"""Patients, their intake versions and screenings, and sign-off of review verdicts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import require_role
from mesodesk.api.auth import token_checked_by_read
from mesodesk.api.common import caller, local, member, read_one, responses
from mesodesk.api.schemas import (
    IntakeIn,
    IntakeOut,
    PatientIn,
    PatientOut,
    ScreeningOut,
    SignOffIn,
)
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read, require_read
from mesodesk.patients import selectors, services
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult

router = Router(tags=["patients"])


def patient_out(patient: Patient, clinic: Clinic, *, listed: bool = False) -> PatientOut:
    """The patient as the API answers; `listed` for a list, where an erased patient is
    named by the pseudonym alone (as the staff list, the CSV exports and FHIR do)."""
    hidden = listed and patient.erased_at is not None
    return PatientOut(
        id=patient.pk,
        first_name="" if hidden else patient.first_name,
        last_name="" if hidden else patient.last_name,
        list_name=patient.list_name,
        erased=patient.erased_at is not None,
        birth_date=patient.birth_date,
        sex=patient.sex,
        email=patient.email,
        phone=patient.phone,
        preferred_channel=patient.preferred_channel,
        created_at=local(patient.created_at, clinic),  # type: ignore[arg-type]
    )


def screening_out(
    screening: ScreeningResult,
    booking: tuple[bool, str],
    clinic: Clinic,
    membership: Membership | None = None,
) -> ScreeningOut:
    """The screening as `membership` may read it (reading.py): the front desk gets the
    verdict and whether a session may be booked, without the findings or the sign-off's
    reason, which name the patient's medicines and conditions."""
    whole = membership is None or may_read(membership, Part.FINDINGS)
    return ScreeningOut(
        id=screening.pk,
        patient_id=screening.patient_id,
        intake_id=screening.intake_id,
        plan_id=screening.plan_id,
        verdict=screening.verdict,
        findings=screening.findings if whole else [],
        protocol_version=screening.protocol_version.version,
        computed_at=local(screening.computed_at, clinic),  # type: ignore[arg-type]
        signed_off_by=screening.signed_off_by.email if screening.signed_off_by else None,
        signed_off_at=local(screening.signed_off_at, clinic),
        sign_off_reason=screening.sign_off_reason if whole else "",
        may_book_session=booking[0],
        booking_reason=booking[1],
    )


def intake_out(intake: IntakeVersion, screening: ScreeningOut | None, clinic: Clinic) -> IntakeOut:
    return IntakeOut(
        id=intake.pk,
        patient_id=intake.patient_id,
        number=intake.number,
        answers=intake.answers,
        created_by=intake.created_by.email,
        created_at=local(intake.created_at, clinic),  # type: ignore[arg-type]
        screening=screening,
    )


def _with_people(screenings: QuerySet[ScreeningResult]) -> QuerySet[ScreeningResult]:
    # What screening_out reads of each row, fetched with it rather than once per row.
    return screenings.select_related("protocol_version", "signed_off_by")


def _read_patient(request: HttpRequest, clinic: Clinic, patient_id: int) -> Patient:
    # Every read of a patient's record leaves an access event (who, what, when, where).
    return selectors.get_patient_for_read(clinic, patient_id, user=caller(request), request=request)


@router.get(
    "/clinics/{clinic}/patients",
    response=responses(list[PatientOut]),
    summary="List or search patients",
)
def list_patients(request: HttpRequest, clinic: str, search: str = "") -> list[PatientOut]:
    clinic_obj = member(request, clinic).clinic
    patients = list(selectors.patient_list(clinic_obj, search)[:200])
    # A list of names, birth dates and contacts is a read of patient data too.
    record_access(
        clinic=clinic_obj,
        user=caller(request),
        action=AccessAction.READ,
        obj=clinic_obj,
        ip=client_ip(request),
        path=request.path,
    )
    return [patient_out(p, clinic_obj, listed=True) for p in patients]


@router.post(
    "/clinics/{clinic}/patients",
    response=responses(PatientOut, 400, status=201),
    summary="Register a patient",
)
def register_patient(request: HttpRequest, clinic: str, body: PatientIn) -> Status[PatientOut]:
    clinic_obj = member(request, clinic).clinic
    patient = services.register_patient(clinic=clinic_obj, by=caller(request), **body.dict())
    return Status(201, patient_out(patient, clinic_obj))


@router.get(
    "/clinics/{clinic}/patients/{patient_id}",
    response=responses(PatientOut),
    summary="Read a patient",
)
@token_checked_by_read
def read_patient(request: HttpRequest, clinic: str, patient_id: int) -> PatientOut:
    # The caller's token, the patient and the access event of reading the record: one
    # statement on PostgreSQL (api.common.read_one).
    membership, row = read_one(request, clinic, selectors.patient_read(patient_id))
    if row is None:
        raise Http404("No such patient.")
    clinic_obj = membership.clinic
    return patient_out(selectors.patient_from_row(clinic_obj, row), clinic_obj)


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/intakes",
    response=responses(list[IntakeOut]),
    summary=(
        "Every intake version, oldest first, each with its screening (practitioners and"
        " admins: the front desk reads no answers)"
    ),
)
def list_intakes(request: HttpRequest, clinic: str, patient_id: int) -> list[IntakeOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    if not may_read(membership, Part.ANSWERS):
        # The object first: another clinic's patient is a 404 whatever the caller's role.
        selectors.get_patient(clinic_obj, patient_id)
        require_read(membership, Part.ANSWERS)
    patient = _read_patient(request, clinic_obj, patient_id)
    booking = selectors.may_book_session(clinic_obj, patient, membership)
    by_intake: dict[int, ScreeningResult] = {}
    for screening in _with_people(selectors.screenings(clinic_obj, patient)):
        by_intake[screening.intake_id] = screening  # the latest screening of each version
    return [
        intake_out(
            intake,
            screening_out(by_intake[intake.pk], booking, clinic_obj)
            if intake.pk in by_intake
            else None,
            clinic_obj,
        )
        for intake in selectors.intake_versions(clinic_obj, patient).select_related("created_by")
    ]


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/intakes",
    response=responses(IntakeOut, 400, status=201),
    summary="Record a new intake version; it is screened at once",
)
def record_intake(
    request: HttpRequest, clinic: str, patient_id: int, body: IntakeIn
) -> Status[IntakeOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    patient = selectors.get_patient(clinic_obj, patient_id)
    intake = services.record_intake(
        clinic=clinic_obj,
        patient=patient,
        by=caller(request),
        answers=body.answers,
    )
    screening = selectors.current_screening(clinic_obj, patient)
    booking = selectors.may_book_session(clinic_obj, patient, membership)
    screening_data = (
        screening_out(screening, booking, clinic_obj, membership) if screening else None
    )
    return Status(201, intake_out(intake, screening_data, clinic_obj))


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/screenings",
    response=responses(list[ScreeningOut]),
    summary=(
        "Every screening of the patient, oldest first (the front desk gets verdicts without"
        " findings)"
    ),
)
def list_screenings(request: HttpRequest, clinic: str, patient_id: int) -> list[ScreeningOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    patient = _read_patient(request, clinic_obj, patient_id)
    booking = selectors.may_book_session(clinic_obj, patient, membership)
    found = _with_people(selectors.screenings(clinic_obj, patient))
    return [screening_out(s, booking, clinic_obj, membership) for s in found]


@router.get(
    "/clinics/{clinic}/screenings/{screening_id}",
    response=responses(ScreeningOut),
    summary="Read a screening (the front desk gets the verdict without findings)",
)
def read_screening(request: HttpRequest, clinic: str, screening_id: int) -> ScreeningOut:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    screening = selectors.get_screening(clinic_obj, screening_id)
    _read_patient(request, clinic_obj, screening.patient_id)
    return screening_out(
        screening,
        selectors.may_book_session(clinic_obj, screening.patient, membership),
        clinic_obj,
        membership,
    )


@router.post(
    "/clinics/{clinic}/screenings/{screening_id}/sign-off",
    response=responses(ScreeningOut, 400),
    summary="A practitioner signs off a review verdict, with a reason",
)
def sign_off(request: HttpRequest, clinic: str, screening_id: int, body: SignOffIn) -> ScreeningOut:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    # The object first: another clinic's id is a 404 whatever the caller's role.
    screening = selectors.get_screening(clinic_obj, screening_id)
    require_role(membership, Role.PRACTITIONER)
    signed = services.sign_off_screening(
        clinic=clinic_obj,
        screening=screening,
        by=caller(request),
        reason=body.reason,
    )
    return screening_out(
        signed, selectors.may_book_session(clinic_obj, signed.patient, membership), clinic_obj
    )
