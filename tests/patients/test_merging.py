"""Merging a duplicate patient record into the one to keep: everything moves, nothing is
deleted, the duplicate stays marked and linked (patients.merging.merge_patients)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.messaging.models import Reminder
from mesodesk.patients import selectors
from mesodesk.patients.merging import merge_patients
from mesodesk.patients.models import IntakeVersion, Patient, PatientMerge, ScreeningResult
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan
from mesodesk.safety.models import SideEffectReport
from mesodesk.scheduling.models import Appointment
from tests.helpers import give_consents
from tests.messaging.conftest import BERLIN, BookSession, book_session, next_weekday, room
from tests.scheduling.conftest import intake

__all__ = ["book_session", "room"]


def _plan(clinic: Clinic, patient: Patient, by: User, first: datetime) -> TreatmentPlan:
    return create_plan(
        clinic=clinic,
        patient=patient,
        by=by,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=first,
    )


@pytest.fixture
def tom(clinic: Clinic, fiona: User) -> Patient:
    """Registered by the front desk, with an e-mail address: the record to keep."""
    patient = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Tom",
        last_name="Baker",
        email="tom@example.test",
    )
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake(), source="paper_form")
    return patient


@pytest.fixture
def tom_again(clinic: Clinic) -> Patient:
    """The same Tom, signed up on the portal with his own account: the duplicate."""
    account = create_user(email="tom.baker@example.test", password="a long passphrase here")
    patient = register_patient(
        clinic=clinic,
        by=account,
        first_name="Tom",
        last_name="Baker",
        birth_date=datetime(1988, 6, 15).date(),
        email="tom.baker@example.test",
        phone="0170 1234567",
        preferred_channel="email",
    )
    Patient.objects.filter(pk=patient.pk).update(portal_user=account)
    patient.refresh_from_db()
    return patient


def test_everything_of_the_duplicate_moves_and_nothing_is_lost(
    clinic: Clinic,
    alice: User,
    pedro: User,
    fiona: User,
    tom: Patient,
    tom_again: Patient,
    book_session: BookSession,
) -> None:
    # The duplicate has answered twice on the portal, after the desk's paper form.
    for pregnant in (False, False):
        record_intake(
            clinic=clinic,
            patient=tom_again,
            by=tom_again.portal_user,  # type: ignore[arg-type]
            answers=intake(pregnant=pregnant),
        )
    day = next_weekday(1)
    appointment = book_session(tom_again, day)
    plan = _plan(clinic, tom_again, pedro, datetime.combine(day, datetime.min.time(), BERLIN))
    give_consents(tom_again, lipolysis=False)
    consent = tom_again.signed_consents.first()
    # Written directly: the service wants a session held before the report's date, and
    # what matters here is only that the row moves with the patient.
    report = SideEffectReport.objects.create(
        clinic=clinic,
        patient=tom_again,
        reported_by=tom_again.portal_user,
        symptoms=["redness"],
        area="face",
        since=clinic_today(clinic) - timedelta(days=1),
        how_bad="mild",
    )
    selectors.get_patient_for_read(clinic, tom_again.pk, user=pedro)
    reminders = set(Reminder.objects.filter(patient=tom_again).values_list("pk", flat=True))
    assert reminders
    intakes_before = {
        i.pk: (i.number, i.answers) for i in IntakeVersion.objects.filter(patient=tom_again)
    }
    keep_intake = IntakeVersion.objects.get(patient=tom)

    record = merge_patients(
        clinic=clinic, kept=tom, merged=tom_again, by=alice, reason="Signed up after the desk"
    )

    # The kept record holds everything, in the order it happened.
    intakes = list(IntakeVersion.objects.filter(patient=tom).order_by("number"))
    assert [i.pk for i in intakes] == [keep_intake.pk, *sorted(intakes_before)]
    assert [i.number for i in intakes] == [1, 2, 3]
    for i in intakes[1:]:
        assert i.answers == intakes_before[i.pk][1]  # the answers are untouched
    assert not ScreeningResult.objects.filter(patient=tom_again).exists()
    assert selectors.current_screening(clinic, tom).intake_id == intakes[-1].pk  # type: ignore[union-attr]
    assert TreatmentPlan.objects.get(pk=plan.pk).patient_id == tom.pk
    assert Appointment.objects.get(pk=appointment.pk).patient_id == tom.pk
    assert consent.__class__.objects.get(pk=consent.pk).patient_id == tom.pk
    assert SideEffectReport.objects.get(pk=report.pk).patient_id == tom.pk
    assert Reminder.objects.filter(patient=tom_again, status="pending").count() == 0
    assert Reminder.objects.filter(patient=tom).exists()
    # The reads of the duplicate stay as they were written: the audit trail is not edited.
    assert AccessEvent.objects.filter(patient=tom_again).count() == 1

    # The duplicate is kept, marked, linked, and its account now opens the kept record.
    tom.refresh_from_db()
    tom_again.refresh_from_db()
    assert tom_again.merged_into_id == tom.pk and tom_again.merged_at is not None
    assert tom_again.portal_user is None
    assert tom.portal_user is not None and tom.portal_user.email == "tom.baker@example.test"
    assert selectors.portal_patient(clinic, tom.portal_user) == tom
    # The portal's one read of clinic and patient agrees: the kept record, with its clinic.
    found_clinic, found = selectors.portal_clinic_and_patient(clinic.slug, tom.portal_user)
    assert (found_clinic, found) == (clinic, tom) and found.clinic is found_clinic
    assert selectors.portal_clinic_and_patient("nowhere", tom.portal_user) == (None, None)
    # The kept record takes the details it lacked; its own stay.
    assert tom.email == "tom@example.test"
    assert (tom.birth_date.isoformat(), tom.phone) == ("1988-06-15", "+491701234567")  # type: ignore[union-attr]
    assert record.moved["rows"]["scheduling.Appointment"] == [appointment.pk]
    assert sorted(record.moved["rows"]["patients.IntakeVersion"]) == sorted(intakes_before)
    assert tom_again in [r.merged for r in PatientMerge.objects.filter(kept=tom)]
    # History says who merged and why.
    last = tom_again.history.latest()
    assert last.history_user == alice
    assert last.history_change_reason == f"merged into {tom.pk}: Signed up after the desk"
    # Lists and duplicate warnings no longer show the merged record.
    assert list(selectors.patient_list(clinic, "Baker")) == [tom]
    assert selectors.duplicates_of(clinic, tom) == []


def test_only_an_admin_merges_and_says_why(
    clinic: Clinic, alice: User, pedro: User, tom: Patient, tom_again: Patient
) -> None:
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom, merged=tom_again, by=pedro, reason="same")
    assert refused.value.error_dict["by"][0].code == "permission_denied"
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom, merged=tom_again, by=alice, reason=" ")
    assert refused.value.error_dict["reason"][0].code == "required"
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom, merged=tom, by=alice, reason="same")
    assert refused.value.error_dict["kept"][0].code == "same"
    assert not PatientMerge.objects.exists()


def test_a_merged_record_is_not_merged_again_nor_given_new_answers(
    clinic: Clinic, alice: User, fiona: User, tom: Patient, tom_again: Patient
) -> None:
    merge_patients(clinic=clinic, kept=tom, merged=tom_again, by=alice, reason="same person")
    tom_again.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom_again, merged=tom, by=alice, reason="undo")
    assert refused.value.error_dict["kept"][0].code == "merged"
    with pytest.raises(ValidationError) as refused:
        record_intake(clinic=clinic, patient=tom_again, by=fiona, answers=intake())
    assert refused.value.error_dict["patient"][0].code == "merged"


def test_two_portal_accounts_or_two_active_plans_are_refused(
    clinic: Clinic, alice: User, pedro: User, tom: Patient, tom_again: Patient
) -> None:
    other_account = create_user(email="tom@example.test", password="a long passphrase here")
    Patient.objects.filter(pk=tom.pk).update(portal_user=other_account)
    tom.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom, merged=tom_again, by=alice, reason="same")
    assert refused.value.error_dict["kept"][0].code == "two_accounts"

    Patient.objects.filter(pk=tom.pk).update(portal_user=None)
    tom.refresh_from_db()
    record_intake(
        clinic=clinic,
        patient=tom_again,
        by=tom_again.portal_user,  # type: ignore[arg-type]
        answers=intake(),
    )
    first = datetime.combine(next_weekday(1), datetime.min.time(), BERLIN)
    _plan(clinic, tom, pedro, first)
    _plan(clinic, tom_again, pedro, first)
    with pytest.raises(ValidationError) as refused:
        merge_patients(clinic=clinic, kept=tom, merged=tom_again, by=alice, reason="same")
    assert refused.value.error_dict["kept"][0].code == "two_active_plans"
    assert TreatmentPlan.objects.filter(patient=tom_again).count() == 1


def test_another_clinics_patient_cannot_be_merged(
    clinic: Clinic, other_clinic: Clinic, alice: User, tom: Patient
) -> None:
    stranger = register_patient(clinic=other_clinic, by=alice, first_name="Tom", last_name="Baker")
    with pytest.raises(Patient.DoesNotExist):
        merge_patients(clinic=clinic, kept=tom, merged=stranger, by=alice, reason="same")
