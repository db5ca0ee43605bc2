"""The patient list with search, and registering a patient from the workspace."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake

pytestmark = pytest.mark.django_db
LIST = "/staff/lindenhof/patients/"


def test_it_lists_and_searches_patients_by_name_with_their_verdict(
    clinic: Clinic, fiona: User
) -> None:
    keller = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    record_intake(clinic=clinic, patient=keller, by=fiona, answers=intake(pregnant=True))
    register_patient(clinic=clinic, by=fiona, first_name="Jonas", last_name="Fischer")
    client = sign_in_with_mfa(Client(), fiona)
    everyone = client.get(LIST).text
    assert "Keller, Maria" in everyone and "Fischer, Jonas" in everyone
    assert "Not suitable" in everyone and "no intake yet" in everyone
    found = client.get(LIST, {"q": "kell"}).text
    assert "Keller, Maria" in found and "Fischer" not in found
    assert "1 found" in found


def test_listing_patients_is_recorded_as_a_read(clinic: Clinic, fiona: User) -> None:
    sign_in_with_mfa(Client(), fiona).get(LIST)
    assert AccessEvent.objects.filter(user=fiona, path=LIST).count() == 1


def test_the_list_takes_the_same_queries_for_1_or_20_patients(
    clinic: Clinic, fiona: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    register_patient(clinic=clinic, by=fiona, first_name="A", last_name="One")
    client.get(LIST)
    # The session, its user with their memberships, then the list's own.
    with django_assert_num_queries(5) as one:
        client.get(LIST)
    for n in range(19):
        register_patient(clinic=clinic, by=fiona, first_name="B", last_name=f"Many{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(LIST)


def test_registering_a_patient_opens_their_chart(clinic: Clinic, fiona: User) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    assert client.get(LIST + "new/").status_code == 200
    response = client.post(
        LIST + "new/",
        {
            "first_name": "Nadia",
            "last_name": "Roth",
            "sex": "female",
            "email": "nadia@example.test",
            "preferred_channel": "email",
        },
    )
    patient = Patient.objects.get(last_name="Roth")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{patient.pk}/"


def test_registering_shows_the_services_refusal_next_to_the_field(
    clinic: Clinic, fiona: User
) -> None:
    response = sign_in_with_mfa(Client(), fiona).post(
        LIST + "new/",
        {"first_name": "Nadia", "last_name": "Roth", "sex": "female", "preferred_channel": "sms"},
    )
    assert response.status_code == 200
    assert 'id="id_phone_error"' in response.text
    assert "Give a phone number" in response.text
    assert not Patient.objects.filter(last_name="Roth").exists()


def test_typing_in_the_search_box_gets_the_results_only(clinic: Clinic, fiona: User) -> None:
    register_patient(clinic=clinic, by=fiona, first_name="Jonas", last_name="Fischer")
    client = sign_in_with_mfa(Client(), fiona)
    page = client.get(LIST, {"q": "Fisch"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<section id="results"')
    assert "Fischer" in page.text
    assert "<html" not in page.text
    full = client.get(LIST, {"q": "Fisch"})
    assert "<html" in full.text and f'hx-get="{LIST}"' in full.text
    assert "/static/django_htmx/htmx-2.min" in full.text


NEW_TOM = {
    "first_name": "tom",
    "last_name": "BAKER",
    "birth_date": "1980-01-02",
    "sex": "male",
    "email": "",
    "phone": "030 1234567",
    "preferred_channel": "email",
}


def test_a_likely_duplicate_is_shown_linked_before_registering(clinic: Clinic, fiona: User) -> None:
    tom = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Tom",
        last_name="Baker",
        birth_date=date(1980, 1, 2),
        phone="+49 30 1234567",
    )
    client = sign_in_with_mfa(Client(), fiona)
    response = client.post(LIST + "new/", NEW_TOM)
    assert response.status_code == 200
    text = response.text
    assert "This may be a patient the clinic already has" in text
    assert f'href="{LIST}{tom.pk}/"' in text
    assert "same name and birth date, same phone number" in text
    assert Patient.objects.count() == 1
    # A different person after all: the desk registers anyway.
    response = client.post(LIST + "new/", NEW_TOM | {"register_anyway": "on"})
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_a_number_that_cannot_take_text_messages_is_refused_for_sms_reminders(
    clinic: Clinic, fiona: User
) -> None:
    response = sign_in_with_mfa(Client(), fiona).post(
        LIST + "new/", NEW_TOM | {"preferred_channel": "sms"}
    )
    assert response.status_code == 200
    assert "This number cannot receive text messages" in response.text
    assert not Patient.objects.exists()
    sign_in_with_mfa(Client(), fiona).post(
        LIST + "new/", NEW_TOM | {"preferred_channel": "sms", "phone": "0170 1234567"}
    )
    assert Patient.objects.get().phone == "+491701234567"


def test_htmx_is_loaded_only_by_the_page_that_uses_it(clinic: Clinic, fiona: User) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    patient = register_patient(clinic=clinic, by=fiona, first_name="Jonas", last_name="Fischer")
    for page in ("/staff/lindenhof/", f"{LIST}{patient.pk}/", f"{LIST}new/"):
        assert "htmx" not in client.get(page).text
