"""Side-effect reports from the portal: red-flag guidance before and after, stored for the
clinic."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_room, update_clinic_settings
from mesodesk.patients.models import Patient
from mesodesk.portal.services import request_deletion
from mesodesk.safety.models import SideEffectReport
from mesodesk.safety.selectors import side_effect_reports
from mesodesk.safety.services import report_side_effect
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.portal.conftest import make_patient, signed_in, url

SESSION_DAY = date(2020, 1, 1)


def held_session(clinic: Clinic, patient: Patient, by: User, day: date) -> Appointment:
    """A session the patient had on `day`, written as a row: booking refuses past times."""
    start = datetime.combine(day, time(10), ZoneInfo(clinic.time_zone))
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind="session",
        practitioner=by,
        room=add_room(clinic=clinic, name=f"Room {patient.pk} {day}"),
        start=start,
        end=start + timedelta(minutes=30),
        created_by=by,
    )


@pytest.fixture
def paula(clinic: Clinic, pedro: User) -> Patient:
    """A patient who had a session on 1 January 2020."""
    patient = make_patient(clinic, "paula@example.test")
    held_session(clinic, patient, pedro, SESSION_DAY)
    return patient


def _report(clinic: Clinic, patient: Patient, since: date) -> SideEffectReport:
    return report_side_effect(
        clinic=clinic,
        patient=patient,
        by=patient.portal_user,
        symptoms=["redness"],
        other="",
        area="cheek",
        since=since,
        how_bad="mild",
        red_flags=[],
    )


def test_the_form_shows_the_red_flags_first(clinic: Clinic, paula: Patient) -> None:
    page = signed_in(paula.portal_user).get(url("side_effects", clinic)).text
    assert page.index("Call emergency services now") < page.index('class="card" novalidate')
    assert "Trouble breathing" in page
    assert "Call the clinic today" in page
    assert "tel:" not in page  # the clinic has given no number yet


def test_the_clinics_telephone_is_a_link_to_dial_wherever_patients_are_told_to_call(
    clinic: Clinic, paula: Patient
) -> None:
    update_clinic_settings(clinic=clinic, phone="+49 (30) 123/4567")
    client = signed_in(paula.portal_user)
    dial = '<a href="tel:+49301234567" class="phone">+49 30 1234567</a>'  # stored in E.164
    for page in ("side_effects", "home"):
        assert dial in client.get(url(page, clinic)).text, page


def test_a_report_is_stored_and_the_guidance_shown_again(clinic: Clinic, paula: Patient) -> None:
    client = signed_in(paula.portal_user)
    response = client.post(
        url("side_effects", clinic),
        {
            "symptoms": ["redness", "swelling"],
            "area": "left cheek",
            "since": "2020-01-01",
            "how_bad": "moderate",
            "red_flags": ["infection"],
        },
    )
    report = SideEffectReport.objects.get()
    assert response["Location"] == url("side_effect_sent", clinic, report_id=report.pk)
    assert (report.symptoms, report.red_flags, report.area) == (
        ["redness", "swelling"],
        ["infection"],
        "left cheek",
    )
    assert report.urgent
    assert list(side_effect_reports(clinic, paula)) == [report]
    page = client.get(response["Location"]).text
    assert "Please also call the clinic today" in page
    assert "Call emergency services now" in page


def test_an_urgent_sign_says_call_emergency_services(clinic: Clinic, paula: Patient) -> None:
    client = signed_in(paula.portal_user)
    response = client.post(
        url("side_effects", clinic),
        {"area": "face", "since": "2020-01-01", "how_bad": "severe", "red_flags": ["anaphylaxis"]},
        follow=True,
    )
    assert "needs help at once. Call emergency services now." in response.text


def test_an_empty_report_is_refused_next_to_the_question(clinic: Clinic, paula: Patient) -> None:
    response = signed_in(paula.portal_user).post(
        url("side_effects", clinic), {"area": "face", "since": "2020-01-01", "how_bad": "mild"}
    )
    assert response.status_code == 200
    assert 'id="id_symptoms_error"' in response.text
    assert not SideEffectReport.objects.exists()


def test_another_patients_report_is_a_404(clinic: Clinic, paula: Patient, pedro: User) -> None:
    other = make_patient(clinic, "otto@example.test", "Otto")
    # The practitioner saw Paula that day; Otto comes the next.
    held_session(clinic, other, pedro, SESSION_DAY + timedelta(days=1))
    report = _report(clinic, other, SESSION_DAY + timedelta(days=1))
    client = signed_in(paula.portal_user)
    assert client.get(url("side_effect_sent", clinic, report_id=report.pk)).status_code == 404


def test_the_service_refuses_unknown_codes_and_other_clinics_patients(
    clinic: Clinic, other_clinic: Clinic, paula: Patient
) -> None:
    with pytest.raises(ValidationError) as refused:
        report_side_effect(
            clinic=clinic,
            patient=paula,
            by=paula.portal_user,
            symptoms=["gills"],
            other="",
            area="face",
            since=date(2020, 1, 1),
            how_bad="mild",
            red_flags=[],
        )
    assert "symptoms" in refused.value.message_dict
    with pytest.raises(Patient.DoesNotExist):
        report_side_effect(
            clinic=other_clinic,
            patient=paula,
            by=paula.portal_user,
            symptoms=["redness"],
            other="",
            area="face",
            since=date(2020, 1, 1),
            how_bad="mild",
            red_flags=[],
        )


def test_staff_see_a_report_with_a_warning_sign_on_today_and_on_the_chart(
    clinic: Clinic, paula: Patient, fiona: User, pedro: User
) -> None:
    signed_in(paula.portal_user).post(
        url("side_effects", clinic),
        {
            "symptoms": ["redness"],
            "area": "left cheek",
            "since": "2020-01-01",
            "how_bad": "severe",
            "red_flags": ["infection"],
            "details": "Hot and throbbing since last night",
        },
    )
    desk = sign_in_with_mfa(Client(), fiona)
    today = desk.get("/staff/lindenhof/").text
    assert "Urgent side effects reported this week" in today
    assert f"/staff/lindenhof/patients/{paula.pk}/#side-effects" in today
    # The front desk is told it is urgent and to fetch a practitioner, who reads it.
    desk_chart = desk.get(f"/staff/lindenhof/patients/{paula.pk}/").text
    assert "is urgent: tell a practitioner now" in desk_chart
    assert "Hot and throbbing" not in desk_chart and "Infection" not in desk_chart
    chart = sign_in_with_mfa(Client(), pedro).get(f"/staff/lindenhof/patients/{paula.pk}/").text
    assert "Side effects reported by the patient" in chart
    assert "Hot and throbbing since last night" in chart
    assert "names a warning sign" in chart
    assert "asked on" not in chart
    request_deletion(clinic=clinic, patient=paula, by=paula.portal_user)
    assert (
        "for their account to be deleted" in desk.get(f"/staff/lindenhof/patients/{paula.pk}/").text
    )


def test_a_severe_report_without_a_warning_sign_is_urgent_for_staff_even_under_a_milder_one(
    clinic: Clinic, paula: Patient, fiona: User, pedro: User
) -> None:
    patient = signed_in(paula.portal_user)
    report = {"symptoms": ["swelling"], "area": "forehead", "since": "2020-01-01"}
    patient.post(url("side_effects", clinic), report | {"how_bad": "severe"})
    patient.post(url("side_effects", clinic), report | {"how_bad": "mild"})
    desk = sign_in_with_mfa(Client(), fiona)
    today = desk.get("/staff/lindenhof/").text
    assert "Urgent side effects reported this week" in today
    assert "(severe)" in today
    chart = sign_in_with_mfa(Client(), pedro).get(f"/staff/lindenhof/patients/{paula.pk}/").text
    assert "says the side effects are severe" in chart


def test_mild_reports_are_not_urgent(clinic: Clinic, paula: Patient, fiona: User) -> None:
    signed_in(paula.portal_user).post(
        url("side_effects", clinic),
        {"symptoms": ["redness"], "area": "cheek", "since": "2020-01-01", "how_bad": "mild"},
    )
    desk = sign_in_with_mfa(Client(), fiona)
    assert "Urgent side effects" not in desk.get("/staff/lindenhof/").text
    assert (
        'role="alert">The side-effect report'
        not in desk.get(f"/staff/lindenhof/patients/{paula.pk}/").text
    )


def test_a_report_is_about_the_last_session_held_on_or_before_its_date(
    clinic: Clinic, paula: Patient, pedro: User
) -> None:
    later = held_session(clinic, paula, pedro, date(2020, 3, 2))
    first = Appointment.objects.get(patient=paula, start__date__lt=date(2020, 2, 1))
    assert _report(clinic, paula, SESSION_DAY).appointment == first
    assert _report(clinic, paula, date(2020, 2, 10)).appointment == first
    assert _report(clinic, paula, date(2020, 3, 2)).appointment == later


def test_a_report_dated_before_any_session_is_refused_next_to_the_date(
    clinic: Clinic, paula: Patient
) -> None:
    with pytest.raises(ValidationError) as refused:
        _report(clinic, paula, SESSION_DAY - timedelta(days=1))
    assert refused.value.message_dict["since"] == [
        "Choose a date on or after your session of 1 January 2020: this report is about "
        "your skin after a session."
    ]
    response = signed_in(paula.portal_user).post(
        url("side_effects", clinic),
        {"symptoms": ["redness"], "area": "cheek", "since": "2019-12-31", "how_bad": "mild"},
    )
    assert response.status_code == 200
    assert "Choose a date on or after your session of 1 January 2020" in response.text
    assert not SideEffectReport.objects.exists()


def test_a_patient_without_a_session_is_told_to_call_the_clinic(clinic: Clinic) -> None:
    newcomer = make_patient(clinic, "newcomer@example.test")
    with pytest.raises(ValidationError, match="You have not had a treatment session yet"):
        _report(clinic, newcomer, date(2020, 1, 1))
    assert not SideEffectReport.objects.exists()


def test_a_cancelled_session_does_not_count(clinic: Clinic, pedro: User) -> None:
    patient = make_patient(clinic, "cancelled@example.test")
    session = held_session(clinic, patient, pedro, SESSION_DAY)
    session.status = "cancelled"
    session.cancelled_at = session.start - timedelta(days=1)
    session.save()
    with pytest.raises(ValidationError, match="not had a treatment session yet"):
        _report(clinic, patient, SESSION_DAY)
