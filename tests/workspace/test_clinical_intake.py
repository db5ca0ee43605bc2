"""Staff enter or update a patient's questionnaire on the patient's behalf."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import record_intake, register_patient
from tests.api.conftest import intake

pytestmark = pytest.mark.django_db

ANSWERS = {
    "source": "paper_form",
    "birth_date": "1970-03-04",
    "sex": "female",
    "pregnant": "no",
    "breastfeeding": "no",
    "med-0-name": "warfarin",
    "med-0-prescribed": "yes",
    "rows-medications": "2",
    "rows-allergies": "1",
    "rows-procedures": "1",
    "action": "submit",
}


@pytest.fixture
def greta(clinic: Clinic, fiona: User) -> Patient:
    """A patient without e-mail, who filled a paper form at the desk."""
    return register_patient(clinic=clinic, by=fiona, first_name="Greta", last_name="Lang")


def _url(patient: Patient) -> str:
    return f"/staff/lindenhof/patients/{patient.pk}/intake/"


def test_a_practitioner_enters_a_paper_form_for_the_patient(
    doctor: Client, greta: Patient, pedro: User
) -> None:
    chart = doctor.get(f"/staff/lindenhof/patients/{greta.pk}/").text
    assert f'href="{_url(greta)}"' in chart
    page = doctor.get(_url(greta))
    assert page.status_code == 200
    assert "Where do these answers come from?" in page.text
    assert "Are you pregnant, or could you be?" in page.text  # the portal's questions

    response = doctor.post(_url(greta), ANSWERS)
    assert response.status_code == 302
    version = IntakeVersion.objects.get(patient=greta)
    assert (version.created_by, version.on_behalf, version.source) == (pedro, True, "paper_form")
    assert version.answers["medications"] == [{"name": "warfarin", "prescribed": True}]
    assert greta.screenings.get().verdict == "review"
    chart = doctor.get(f"/staff/lindenhof/patients/{greta.pk}/").text
    assert "entered for the patient by Pedro (a paper form the patient filled in)" in chart


def test_updating_starts_from_the_latest_answers_and_makes_a_new_version(
    admin: Client, greta: Patient, clinic: Clinic, fiona: User
) -> None:
    record_intake(
        clinic=clinic,
        patient=greta,
        by=fiona,
        answers=intake(medications=[{"name": "fish oil", "prescribed": False}]),
    )
    page = admin.get(_url(greta)).text
    assert 'value="fish oil"' in page
    admin.post(_url(greta), ANSWERS | {"source": "telephone"})
    versions = list(IntakeVersion.objects.filter(patient=greta).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].source == "telephone"


def test_adding_a_row_keeps_what_is_typed_and_records_nothing(
    doctor: Client, greta: Patient
) -> None:
    response = doctor.post(_url(greta), ANSWERS | {"action": "add-medications"})
    assert response.status_code == 200
    assert 'name="med-2-name"' in response.text
    assert 'value="warfarin"' in response.text
    assert not IntakeVersion.objects.exists()


def test_mistakes_are_shown_at_their_questions(doctor: Client, greta: Patient) -> None:
    response = doctor.post(_url(greta), ANSWERS | {"med-0-prescribed": "", "source": ""})
    assert response.status_code == 422
    assert "Tell us whether a doctor prescribed it." in response.text
    assert 'id="id_source_error"' in response.text
    assert not IntakeVersion.objects.exists()


def test_front_desk_cannot_enter_clinical_answers(desk: Client, greta: Patient) -> None:
    assert desk.get(_url(greta)).status_code == 403
    assert desk.post(_url(greta), ANSWERS).status_code == 403
    chart = desk.get(f"/staff/lindenhof/patients/{greta.pk}/").text
    assert _url(greta) not in chart
    assert "a practitioner enters their answers" in chart


def test_another_clinics_member_gets_a_404(outsider: Client, greta: Patient) -> None:
    assert outsider.get(_url(greta)).status_code == 404
