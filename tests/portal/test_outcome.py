"""The outcome in plain words: can book, see the clinic first, or not suitable and why."""

from __future__ import annotations

from django.test import Client

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from tests.portal.conftest import intake, url


def _outcome(clinic: Clinic, paula: Patient, client: Client, **changes: object) -> str:
    record_intake(clinic=clinic, patient=paula, by=paula.portal_user, answers=intake(**changes))
    return client.get(url("outcome", clinic)).text


def test_without_answers_the_patient_is_asked_to_fill_the_questionnaire(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    assert (
        "fill in your health questionnaire first" in paula_client.get(url("outcome", clinic)).text
    )


def test_a_healthy_patient_can_book(clinic: Clinic, paula: Patient, paula_client: Client) -> None:
    page = _outcome(clinic, paula, paula_client)
    assert "You can book" in page
    assert "?kind=session" in page


def test_over_the_counter_blood_thinners_are_good_to_know_not_a_refusal(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(
        clinic, paula, paula_client, medications=[{"name": "fish oil", "prescribed": False}]
    )
    assert "You can book" in page
    assert "Some things you take (fish oil) can make bruising more likely" in page


def test_a_prescribed_blood_thinner_means_see_the_clinic_and_never_stop_it(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(
        clinic, paula, paula_client, medications=[{"name": "warfarin", "prescribed": True}]
    )
    assert "Please see the clinic first" in page
    assert "Keep taking your medicines as your doctor told you" in page
    assert "relative" not in page
    assert "contraindication" not in page.lower()


def test_pregnancy_is_not_suitable_and_says_why_in_plain_words(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(clinic, paula, paula_client, pregnant=True)
    assert "This treatment is not suitable for you" in page
    assert "Mesotherapy is not offered during pregnancy." in page
    assert "absolute" not in page


def test_not_suitable_for_an_allergy_gives_only_the_allergys_advice(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(clinic, paula, paula_client, allergies=["lidocaine"])
    assert "This treatment is not suitable for you" in page
    assert "You told us about an allergy (lidocaine)" in page
    assert "If you are not sure about this allergy, book a consultation" in page
    assert "pregnan" not in page.lower()
    assert "breastfeeding" not in page.lower()


def test_each_reason_not_to_treat_comes_with_its_own_next_step(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(clinic, paula, paula_client, pregnant=True, conditions=["cardiac_disease"])
    assert "Mesotherapy is not offered during pregnancy. After your pregnancy, update" in page
    assert "Mesotherapy is not offered to people with heart disease.</li>" in page
    assert "allergy" not in page.lower()


def test_several_medicines_that_affect_bleeding_are_never_it(
    clinic: Clinic, paula: Patient, paula_client: Client
) -> None:
    page = _outcome(
        clinic,
        paula,
        paula_client,
        medications=[
            {"name": "warfarin", "prescribed": True},
            {"name": "Plavix", "prescribed": True},
        ],
    )
    assert "You take medicine that affects bleeding (warfarin, Plavix)." in page
    assert "Keep taking your medicines as your doctor told you" in page
    assert " it " not in page.split('id="why"')[1].split("</section>")[0]
