"""Reads of patients: the list, the chart, the current screening, whether a session may be
booked, and the access log written by reading a record."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.test import RequestFactory
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient, ScreeningResult
from mesodesk.patients.selectors import (
    Change,
    current_screening,
    get_intake,
    get_patient,
    get_patient_for_read,
    get_screening,
    intake_changes,
    may_book_session,
    patient_chart,
    patient_list,
)
from mesodesk.patients.services import (
    record_intake,
    register_patient,
    sign_off_screening,
)
from mesodesk.planning.services import create_plan
from tests.helpers import give_consents
from tests.patients.fixtures import ON_WARFARIN, answers

BERLIN = ZoneInfo("Europe/Berlin")


def _patients(clinic: Clinic, by: User, names: list[str]) -> list[Patient]:
    return [
        register_patient(clinic=clinic, by=by, first_name="Pat", last_name=name) for name in names
    ]


def test_the_patient_list_is_by_name_and_only_this_clinics(
    clinic: Clinic, fiona: User, harbour_patient: Patient
) -> None:
    _patients(clinic, fiona, ["Zimmer", "Adler", "Meyer"])
    assert [p.last_name for p in patient_list(clinic)] == ["Adler", "Meyer", "Zimmer"]


def test_the_patient_list_searches_every_word(clinic: Clinic, fiona: User) -> None:
    register_patient(clinic=clinic, by=fiona, first_name="Anna", last_name="Adler")
    register_patient(clinic=clinic, by=fiona, first_name="Anna", last_name="Berg")
    register_patient(
        clinic=clinic, by=fiona, first_name="Jo", last_name="Adler", email="jo@adler.test"
    )
    assert [p.first_name for p in patient_list(clinic, "anna adl")] == ["Anna"]
    assert [p.last_name for p in patient_list(clinic, "jo@adler")] == ["Adler"]


@pytest.mark.parametrize("count", [1, 20])
def test_the_patient_list_takes_one_query_however_long(
    clinic: Clinic, fiona: User, count: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _patients(clinic, fiona, [f"Name{i:02}" for i in range(count)])
    with django_assert_num_queries(1):
        names = [str(p) for p in patient_list(clinic, "name")]
    assert len(names) == count


def test_another_clinics_patient_is_not_found(
    clinic: Clinic, harbour_patient: Patient, fiona: User
) -> None:
    with pytest.raises(Http404):
        get_patient(clinic, harbour_patient.pk)
    with pytest.raises(Http404):
        patient_chart(clinic, harbour_patient.pk)
    assert current_screening(clinic, harbour_patient) is None


def test_another_clinics_intake_and_screening_are_not_found(
    clinic: Clinic, other_clinic: Clinic, harbour_patient: Patient, harbour_practitioner: User
) -> None:
    version = record_intake(
        clinic=other_clinic, patient=harbour_patient, by=harbour_practitioner, answers=answers()
    )
    screening = ScreeningResult.objects.get(intake=version)
    assert get_intake(other_clinic, version.pk) == version
    with pytest.raises(Http404):
        get_intake(clinic, version.pk)
    with pytest.raises(Http404):
        get_screening(clinic, screening.pk)
    assert may_book_session(clinic, harbour_patient) == (False, "no intake yet")


def test_intake_changes_list_what_changed_in_questionnaire_order(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    older = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    newer = record_intake(
        clinic=clinic,
        patient=maria,
        by=fiona,
        answers=answers(fitzpatrick=4, pregnant=True, allergies=["lidocaine"]),
    )
    assert intake_changes(older, newer) == [
        Change("pregnant", False, True),
        Change("allergies", [], ["lidocaine"]),
        Change("fitzpatrick", 3, 4),
    ]
    assert intake_changes(newer, newer) == []


def _fill_chart(clinic: Clinic, patient: Patient, by: User, pedro: User, versions: int) -> None:
    for n in range(versions):
        record_intake(clinic=clinic, patient=patient, by=by, answers=answers(fitzpatrick=1 + n % 6))
        give_consents(patient, lipolysis=False)
    record_intake(clinic=clinic, patient=patient, by=by, answers=answers(**ON_WARFARIN))
    review = current_screening(clinic, patient)
    assert review is not None
    sign_off_screening(clinic=clinic, screening=review, by=pedro, reason="Prescriber agrees.")


@pytest.mark.parametrize("versions", [1, 4])
def test_the_chart_takes_six_queries_however_much_is_in_it(
    clinic: Clinic,
    maria: Patient,
    fiona: User,
    pedro: User,
    versions: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _fill_chart(clinic, maria, fiona, pedro, versions)
    create_plan(
        clinic=clinic,
        patient=maria,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime(2027, 3, 1, 10, tzinfo=BERLIN),
    )
    with django_assert_num_queries(6):
        chart = patient_chart(clinic, maria.pk)
        shown = [
            *(i.created_by.email for i in chart.intakes),
            *(
                (s.protocol_version.version, s.signed_off_by and s.signed_off_by.email)
                for s in chart.screenings
            ),
            *(c.signer_name for c in chart.consents),
            *(s.starts_at for p in chart.plans for s in p.sessions.all()),
        ]
    assert len(chart.intakes) == versions + 1
    assert len(chart.screenings) == versions + 2  # one per intake, one for the plan
    # give_consents signs the treatment consent of each of the four techniques.
    assert len(shown) == (versions + 1) + (versions + 2) + versions * 4 + 3


def test_the_chart_shows_what_each_version_changed_and_the_sign_off(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    _fill_chart(clinic, maria, fiona, pedro, 2)
    chart = patient_chart(clinic, maria.pk)
    assert [i.number for i in chart.intakes] == [1, 2, 3]
    assert chart.changes == {
        1: [],
        2: [Change("fitzpatrick", 1, 2)],
        3: [
            Change("medications", [], [{"name": "warfarin", "prescribed": True}]),
            Change("fitzpatrick", 2, 3),
        ],
    }
    assert chart.current_screening is not None
    assert chart.current_screening.verdict == "review"
    assert chart.current_screening.signed_off_by == pedro
    assert len(chart.consents) == 8 and {c.purpose for c in chart.consents} == {"treatment"}


def test_the_current_screening_is_the_latest(clinic: Clinic, maria: Patient, fiona: User) -> None:
    assert current_screening(clinic, maria) is None
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(pregnant=True))
    latest = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    screening = current_screening(clinic, maria)
    assert screening is not None
    assert (screening.intake, screening.verdict) == (latest, "eligible")


def test_a_session_may_not_be_booked_without_an_intake(clinic: Clinic, maria: Patient) -> None:
    assert may_book_session(clinic, maria) == (False, "no intake yet")


def test_a_session_may_not_be_booked_for_an_ineligible_patient(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(pregnant=True))
    assert may_book_session(clinic, maria) == (False, "not suitable: pregnancy (absolute)")


def test_a_review_verdict_needs_a_sign_off_before_booking(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(**ON_WARFARIN))
    assert may_book_session(clinic, maria) == (False, "needs a practitioner's sign-off")
    screening = current_screening(clinic, maria)
    assert screening is not None
    sign_off_screening(clinic=clinic, screening=screening, by=pedro, reason="Prescriber agrees.")
    assert may_book_session(clinic, maria) == (True, "")


def test_an_eligible_patient_may_be_booked(clinic: Clinic, maria: Patient, fiona: User) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    assert may_book_session(clinic, maria) == (True, "")


def test_reading_a_patient_writes_who_what_when_and_where(
    clinic: Clinic, maria: Patient, fiona: User, rf: RequestFactory
) -> None:
    request = rf.get(f"/patients/{maria.pk}/?tab=chart", REMOTE_ADDR="192.0.2.7")
    patient = get_patient_for_read(clinic, maria.pk, user=fiona, request=request)
    assert patient == maria
    event = AccessEvent.objects.get()
    assert (event.clinic, event.user, event.patient, event.action) == (clinic, fiona, maria, "read")
    assert (event.object_type, event.object_id) == ("patients.patient", str(maria.pk))
    assert (event.ip, event.path) == ("192.0.2.7", f"/patients/{maria.pk}/?tab=chart")
    assert event.at is not None


def test_reading_another_clinics_patient_is_not_found_and_not_logged(
    clinic: Clinic, harbour_patient: Patient, fiona: User
) -> None:
    with pytest.raises(Http404):
        get_patient_for_read(clinic, harbour_patient.pk, user=fiona)
    assert not AccessEvent.objects.exists()
