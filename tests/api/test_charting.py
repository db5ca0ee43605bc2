"""Session records over the API: a practitioner opens, charts with map points, is refused
an expired lot with the alternatives, answers a warning with a reason, signs, adds an
addendum and marks an entry in error; front desk reads the status and no content."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.charting.models import SessionRecord
from mesodesk.inventory.models import Lot
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import signed_in

pytestmark = pytest.mark.django_db
BASE = "/api/v1/clinics/lindenhof"


@pytest.fixture
def doctor(pedro: User) -> Client:
    return signed_in(pedro)


def post(client: Client, path: str, body: dict | None = None) -> object:
    return client.post(BASE + path, body or {}, content_type="application/json")


def given(lot: Lot, **changes: object) -> dict:
    body = {
        "area": "face",
        "lot_id": lot.pk,
        "volume_ml": "1.2",
        "technique": "nappage",
        "depth_mm": "2.5",
        "needle_gauge": 32,
        "needle_length_mm": "4",
        "map_points": [
            {"diagram": "face_front", "zone": "cheek_l", "x": 0.69, "y": 0.5},
            {"diagram": "face_front", "zone": "forehead", "x": 0.5, "y": 0.23, "depth_mm": "2"},
        ],
    }
    return body | changes


def test_a_practitioner_charts_and_signs_a_session_over_the_api(
    doctor: Client, appointment: Appointment, lot: Lot, expired_lot: Lot
) -> None:
    opened = post(doctor, f"/appointments/{appointment.pk}/record")
    assert opened.status_code == 201, opened.content
    record_id = opened.json()["id"]
    assert opened.json()["content"]["administrations"] == []

    refused = post(doctor, f"/records/{record_id}/administrations", given(expired_lot))
    assert refused.status_code == 422
    assert refused.json()["code"] == "expired"
    assert [a["id"] for a in refused.json()["alternatives"]] == [lot.pk]

    deep = post(doctor, f"/records/{record_id}/administrations", given(lot, depth_mm="5"))
    assert deep.status_code == 422
    assert deep.json()["code"] == "reason_required"
    assert deep.json()["warnings"][0]["code"] == "depth_outside_technique"

    made = post(doctor, f"/records/{record_id}/administrations", given(lot))
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["lot_number"], Decimal(body["volume_ml"])) == ("RV2401", Decimal("1.2"))
    assert [(p["zone"], p["depth_mm"]) for p in body["map_points"]] == [
        ("cheek_l", "2.5"),
        ("forehead", "2.0"),
    ]

    signed = post(doctor, f"/records/{record_id}/sign")
    assert signed.json()["status"] == "signed"
    again = post(doctor, f"/records/{record_id}/administrations", given(lot))
    assert (again.status_code, again.json()["code"]) == (422, "signed")

    addendum = post(doctor, f"/records/{record_id}/addenda", {"text": "Called: fine."})
    assert addendum.status_code == 201
    error = post(
        doctor,
        f"/records/{record_id}/administrations/{body['id']}/entered-in-error",
        {"reason": "Wrong patient."},
    )
    assert error.json()["entered_in_error_reason"] == "Wrong patient."
    read = doctor.get(f"{BASE}/records/{record_id}").json()
    assert len(read["content"]["addenda"]) == 2


def test_front_desk_reads_the_status_and_no_content(
    fiona: User, record: SessionRecord, lot: Lot
) -> None:
    desk = signed_in(fiona)
    before = AccessEvent.objects.filter(object_type="charting.sessionrecord").count()
    read = desk.get(f"{BASE}/records/{record.pk}")
    assert read.status_code == 200
    assert read.json()["status"] == "draft"
    assert read.json()["content"] is None
    listed = desk.get(f"{BASE}/patients/{record.patient_id}/records").json()
    assert [r["content"] for r in listed] == [None]
    assert AccessEvent.objects.filter(object_type="charting.sessionrecord").count() == before
    refused = post(desk, f"/records/{record.pk}/administrations", given(lot))
    assert refused.status_code == 403


def test_a_read_of_the_content_writes_an_access_event(
    doctor: Client, record: SessionRecord
) -> None:
    doctor.get(f"{BASE}/records/{record.pk}")
    assert AccessEvent.objects.filter(
        object_type="charting.sessionrecord", object_id=str(record.pk)
    ).exists()
