"""The questionnaire: plain questions, rows added without JavaScript, drafts, submission."""

from __future__ import annotations

from django.test import Client

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.portal.models import IntakeDraft
from tests.portal.conftest import url

FILLED = {
    "rows-medications": "2",
    "rows-allergies": "1",
    "rows-procedures": "1",
    "birth_date": "1990-04-01",
    "sex": "female",
    "pregnant": "no",
    "breastfeeding": "no",
    "med-0-name": "Advil 200 mg",
    "med-0-prescribed": "no",
    "med-1-name": "fish oil",
    "med-1-prescribed": "no",
    "allergy-0": "",
    "proc-0-name": "glycolic peel",
    "proc-0-date": "2020-03-10",
    "fitzpatrick": "3",
}


def test_sending_the_answers_records_an_intake_by_the_patient(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("intake", clinic), FILLED | {"action": "submit"})
    assert response.status_code == 302
    assert response["Location"] == url("outcome", clinic)
    version = IntakeVersion.objects.get(patient=paula)
    assert version.created_by == paula.portal_user
    assert version.answers == {
        "birth_date": "1990-04-01",
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [
            {"name": "Advil 200 mg", "prescribed": False},
            {"name": "fish oil", "prescribed": False},
        ],
        "allergies": [],
        "recent_procedures": [{"name": "glycolic peel", "date": "2020-03-10"}],
        "fitzpatrick": 3,
    }


def test_a_medicine_without_saying_who_prescribed_it_is_refused_at_that_row(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    data = FILLED | {"action": "submit", "med-1-prescribed": ""}
    response = paula_client.post(url("intake", clinic), data)
    assert response.status_code == 200
    assert "Tell us whether a doctor prescribed it." in response.text
    assert 'id="id_med-1-prescribed_error"' in response.text
    assert not IntakeVersion.objects.exists()
    # What was entered is kept.
    assert IntakeDraft.objects.get(patient=paula).data["med-0-name"] == "Advil 200 mg"


def test_missing_answers_are_named_next_to_their_questions(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("intake", clinic), {"action": "submit"})
    assert response.status_code == 200
    assert response.text.count("This field is required.") == 4
    assert 'aria-invalid="true"' in response.text
    assert not IntakeVersion.objects.exists()


def test_add_another_posts_back_a_new_row_and_keeps_what_was_entered(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(url("intake", clinic), FILLED | {"action": "add-medications"})
    assert response.status_code == 302
    page = paula_client.get(url("intake", clinic)).text
    assert 'name="med-2-name"' in page
    assert 'value="Advil 200 mg"' in page


def test_save_and_finish_later_resumes_with_the_answers_so_far(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    partial = {"rows-medications": "2", "med-0-name": "Eliquis", "pregnant": "no"}
    response = paula_client.post(url("intake", clinic), partial | {"action": "save"})
    assert response["Location"] == url("home", clinic)
    assert "Continue the questionnaire" in paula_client.get(url("home", clinic)).text
    page = paula_client.get(url("intake", clinic)).text
    assert 'value="Eliquis"' in page
    assert "We kept the answers you saved" in page
    assert not IntakeVersion.objects.exists()


def test_the_next_visit_shows_the_last_answers_and_sending_again_makes_a_new_version(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    paula_client.post(url("intake", clinic), FILLED | {"action": "submit"})
    page = paula_client.get(url("intake", clinic)).text
    assert 'value="fish oil"' in page
    paula_client.post(url("intake", clinic), FILLED | {"action": "submit", "med-1-name": ""})
    assert list(paula.intakes.values_list("number", flat=True)) == [1, 2]
    assert not IntakeDraft.objects.exists()


def test_a_patient_who_does_not_know_their_skin_type_is_screened_with_it_unknown(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    response = paula_client.post(
        url("intake", clinic), FILLED | {"action": "submit", "fitzpatrick": ""}
    )
    assert response.status_code == 302
    version = IntakeVersion.objects.get(patient=paula)
    assert version.answers["fitzpatrick"] is None
    assert version.screenings.get().verdict == "eligible"
