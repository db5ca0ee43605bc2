"""A system export of the demo clinic, as an integrator would run it against `mesodesk
demo`: it completes, every line of every file is a valid R4 resource of its file's type,
and every patient of the clinic is in it once."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.web import demo
from tests.fhir.test_bulk import exported, kick_off, manifest, pks, work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_a_folder_of_the_test(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "fhir_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports"), "base_url": None},
        },
    }


def test_an_export_of_the_demo_clinic_completes_and_validates() -> None:
    call_command("demo", "--no-serve", stdout=io.StringIO())
    clinic = Clinic.objects.get(slug=demo.DEMO_CLINIC_SLUG)
    admin = User.objects.get(email="admin@demo.mesodesk.test")
    raw = issue_api_token(clinic=clinic, user=admin)[1]
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    status = kick_off(client)
    assert work() > 0
    body = manifest(client, status)
    assert body["error"] == [], [json.dumps(e) for e in body["error"]]
    found = exported(client, body)  # each file one type, each line valid
    assert sorted(r["id"] for r in found["Patient"]) == pks(Patient.objects.filter(clinic=clinic))
    for resources in found.values():
        assert len({r["id"] for r in resources}) == len(resources)
