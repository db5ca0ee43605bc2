"""patients.selectors.chart_patient_for_read: the patient, their contact preferences and
which parts of the record have rows, read with the access event; the chart asks only
for those parts."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.messaging.models import ContactPreferences
from mesodesk.patients.selectors import (
    CHART_PARTS,
    chart_patient_for_read,
    get_patient_with_preferences,
)
from mesodesk.patients.services import register_patient
from tests.patient_pages import build_world


def request_of(user: User) -> object:
    request = RequestFactory().get("/staff/lindenhof/patients/1/?tab=x")
    request.user = user
    return request


def test_a_new_patient_has_no_parts(clinic: Clinic, fiona: User) -> None:
    tom = register_patient(clinic=clinic, by=fiona, first_name="Tom", last_name="Berg")
    before = AccessEvent.objects.count()
    patient, present = chart_patient_for_read(clinic, tom.pk, user=fiona, request=request_of(fiona))
    assert (patient.pk, patient.last_name, patient.clinic) == (tom.pk, "Berg", clinic)
    assert present == frozenset()
    assert AccessEvent.objects.count() == before + 1
    assert AccessEvent.objects.latest("id").path == "/staff/lindenhof/patients/1/?tab=x"
    # No preferences stored yet: the cached answer is "none", not a query.
    with pytest.raises(ContactPreferences.DoesNotExist):
        patient.contact_preferences  # noqa: B018


def test_the_parts_with_rows_are_named(clinic: Clinic, fiona: User, pedro: User) -> None:
    world = build_world(clinic, fiona, pedro)
    patient, present = chart_patient_for_read(
        clinic, world.patient.pk, user=pedro, request=request_of(pedro)
    )
    assert present == {
        "intakes",
        "screenings",
        "plans",
        "consents",
        "side_effects",
        "reminders",
    }
    assert present <= set(CHART_PARTS)
    stored = ContactPreferences.objects.get(patient=world.patient)
    assert patient.contact_preferences.pk == stored.pk
    assert patient.contact_preferences.email is True


def test_another_clinics_patient_is_not_found_and_not_logged(
    clinic: Clinic, other_clinic: Clinic, fiona: User
) -> None:
    elsewhere = register_patient(clinic=other_clinic, by=fiona, first_name="A", last_name="B")
    before = AccessEvent.objects.count()
    with pytest.raises(Http404):
        chart_patient_for_read(clinic, elsewhere.pk, user=fiona, request=request_of(fiona))
    assert AccessEvent.objects.count() == before


def test_a_patient_to_book_comes_with_their_preferences_in_one_statement(
    clinic: Clinic,
    other_clinic: Clinic,
    fiona: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    from datetime import time

    from mesodesk.messaging.services import update_preferences

    tom = register_patient(
        clinic=clinic, by=fiona, first_name="Tom", last_name="Berg", email="tom@example.test"
    )
    with django_assert_num_queries(1):
        found = get_patient_with_preferences(clinic, tom.pk)
        with pytest.raises(ContactPreferences.DoesNotExist):
            found.contact_preferences  # noqa: B018 - cached "none": no query
    assert (found, found.clinic) == (tom, clinic)
    chosen = update_preferences(
        clinic=clinic, patient=tom, by=fiona, email=True, sms=False, preparation=True,
        appointment=True, aftercare=False, check_in=True, recall=True,
        quiet_start=time(21), quiet_end=time(8),
    )  # fmt: skip
    with django_assert_num_queries(1):
        found = get_patient_with_preferences(clinic, tom.pk)
        assert found.contact_preferences == chosen
        assert found.contact_preferences.aftercare is False
    with pytest.raises(Http404):
        get_patient_with_preferences(other_clinic, tom.pk)
