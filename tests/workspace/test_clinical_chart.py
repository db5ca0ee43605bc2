"""The patient's chart: every part of the record, an access event for each read, and the
sign-off of a review verdict (practitioners only, with a reason)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room
from mesodesk.messaging.services import update_preferences
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.services import book_series
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake
from tests.helpers import give_consents

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
ON_ELIQUIS = {"medications": [{"name": "Eliquis 5 mg", "prescribed": True}]}


def _monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def maria(clinic: Clinic, fiona: User) -> Patient:
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Maria", last_name="Keller", email="m@example.test"
    )
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    return patient


def chart_url(patient: Patient) -> str:
    return f"/staff/lindenhof/patients/{patient.pk}/"


def test_it_shows_intake_versions_and_what_changed(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    record_intake(
        clinic=clinic,
        patient=maria,
        by=fiona,
        answers=intake(medications=[{"name": "Advil 200 mg", "prescribed": False}]),
    )
    page = sign_in_with_mfa(Client(), pedro).get(chart_url(maria)).text
    assert "Version 2" in page and "Version 1" in page
    assert "What changed from version 1" in page
    assert "<ins>Advil 200 mg</ins>" in page


def test_a_skin_type_the_patient_did_not_know_reads_not_known(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake(fitzpatrick=None))
    page = sign_in_with_mfa(Client(), pedro).get(chart_url(maria)).text
    assert "<dt>Fitzpatrick skin type</dt><dd>not known</dd>" in page


def test_reading_a_chart_leaves_an_access_event(
    clinic: Clinic, fiona: User, maria: Patient
) -> None:
    before = AccessEvent.objects.filter(patient=maria).count()
    assert sign_in_with_mfa(Client(), fiona).get(chart_url(maria)).status_code == 200
    assert AccessEvent.objects.filter(patient=maria, user=fiona).count() == before + 1


def test_it_shows_the_review_findings_with_their_sources(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake(**ON_ELIQUIS))
    page = sign_in_with_mfa(Client(), pedro).get(chart_url(maria)).text
    assert "Needs sign-off" in page
    assert "Eliquis 5 mg" in page
    assert "Sources:" in page and ".txt</cite>" in page
    assert "Sign off the review verdict" in page


def test_a_practitioner_signs_off_a_review_verdict_with_a_reason(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake(**ON_ELIQUIS))
    doctor = sign_in_with_mfa(Client(), pedro)
    response = doctor.post(
        chart_url(maria) + "sign-off/", {"reason": "Cardiologist agrees; small volumes."}
    )
    assert response.status_code == 302
    screening = current_screening(clinic, maria)
    assert screening is not None and screening.signed_off_by == pedro
    page = doctor.get(chart_url(maria)).text
    assert "Cardiologist agrees; small volumes." in page
    assert "A treatment session may be booked." in page


def test_a_sign_off_without_a_reason_is_refused_next_to_the_field(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake(**ON_ELIQUIS))
    response = sign_in_with_mfa(Client(), pedro).post(
        chart_url(maria) + "sign-off/", {"reason": ""}
    )
    assert response.status_code == 422
    assert 'id="id_reason_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert current_screening(clinic, maria).signed_off_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("who", ["fiona", "alice"])
def test_front_desk_and_admin_see_the_verdict_but_cannot_sign(
    request: pytest.FixtureRequest, clinic: Clinic, fiona: User, maria: Patient, who: str
) -> None:
    member = request.getfixturevalue(who)
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake(**ON_ELIQUIS))
    client = sign_in_with_mfa(Client(), member)
    page = client.get(chart_url(maria)).text
    assert "Needs sign-off" in page
    assert "only a practitioner can give it" in page
    assert "Sign off the review verdict" not in page
    assert client.post(chart_url(maria) + "sign-off/", {"reason": "ok"}).status_code == 403
    assert current_screening(clinic, maria).signed_off_at is None  # type: ignore[union-attr]


def test_it_shows_plans_series_timeline_appointments_and_consents(
    clinic: Clinic, fiona: User, pedro: User, maria: Patient
) -> None:
    room = add_room(clinic=clinic, name="Room 1")
    needles = add_device(
        clinic=clinic, name="Needles", device_type="manual_needle_kit", model_name="30G"
    )
    record_intake(
        clinic=clinic,
        patient=maria,
        by=fiona,
        answers=intake(
            medications=[
                {"name": "Advil 200 mg", "prescribed": False},
                {"name": "turmeric", "prescribed": False},
            ]
        ),
    )
    plan = create_plan(
        clinic=clinic,
        patient=maria,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "vitamin_c"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.combine(_monday(), time(10), BERLIN),
    )
    book_series(clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=needles)
    give_consents(maria, lipolysis=False)
    desk = sign_in_with_mfa(Client(), fiona).get(chart_url(maria)).text
    # The front desk sees the series, not what it treats, nor the timeline built from the
    # intake (clinics.reading); practitioners see both.
    assert "Skin rejuvenation" not in desk and "Treatment series" in desk
    assert "Advil" not in desk and "The timeline is built from the intake" in desk
    assert desk.count('<span class="badge booked">Booked</span>') >= 3
    page = sign_in_with_mfa(Client(), pedro).get(chart_url(maria)).text
    assert "Skin rejuvenation" in page
    assert page.count('<span class="badge booked">Booked</span>') >= 3
    assert "Preparation" in page and "Aftercare" in page
    assert "Advil 200 mg" in page  # the NSAID item is about her Advil
    # Staff see which figures no source gives and which substances no source names.
    assert "No source gives this duration: a clinic-defined default" in page
    # Under the screening's caution and the two timeline items about supplements (stop
    # before, don't restart after).
    assert page.count("No source names turmeric (curcumin): the clinic's addition.") == 3
    assert "Reschedule or cancel" in page
    assert "Consent to mesotherapy by hand with a fine needle" in page
    assert "Reminders" in page


def test_the_chart_says_the_channels_reminders_actually_go_by(
    clinic: Clinic, fiona: User, pedro: User
) -> None:
    patient = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Tina",
        last_name="Text",
        email="tina@example.test",
        phone="+49 170 1234567",
        preferred_channel="email",
    )
    client = sign_in_with_mfa(Client(), pedro)
    url = f"/staff/lindenhof/patients/{patient.pk}/"
    assert "<dt>Reminders by</dt><dd>E-mail</dd>" in client.get(url).text
    # She chose text messages in her reminder choices (issue 13: the chart said "E-mail").
    update_preferences(
        clinic=clinic, patient=patient, by=None, email=False, sms=True, preparation=True,
        appointment=True, aftercare=True, check_in=True, recall=True,
        quiet_start=time(21), quiet_end=time(8),
    )  # fmt: skip
    assert "<dt>Reminders by</dt><dd>SMS</dd>" in client.get(url).text
