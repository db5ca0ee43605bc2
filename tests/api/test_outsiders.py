"""The outsider walk: every API path with an object id, called by staff of another clinic
in every role, is a 404 — with Lindenhof's slug, and with their own slug and Lindenhof's
ids. The paths come from the OpenAPI document, so a new endpoint is walked without anyone
remembering to add it here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.api.urls import api
from mesodesk.clinics.models import Room
from tests.api.conftest import intake
from tests.photos.files import png


def bodies(ids: dict[str, int], pedro: User, room: Room, at: Callable[..., str]) -> dict[str, Any]:
    """A valid body for each POST path, so that only the clinic decides the answer."""
    booking = {"practitioner_id": pedro.pk, "room_id": room.pk}
    event = {"event": "bruising", "onset": "2026-01-05", "grade": 1}
    return {
        "/patients/{patient_id}/intakes": {"answers": intake()},
        "/screenings/{screening_id}/sign-off": {"reason": "Looks fine."},
        "/patients/{patient_id}/plans": {
            "indication": "skin_rejuvenation",
            "areas": ["face"],
            "ingredients": ["hyaluronic_acid"],
            "technique": "manual_needle",
            "schedule_template": "monthly_starter",
            "first_session": at("10:00"),
        },
        "/appointments/{appointment_id}/reschedule": {"start": at("16:00"), **booking},
        "/appointments/{appointment_id}/cancel": {"reason": "Ill."},
        "/appointments/{appointment_id}/late-cancel": {"reason": "Ill."},
        "/plans/{plan_id}/book-series": booking,
        "/plans/{plan_id}": {"sessions": 3},
        "/products/{product_id}": {"name": "Renamed"},
        "/lots/{lot_id}/quarantine": {"reason": "Fridge alarm"},
        "/lots/{lot_id}/release": {"reason": "Fine"},
        "/lots/{lot_id}/recall": {"reason": "Recall", "reference": "FSN-1"},
        "/lots/{lot_id}/waste": {"quantity": "1.00", "reason": "Dropped"},
        "/lots/{lot_id}/adjust": {"quantity": "-1.00", "reason": "Count"},
        "/records/{record_id}/numbing": {"product": "EMLA"},
        "/records/{record_id}/administrations": {
            "area": "face",
            "lot_id": ids["lot_id"],
            "volume_ml": "1.0",
            "technique": "nappage",
            "depth_mm": "2.5",
        },
        "/records/{record_id}/observations": {"pain_score": 2},
        "/records/{record_id}/addenda": {"text": "Called."},
        "/appointments/{appointment_id}/scores": {"scale": "gais", "value": "2"},
        "/records/{record_id}/administrations/{administration_id}/entered-in-error": {
            "reason": "Wrong lot."
        },
        "/patients/{patient_id}/adverse-events": event,
        "/side-effect-reports/{report_id}/triage": event,
        "/adverse-events/{event_id}/follow-ups": {"note": "Called: better."},
        "/side-effect-reports/{report_id}/close": {"call": "expected", "note": "Usual."},
        "/patients/{patient_id}/consents": {"template_id": 1, "signer_name": "Lena Berg"},
        "/consents/{consent_id}/withdraw": {"reason": "Asked to."},
    }


# POST paths whose body is a multipart form: a valid one, so that only the clinic decides.
MULTIPART: dict[str, Callable[[], dict[str, Any]]] = {
    "/patients/{patient_id}/photos": lambda: {
        "image": SimpleUploadedFile("face.png", png(), content_type="image/png"),
        "area": "face",
        "view": "frontal",
        "kind": "before",
    },
}


def operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method, path)
        for path, ops in schema["paths"].items()
        for method in ops
        if re.search(r"\{\w+_id\}", path)
    ]


def test_the_walk_covers_every_kind_of_object() -> None:
    names = {name for _, path in operations() for name in re.findall(r"\{(\w+_id)\}", path)}
    assert names == {
        "patient_id",
        "screening_id",
        "plan_id",
        "appointment_id",
        "product_id",
        "lot_id",
        "record_id",
        "administration_id",
        "event_id",
        "report_id",
        "photo_id",
        "consent_id",
    }


@pytest.mark.parametrize(("method", "path"), operations())
def test_staff_of_another_clinic_get_404_for_every_object_url(
    method: str,
    path: str,
    lindenhof_ids: dict[str, int],
    outsiders: dict[str, Client],
    pedro: User,
    room: Room,
    at: Callable[..., str],
) -> None:
    suffix = path.removeprefix("/api/v1/clinics/{clinic}")
    body = bodies(lindenhof_ids, pedro, room, at).get(suffix)
    for role, client in outsiders.items():
        for slug in ("lindenhof", "harbour"):
            url = path.replace("{clinic}", slug)
            for name, value in lindenhof_ids.items():
                url = url.replace("{" + name + "}", str(value))
            if method == "get":
                response = client.get(url)
            elif suffix in MULTIPART:
                response = client.post(url, MULTIPART[suffix]())
            else:
                response = client.generic(
                    method.upper(), url, json.dumps(body or {}), content_type="application/json"
                )
            assert response.status_code == 404, (role, slug, method, url, response.content)
            assert response.json()["code"] == "not_found"


# Clinical reads front desk may not make (403 for them, 200 for a practitioner).
# Paths the front desk may not read (clinics.reading): a lot's recipients, intakes' answers,
# adverse events.
CLINICAL_ONLY = {
    "/api/v1/clinics/{clinic}/lots/{lot_id}/recipients",
    "/api/v1/clinics/{clinic}/patients/{patient_id}/intakes",
    "/api/v1/clinics/{clinic}/patients/{patient_id}/adverse-events",
    "/api/v1/clinics/{clinic}/adverse-events/{event_id}",
    "/api/v1/clinics/{clinic}/patients/{patient_id}/photos",
    "/api/v1/clinics/{clinic}/photos/{photo_id}/image",
    "/api/v1/clinics/{clinic}/consents/{consent_id}",
    "/api/v1/clinics/{clinic}/consents/{consent_id}/pdf",
    "/api/v1/clinics/{clinic}/patients/{patient_id}/scores",
    "/api/v1/clinics/{clinic}/appointments/{appointment_id}/scores",
}


def test_the_same_urls_answer_lindenhof_s_own_staff(
    lindenhof_ids: dict[str, int], desk: Client, doctor: Client
) -> None:
    for method, path in operations():
        if method != "get":
            continue
        url = path.replace("{clinic}", "lindenhof")
        for name, value in lindenhof_ids.items():
            url = url.replace("{" + name + "}", str(value))
        if path in CLINICAL_ONLY:
            assert desk.get(url).status_code == 403, url
            assert doctor.get(url).status_code == 200, url
        else:
            assert desk.get(url).status_code == 200, url
