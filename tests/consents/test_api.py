"""The consent API: texts, signing, the consent with its SHA-256, the PDF whose SHA-256
that is, verify, withdraw; roles as on the web."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from tests.consents.conftest import STROKES

pytestmark = pytest.mark.django_db

C = "/api/v1/clinics/lindenhof"


def api(clinic: Clinic, user: User) -> Client:
    token = issue_api_token(clinic=clinic, user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_sign_read_download_verify_withdraw(
    clinic: Clinic, unconsented: Patient, pedro: User, fiona: User
) -> None:
    doctor, desk = api(clinic, pedro), api(clinic, fiona)
    templates = doctor.get(f"{C}/consent-templates").json()
    treatment = next(t for t in templates if t["technique"] == "manual_needle")
    assert treatment["version"] == 1 and treatment["sources"]
    body = {"template_id": treatment["id"], "signer_name": "Pat Unconsented", "strokes": STROKES}
    assert (
        desk.post(f"{C}/patients/{unconsented.pk}/consents", body, "application/json").status_code
        == 403
    )
    created = doctor.post(f"{C}/patients/{unconsented.pk}/consents", body, "application/json")
    assert created.status_code == 201, created.content
    consent = created.json()
    assert (consent["status"], consent["method"], consent["channel"]) == ("valid", "drawn", "api")
    assert consent["collected_by_id"] == pedro.pk and consent["template_version"] == 1
    read = doctor.get(f"{C}/consents/{consent['id']}").json()
    assert read["sha256"] == consent["sha256"] and read["signed_at"]
    pdf = doctor.get(f"{C}/consents/{consent['id']}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == read["sha256"]
    assert AccessEvent.objects.filter(action="download", object_id=str(consent["id"])).exists()
    verified = doctor.post(f"{C}/consents/{consent['id']}/verify").json()
    assert verified["intact"] and verified["computed_sha256"] == read["sha256"]
    # Front desk: that it is signed, never more.
    statuses = desk.get(f"{C}/patients/{unconsented.pk}/consents").json()
    assert statuses == [
        {
            "id": consent["id"],
            "title": treatment["title"],
            "purpose": "treatment",
            "status": "valid",
            "signed_at": read["signed_at"],
        }
    ]
    for path in ("", "/pdf"):
        assert desk.get(f"{C}/consents/{consent['id']}{path}").status_code == 403
    assert desk.post(f"{C}/consents/{consent['id']}/verify").status_code == 403
    withdrawn = doctor.post(
        f"{C}/consents/{consent['id']}/withdraw", {"reason": "Asked"}, "application/json"
    )
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["withdrawn_at"]
    again = doctor.post(f"{C}/consents/{consent['id']}/withdraw", {}, "application/json")
    assert again.status_code == 422 and again.json()["code"] == "withdrawn"


def test_a_bad_signature_is_a_422_with_a_code(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    doctor = api(clinic, pedro)
    template = doctor.get(f"{C}/consent-templates").json()[0]
    body = {"template_id": template["id"], "signer_name": "Pat", "strokes": "1,2 oops"}
    refused = doctor.post(f"{C}/patients/{unconsented.pk}/consents", body, "application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
