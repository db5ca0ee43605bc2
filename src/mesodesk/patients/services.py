"""Every change to patients, intakes, screenings and consents goes through these functions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today, membership
from mesodesk.core.inputs import InputError, Intake, parse_intake
from mesodesk.core.library import Library, load_library
from mesodesk.core.phones import PhoneError, can_take_sms, to_e164
from mesodesk.core.screening import screen
from mesodesk.messaging.services import refresh_patient_reminders
from mesodesk.patients import selectors
from mesodesk.patients.choices import STAFF_SOURCES, Channel, IntakeSource, Sex, Verdict
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.selectors import active_plan, core_plan
from mesodesk.protocols.selectors import engine_overrides, protocol_version_of
from mesodesk.protocols.services import load_protocol_library
from mesodesk.refusals import refusal as _refusal


def _check_patient(clinic: Clinic, patient: Patient) -> None:
    # Services trust selectors to fetch within the clinic; this is the last line of defence.
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")


def _as_validation_error(error: InputError, prefix: str = "") -> ValidationError:
    field = error.field
    if prefix and field.startswith(prefix):
        field = field[len(prefix) :]
    return _refusal(field, error.message, "invalid")


def _lock(patient: Patient) -> None:
    """Locks the patient's row until the transaction ends: intakes, screenings, sign-offs
    and session bookings of one patient happen one after another."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


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
        phone=phone_e164(clinic, phone),
        preferred_channel=preferred_channel,
    )
    # Not the clinic (the caller's own, already read: checking it is a query) nor the
    # check constraints (they repeat the fields' choices, which clean_fields checks here
    # without a query; the database enforces them on the INSERT all the same).
    patient.full_clean(exclude=["clinic"], validate_constraints=False)
    if preferred_channel == Channel.SMS and not patient.phone:
        raise _refusal("phone", "Give a phone number to be reminded by SMS.", "required")
    if preferred_channel == Channel.SMS and not can_take_sms(patient.phone):
        raise _refusal("phone", NOT_A_MOBILE, "not_mobile")
    if birth_date is not None and birth_date > clinic_today(clinic):
        raise _refusal("birth_date", "The birth date is in the future.", "future")
    patient._history_user = by  # type: ignore[attr-defined] # read by simple-history
    patient.save()
    return patient


NOT_A_MOBILE = "This number cannot receive text messages: give a mobile number."


def phone_e164(clinic: Clinic, text: str) -> str:
    """A phone number as written, in E.164 (read in the clinic's country when it has no
    country code); "" for none. ValidationError keyed "phone" if it is not a number."""
    if not text.strip():
        return ""
    try:
        return to_e164(text, clinic.country)
    except PhoneError as error:
        raise _refusal("phone", str(error), "invalid_phone") from None


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
        plan_input = core_plan(plan, library) if plan is not None else None
    except InputError as error:
        raise _as_validation_error(error, "plan.") from None
    result = screen(intake, plan_input, library=library, overrides=engine_overrides(clinic=clinic))
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


@transaction.atomic
def record_intake(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    answers: dict[str, Any],
    source: str | None = None,
) -> IntakeVersion:
    """Stores the answers (DESIGN 7.1) as the patient's next intake version, and screens it.

    Answers recorded by anyone but the patient's own portal account are recorded as given
    on the patient's behalf, with `source` (IntakeSource: a paper form, the telephone, in
    person; "other" when not said); the patient's own are from the portal. The screening
    uses the patient's active plan, if any, and the clinic's overrides, and is stored with
    the protocol version that produced it. ValidationError is keyed by the path of the bad
    field ("medications[1].prescribed").
    """
    _check_patient(clinic, patient)
    if patient.merged_into_id is not None:
        raise _refusal("patient", "This record was merged into another.", "merged")
    on_behalf = patient.portal_user_id is None or patient.portal_user_id != by.pk
    if not on_behalf:
        source = IntakeSource.PORTAL
    elif source is None:
        source = IntakeSource.OTHER
    elif source not in STAFF_SOURCES and source != IntakeSource.OTHER:
        raise _refusal("source", "Say where the answers come from.", "invalid")
    library = load_library()
    try:
        intake = parse_intake(answers, library, today=clinic_today(clinic))
    except InputError as error:
        raise _as_validation_error(error) from None
    # Two intakes recorded at once get numbers n+1 and n+2.
    _lock(patient)
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
        on_behalf=on_behalf,
        source=source,
    )
    version.save()
    _store_screening(
        clinic=clinic,
        patient=patient,
        intake_version=version,
        intake=intake,
        plan=active_plan(clinic, patient),
        library=library,
        by=by,
    )
    # New answers can change what the patient must stop before a session, and when.
    refresh_patient_reminders(clinic=clinic, patient=patient)
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

    ValidationError if the patient has no intake yet (code "no_intake") or the plan is
    another patient's ("wrong_plan"). The patient's row is locked, so a screening and a
    new intake, sign-off or session booking of the same patient never interleave.
    """
    _check_patient(clinic, patient)
    if plan is not None and (plan.clinic_id != clinic.pk or plan.patient_id != patient.pk):
        raise _refusal("plan", "The plan is not this patient's.", "wrong_plan")
    _lock(patient)
    version = selectors.latest_intake(clinic, patient)
    if version is None:
        raise _refusal("patient", "The patient has no intake yet.", "no_intake")
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
def rescreen_if_stale(
    *, clinic: Clinic, patient: Patient, plan: TreatmentPlan | None, by: User | None
) -> ScreeningResult | None:
    """The patient's current screening for a session under `plan` (None: no plan), screened
    again first when it is stale (`selectors.stale_reason`: not of the latest intake, of
    another plan or protocol version, or older than a change of the clinic's overrides).

    Locks the patient's row. A screening done again is a new, unsigned ScreeningResult:
    a sign-off is never carried over, even to an identical verdict, because it was given
    on the facts and rules of its day (a changed dose, override reason or protocol text
    can leave the findings' codes alike while the judgement they rest on is not), so a
    `review` needs a practitioner again. None if the patient has no intake yet.
    """
    _check_patient(clinic, patient)
    if plan is not None and (plan.clinic_id != clinic.pk or plan.patient_id != patient.pk):
        raise _refusal("plan", "The plan is not this patient's.", "wrong_plan")
    _lock(patient)
    screening = selectors.current_screening(clinic, patient)
    if screening is None:
        return None
    stale = selectors.stale_reason(
        clinic,
        patient,
        screening,
        plan=plan,
        protocol_version=protocol_version_of(load_library()),
    )
    if stale is None:
        return screening
    return screen_patient(clinic=clinic, patient=patient, plan=plan, by=by)


@transaction.atomic
def sign_off_screening(
    *, clinic: Clinic, screening: ScreeningResult, by: User, reason: str
) -> ScreeningResult:
    """A practitioner of the clinic accepts a `review` verdict, saying why.

    ValidationError, each with its code: keyed "by" ("permission_denied") unless `by` is a
    practitioner of this clinic; keyed "screening" when it is no longer the patient's
    current screening ("stale"), not a review ("not_review") or signed off already
    ("signed_off"); keyed "reason" for an empty reason ("required"). The patient's row is
    locked, so no new screening slips in between the check and the sign-off.
    """
    patient_id = (
        ScreeningResult.objects.filter(clinic=clinic, pk=screening.pk)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise ScreeningResult.DoesNotExist("screening not found")
    patient = Patient.objects.select_for_update().get(clinic=clinic, pk=patient_id)
    locked = ScreeningResult.objects.select_for_update().get(clinic=clinic, pk=screening.pk)
    member = membership(clinic, by)
    if member is None or member.role != Role.PRACTITIONER:
        raise _refusal(
            "by",
            "Only a practitioner of this clinic can sign off a screening.",
            "permission_denied",
        )
    current = selectors.current_screening(clinic, patient)
    if current is None or current.pk != locked.pk:
        raise _refusal(
            "screening",
            "This screening has been superseded; sign off the patient's current one.",
            "stale",
        )
    if locked.verdict != Verdict.REVIEW:
        raise _refusal(
            "screening",
            f"Only a review verdict is signed off; this one is {locked.verdict}.",
            "not_review",
        )
    if locked.signed_off_at is not None:
        raise _refusal("screening", "This screening is signed off already.", "signed_off")
    if not reason.strip():
        raise _refusal("reason", "Say why the patient may be treated.", "required")
    locked.signed_off_by = by
    locked.signed_off_at = timezone.now()
    locked.sign_off_reason = reason.strip()
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(update_fields=["signed_off_by", "signed_off_at", "sign_off_reason"])
    return locked
