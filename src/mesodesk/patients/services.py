"""Every change to patients, intakes, screenings and consents goes through these functions."""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.core.inputs import InputError, Intake, Plan, parse_intake, parse_plan
from mesodesk.core.library import Library, load_library
from mesodesk.core.library.model import Severity
from mesodesk.core.overrides import Override
from mesodesk.core.screening import screen
from mesodesk.patients.choices import Channel, Sex, Verdict
from mesodesk.patients.models import Consent, IntakeVersion, Patient, ScreeningResult
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import TreatmentPlan
from mesodesk.protocols.models import ClinicOverride
from mesodesk.protocols.services import load_protocol_library


def _check_patient(clinic: Clinic, patient: Patient) -> None:
    # Services trust selectors to fetch within the clinic; this is the last line of defence.
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")


def _as_validation_error(error: InputError, prefix: str = "") -> ValidationError:
    field = error.field
    if prefix and field.startswith(prefix):
        field = field[len(prefix) :]
    return ValidationError({field: error.message}, code="invalid")


@transaction.atomic
def register_patient(
    *,
    clinic: Clinic,
    by: User,
    first_name: str,
    last_name: str,
    birth_date: date | None = None,
    sex: str = Sex.UNKNOWN,
    email: str = "",
    phone: str = "",
    preferred_channel: str = Channel.EMAIL,
) -> Patient:
    """A new patient of the clinic; ValidationError (keyed by field) for bad details."""
    patient = Patient(
        clinic=clinic,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        sex=sex,
        email=email.strip(),
        phone=phone.strip(),
        preferred_channel=preferred_channel,
    )
    patient.full_clean()
    if preferred_channel == Channel.SMS and not patient.phone:
        raise ValidationError({"phone": "Give a phone number to be reminded by SMS."})
    if birth_date is not None and birth_date > _today(clinic):
        raise ValidationError({"birth_date": "The birth date is in the future."})
    patient._history_user = by  # type: ignore[attr-defined] # read by simple-history
    patient.save()
    return patient


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


def clinic_overrides(clinic: Clinic) -> dict[str, Override]:
    """The clinic's overrides of library rules, as the screening engine takes them."""
    return {
        o.rule_code: Override(
            severity=Severity(o.severity) if o.severity else None,
            value=o.value,
            reason=o.reason,
        )
        for o in ClinicOverride.objects.filter(clinic=clinic).only(
            "rule_code", "severity", "value", "reason"
        )
    }


def _plan_input(plan: TreatmentPlan, library: Library) -> Plan:
    return parse_plan(
        {
            "indication": plan.indication,
            "areas": list(plan.areas),
            "ingredients": list(plan.ingredients),
            "technique": plan.technique,
            "massage_approved": plan.massage_approved,
        },
        library,
    )


def _store_screening(
    *,
    clinic: Clinic,
    patient: Patient,
    intake_version: IntakeVersion,
    intake: Intake,
    plan: TreatmentPlan | None,
    library: Library,
    by: User | None,
) -> ScreeningResult:
    protocol_version = load_protocol_library(library=library)
    try:
        plan_input = _plan_input(plan, library) if plan is not None else None
    except InputError as error:
        raise _as_validation_error(error, "plan.") from None
    result = screen(intake, plan_input, library=library, overrides=clinic_overrides(clinic))
    screening = ScreeningResult(
        clinic=clinic,
        patient=patient,
        intake=intake_version,
        plan=plan,
        verdict=result.verdict,
        findings=[f.to_dict() for f in result.findings],
        protocol_version=protocol_version,
        computed_at=timezone.now(),
    )
    if by is not None:
        screening._history_user = by  # type: ignore[attr-defined] # read by simple-history
    screening.save()
    return screening


def _active_plan(clinic: Clinic, patient: Patient) -> TreatmentPlan | None:
    return (
        TreatmentPlan.objects.filter(clinic=clinic, patient=patient, status=PlanStatus.ACTIVE)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def record_intake(
    *, clinic: Clinic, patient: Patient, by: User, answers: dict[str, Any]
) -> IntakeVersion:
    """Stores the answers (DESIGN 7.1) as the patient's next intake version, and screens it.

    The screening uses the patient's active plan, if any, and the clinic's overrides, and is
    stored with the protocol version that produced it. ValidationError is keyed by the
    path of the bad field ("medications[1].prescribed").
    """
    _check_patient(clinic, patient)
    library = load_library()
    try:
        intake = parse_intake(answers, library, today=_today(clinic))
    except InputError as error:
        raise _as_validation_error(error) from None
    # Lock the patient row so two intakes recorded at once get numbers n+1 and n+2.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    last = IntakeVersion.objects.filter(clinic=clinic, patient=patient).aggregate(n=Max("number"))[
        "n"
    ]
    version = IntakeVersion(
        clinic=clinic,
        patient=patient,
        number=(last or 0) + 1,
        answers=answers,
        created_by=by,
        created_at=timezone.now(),
    )
    version.save()
    _store_screening(
        clinic=clinic,
        patient=patient,
        intake_version=version,
        intake=intake,
        plan=_active_plan(clinic, patient),
        library=library,
        by=by,
    )
    return version


@transaction.atomic
def screen_patient(
    *,
    clinic: Clinic,
    patient: Patient,
    plan: TreatmentPlan | None = None,
    by: User | None = None,
) -> ScreeningResult:
    """Screens the patient's latest intake again (with `plan`, if given) and stores the result.

    ValidationError if the patient has no intake yet or the plan is another patient's.
    """
    _check_patient(clinic, patient)
    if plan is not None and (plan.clinic_id != clinic.pk or plan.patient_id != patient.pk):
        raise ValidationError({"plan": "The plan is not this patient's."})
    version = (
        IntakeVersion.objects.filter(clinic=clinic, patient=patient).order_by("-number").first()
    )
    if version is None:
        raise ValidationError({"patient": "The patient has no intake yet."}, code="no_intake")
    library = load_library()
    try:
        # Stored answers were valid when recorded; no `today` so an old intake stays valid.
        intake = parse_intake(version.answers, library)
    except InputError as error:
        raise _as_validation_error(error) from None
    return _store_screening(
        clinic=clinic,
        patient=patient,
        intake_version=version,
        intake=intake,
        plan=plan,
        library=library,
        by=by,
    )


@transaction.atomic
def sign_off_screening(
    *, clinic: Clinic, screening: ScreeningResult, by: User, reason: str
) -> ScreeningResult:
    """A practitioner of the clinic accepts a `review` verdict, saying why.

    ValidationError (code "permission_denied", keyed "by") unless `by` is a practitioner of
    this clinic; keyed "screening" unless the verdict is review and not yet signed off;
    keyed "reason" for an empty reason.
    """
    locked = (
        ScreeningResult.objects.select_for_update().filter(clinic=clinic, pk=screening.pk).first()
    )
    if locked is None:
        raise ScreeningResult.DoesNotExist("screening not found")
    member = membership(clinic, by)
    if member is None or member.role != Role.PRACTITIONER:
        raise ValidationError(
            {"by": "Only a practitioner of this clinic can sign off a screening."},
            code="permission_denied",
        )
    if locked.verdict != Verdict.REVIEW:
        raise ValidationError(
            {"screening": f"Only a review verdict is signed off; this one is {locked.verdict}."},
            code="not_review",
        )
    if locked.signed_off_at is not None:
        raise ValidationError(
            {"screening": "This screening is signed off already."}, code="signed_off"
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why the patient may be treated."}, code="required")
    locked.signed_off_by = by
    locked.signed_off_at = timezone.now()
    locked.sign_off_reason = reason.strip()
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(update_fields=["signed_off_by", "signed_off_at", "sign_off_reason"])
    return locked


@transaction.atomic
def record_consent(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    kind: str,
    text_version: str,
    signed_name: str,
) -> Consent:
    """Records that the patient signed one version of a consent text."""
    _check_patient(clinic, patient)
    consent = Consent(
        clinic=clinic,
        patient=patient,
        kind=kind,
        text_version=text_version.strip(),
        signed_name=signed_name.strip(),
        signed_at=timezone.now(),
        recorded_by=by,
    )
    consent.full_clean()
    consent._history_user = by  # type: ignore[attr-defined] # read by simple-history
    consent.save()
    return consent
