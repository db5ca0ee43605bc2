"""Registering patients, recording intakes, screening, sign-off and consents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.patients.models import (
    IntakeVersion,
    IntakeVersionImmutableError,
    Patient,
    ScreeningResult,
)
from mesodesk.patients.services import (
    record_intake,
    register_patient,
    rescreen_if_stale,
    screen_patient,
    sign_off_screening,
)
from mesodesk.planning.services import create_plan
from mesodesk.protocols.models import ProtocolVersion
from mesodesk.protocols.services import set_clinic_override
from tests.patients.fixtures import ON_WARFARIN, answers


def _screened(clinic: Clinic, patient: Patient, by: User, **changes: object) -> ScreeningResult:
    version = record_intake(clinic=clinic, patient=patient, by=by, answers=answers(**changes))
    return ScreeningResult.objects.get(intake=version)


def test_it_registers_a_patient_with_history(clinic: Clinic, fiona: User) -> None:
    patient = register_patient(
        clinic=clinic, by=fiona, first_name=" Ada ", last_name="Lovelace", phone="+4930123"
    )
    assert (patient.first_name, patient.sex, patient.preferred_channel) == (
        "Ada",
        "unknown",
        "email",
    )
    assert patient.history.get().history_user == fiona


def test_it_refuses_sms_reminders_without_a_phone_number(clinic: Clinic, fiona: User) -> None:
    with pytest.raises(ValidationError) as error:
        register_patient(
            clinic=clinic, by=fiona, first_name="A", last_name="B", preferred_channel="sms"
        )
    assert "phone" in error.value.message_dict


def test_it_refuses_an_unknown_sex_or_a_bad_email(clinic: Clinic, fiona: User) -> None:
    with pytest.raises(ValidationError) as error:
        register_patient(
            clinic=clinic, by=fiona, first_name="A", last_name="B", sex="x", email="nope"
        )
    assert {"sex", "email"} <= set(error.value.message_dict)
    assert not Patient.objects.exists()


def test_intake_versions_are_numbered_from_one(clinic: Clinic, maria: Patient, fiona: User) -> None:
    first = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    second = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(fitzpatrick=4))
    assert (first.number, second.number) == (1, 2)
    assert second.answers["fitzpatrick"] == 4


def test_an_intake_version_cannot_be_changed(clinic: Clinic, maria: Patient, fiona: User) -> None:
    version = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    version.answers = answers(pregnant=True)
    with pytest.raises(IntakeVersionImmutableError):
        version.save()
    assert IntakeVersion.objects.get(pk=version.pk).answers["pregnant"] is False


def test_bad_answers_are_refused_by_the_path_of_the_field(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    bad = answers(medications=[{"name": "warfarin", "prescribed": "yes"}])
    with pytest.raises(ValidationError) as error:
        record_intake(clinic=clinic, patient=maria, by=fiona, answers=bad)
    assert list(error.value.message_dict) == ["medications[0].prescribed"]
    assert not IntakeVersion.objects.exists()


def test_an_unknown_condition_code_is_refused(clinic: Clinic, maria: Patient, fiona: User) -> None:
    with pytest.raises(ValidationError) as error:
        record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(conditions=["gout"]))
    assert "conditions[0]" in error.value.message_dict


def test_a_birth_date_in_the_future_is_refused(clinic: Clinic, maria: Patient, fiona: User) -> None:
    with pytest.raises(ValidationError) as error:
        record_intake(
            clinic=clinic, patient=maria, by=fiona, answers=answers(birth_date="2999-01-01")
        )
    assert "birth_date" in error.value.message_dict


def test_each_intake_version_is_screened_and_stored_with_its_protocol_version(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    first = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    second = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(**ON_WARFARIN))
    results = list(ScreeningResult.objects.filter(patient=maria).order_by("id"))
    assert [(r.intake, r.verdict) for r in results] == [(first, "eligible"), (second, "review")]
    assert results[1].findings[0]["code"] == "anticoagulant_therapy"
    version = results[1].protocol_version
    assert version == ProtocolVersion.objects.get(content_hash=load_library().hash)
    assert version.version == load_library().version


def test_a_pregnant_patient_is_screened_ineligible(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    result = _screened(clinic, maria, fiona, pregnant=True)
    assert result.verdict == "ineligible"
    assert [(f["code"], f["severity"]) for f in result.findings] == [("pregnancy", "absolute")]


def test_the_clinics_overrides_are_applied(
    clinic: Clinic,
    other_clinic: Clinic,
    maria: Patient,
    harbour_patient: Patient,
    harbour_practitioner: User,
    alice: User,
) -> None:
    set_clinic_override(
        clinic=clinic,
        rule_code="atopy",
        severity="relative",
        reason="Our physician sees every atopic patient first.",
        by=alice,
    )
    ours = _screened(clinic, maria, alice, conditions=["atopy"])
    theirs = _screened(other_clinic, harbour_patient, harbour_practitioner, conditions=["atopy"])
    assert (ours.verdict, ours.findings[0]["severity"], ours.findings[0]["overridden"]) == (
        "review",
        "relative",
        True,
    )
    assert (theirs.verdict, theirs.findings[0]["severity"]) == ("eligible", "caution")


def test_screening_again_needs_an_intake(clinic: Clinic, maria: Patient) -> None:
    with pytest.raises(ValidationError) as error:
        screen_patient(clinic=clinic, patient=maria)
    assert "patient" in error.value.message_dict


def test_a_practitioner_signs_off_a_review_verdict_with_a_reason(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    result = _screened(clinic, maria, fiona, **ON_WARFARIN)
    signed = sign_off_screening(
        clinic=clinic, screening=result, by=pedro, reason=" INR stable, prescriber agrees. "
    )
    signed.refresh_from_db()
    assert (signed.signed_off_by, signed.sign_off_reason) == (
        pedro,
        "INR stable, prescriber agrees.",
    )
    assert signed.signed_off_at is not None
    assert signed.history.order_by("history_id").last().history_user == pedro


@pytest.mark.parametrize("who", ["fiona", "alice", "harbour_practitioner"])
def test_only_a_practitioner_of_the_clinic_may_sign_off(
    clinic: Clinic,
    maria: Patient,
    pedro: User,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    result = _screened(clinic, maria, pedro, **ON_WARFARIN)
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as error:
        sign_off_screening(clinic=clinic, screening=result, by=user, reason="Looks fine.")
    assert error.value.message_dict == {
        "by": ["Only a practitioner of this clinic can sign off a screening."]
    }
    result.refresh_from_db()
    assert result.signed_off_at is None


@pytest.mark.parametrize("changes", [{}, {"pregnant": True}], ids=["eligible", "ineligible"])
def test_only_a_review_verdict_is_signed_off(
    clinic: Clinic, maria: Patient, pedro: User, changes: dict[str, object]
) -> None:
    result = _screened(clinic, maria, pedro, **changes)
    with pytest.raises(ValidationError) as error:
        sign_off_screening(clinic=clinic, screening=result, by=pedro, reason="Fine by me.")
    assert "screening" in error.value.message_dict


def test_a_sign_off_needs_a_reason(clinic: Clinic, maria: Patient, pedro: User) -> None:
    result = _screened(clinic, maria, pedro, **ON_WARFARIN)
    with pytest.raises(ValidationError) as error:
        sign_off_screening(clinic=clinic, screening=result, by=pedro, reason="   ")
    assert "reason" in error.value.message_dict


def test_a_screening_is_signed_off_only_once(clinic: Clinic, maria: Patient, pedro: User) -> None:
    result = _screened(clinic, maria, pedro, **ON_WARFARIN)
    sign_off_screening(clinic=clinic, screening=result, by=pedro, reason="Prescriber agrees.")
    with pytest.raises(ValidationError) as error:
        sign_off_screening(clinic=clinic, screening=result, by=pedro, reason="Again.")
    assert error.value.message_dict == {"screening": ["This screening is signed off already."]}


def test_another_clinics_screening_cannot_be_signed_off(
    clinic: Clinic,
    other_clinic: Clinic,
    harbour_patient: Patient,
    harbour_practitioner: User,
    pedro: User,
) -> None:
    result = _screened(other_clinic, harbour_patient, harbour_practitioner, **ON_WARFARIN)
    with pytest.raises(ScreeningResult.DoesNotExist):
        sign_off_screening(clinic=clinic, screening=result, by=pedro, reason="Not mine.")


def test_the_database_refuses_a_sign_off_without_a_reason(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    result = _screened(clinic, maria, pedro, **ON_WARFARIN)
    with pytest.raises(IntegrityError):
        ScreeningResult.objects.filter(pk=result.pk).update(
            signed_off_by=pedro, signed_off_at=timezone.now()
        )


def test_another_clinics_patient_gets_no_intake(
    clinic: Clinic, harbour_patient: Patient, fiona: User
) -> None:
    with pytest.raises(Patient.DoesNotExist):
        record_intake(clinic=clinic, patient=harbour_patient, by=fiona, answers=answers())
    assert not IntakeVersion.objects.exists()


def test_a_superseded_screening_cannot_be_signed_off(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    old = _screened(clinic, maria, fiona, **ON_WARFARIN)
    new = _screened(clinic, maria, fiona, **ON_WARFARIN, fitzpatrick=4)
    with pytest.raises(ValidationError) as error:
        sign_off_screening(clinic=clinic, screening=old, by=pedro, reason="INR stable.")
    assert error.value.error_dict["screening"][0].code == "stale"
    old.refresh_from_db()
    assert old.signed_off_at is None
    assert sign_off_screening(clinic=clinic, screening=new, by=pedro, reason="INR stable.")


def test_a_current_screening_is_not_done_again_for_a_session(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    screening = _screened(clinic, maria, fiona)
    again = rescreen_if_stale(clinic=clinic, patient=maria, plan=None, by=fiona)
    assert again == screening
    assert ScreeningResult.objects.filter(patient=maria).count() == 1


def test_a_screening_older_than_an_override_change_is_done_again_for_a_session(
    clinic: Clinic, maria: Patient, fiona: User, alice: User
) -> None:
    screening = _screened(clinic, maria, fiona, conditions=["atopy"])
    set_clinic_override(
        clinic=clinic, rule_code="atopy", severity="relative", reason="Seen first.", by=alice
    )
    again = rescreen_if_stale(clinic=clinic, patient=maria, plan=None, by=fiona)
    assert again is not None and again.pk != screening.pk
    assert (screening.verdict, again.verdict) == ("eligible", "review")


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("front_desk_signs", "by", "permission_denied"),
        ("superseded", "screening", "stale"),
        ("eligible", "screening", "not_review"),
        ("twice", "screening", "signed_off"),
        ("no_reason", "reason", "required"),
        ("screen_without_intake", "patient", "no_intake"),
        ("screen_with_anothers_plan", "plan", "wrong_plan"),
        ("bad_answers", "medications[0].prescribed", "invalid"),
        ("sms_without_phone", "phone", "required"),
    ],
)
def test_every_refusal_keeps_its_code(
    case: str,
    field: str,
    code: str,
    clinic: Clinic,
    maria: Patient,
    fiona: User,
    pedro: User,
) -> None:
    def run() -> object:
        if case == "screen_without_intake":
            return screen_patient(clinic=clinic, patient=maria)
        if case == "screen_with_anothers_plan":
            other = register_patient(clinic=clinic, by=fiona, first_name="O", last_name="Ther")
            plan = create_plan(
                clinic=clinic,
                patient=other,
                by=pedro,
                indication="skin_rejuvenation",
                areas=["face"],
                ingredients=["hyaluronic_acid"],
                technique="manual_needle",
                schedule_template="monthly_starter",
                first_session=timezone.now() + timedelta(days=30),
            )
            _screened(clinic, maria, fiona)
            return screen_patient(clinic=clinic, patient=maria, plan=plan)
        if case == "bad_answers":
            bad = answers(medications=[{"name": "warfarin", "prescribed": "yes"}])
            return record_intake(clinic=clinic, patient=maria, by=fiona, answers=bad)
        if case == "sms_without_phone":
            return register_patient(
                clinic=clinic, by=fiona, first_name="A", last_name="B", preferred_channel="sms"
            )
        screening = _screened(clinic, maria, fiona, **({} if case == "eligible" else ON_WARFARIN))
        by, reason = pedro, "Prescriber agrees."
        if case == "front_desk_signs":
            by = fiona
        if case == "superseded":
            _screened(clinic, maria, fiona, **ON_WARFARIN)
        if case == "twice":
            sign_off_screening(clinic=clinic, screening=screening, by=pedro, reason=reason)
        if case == "no_reason":
            reason = " "
        return sign_off_screening(clinic=clinic, screening=screening, by=by, reason=reason)

    with pytest.raises(ValidationError) as error:
        run()
    assert error.value.error_dict[field][0].code == code
