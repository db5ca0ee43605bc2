"""The data migrations that put stored phone numbers into E.164 (and give clinics their
country), run on rows as they were stored before."""

from __future__ import annotations

import importlib

from django.apps import apps

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient

patients_0004 = importlib.import_module("mesodesk.patients.migrations.0004_phone_e164")
clinics_0007 = importlib.import_module(
    "mesodesk.clinics.migrations.0007_clinic_country_and_minimum_age"
)


def test_stored_numbers_become_e164_and_unreadable_ones_stay(
    clinic: Clinic, other_clinic: Clinic, fiona: User
) -> None:
    berlin = register_patient(clinic=clinic, by=fiona, first_name="A", last_name="Berlin")
    london = register_patient(clinic=other_clinic, by=fiona, first_name="B", last_name="London")
    odd = register_patient(clinic=clinic, by=fiona, first_name="C", last_name="Odd")
    # As free text was stored before: local forms, and a number nobody can read.
    Clinic.objects.filter(pk=clinic.pk).update(country="", phone="(030) 555 0100")
    Clinic.objects.filter(pk=other_clinic.pk).update(country="")
    Patient.objects.filter(pk=berlin.pk).update(phone="0170 / 123 45 67")
    Patient.objects.filter(pk=london.pk).update(phone="07400 123456")
    Patient.objects.filter(pk=odd.pk).update(phone="ask at the desk")

    clinics_0007.country_and_e164(apps, None)
    patients_0004.phones_to_e164(apps, None)

    clinic.refresh_from_db()
    other_clinic.refresh_from_db()
    assert (clinic.country, clinic.phone) == ("DE", "+49305550100")
    assert other_clinic.country == "GB"
    phones = dict(Patient.objects.values_list("last_name", "phone"))
    assert phones == {
        "Berlin": "+491701234567",
        "London": "+447400123456",
        "Odd": "ask at the desk",
    }
