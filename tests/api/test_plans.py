"""Plans over the API by role: practitioners and admins create, change and close them and
read them whole; the front desk reads the series only, never the clinical content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.patients.services import record_intake, register_patient
from tests.api.conftest import API, intake

BASE = f"{API}/lindenhof"
CLINICAL = {"indication", "areas", "ingredients", "technique", "massage_approved"}


@pytest.fixture
def patient_id(clinic: Clinic, fiona: User) -> int:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Lena", last_name="Berg")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    return patient.pk


@pytest.fixture
def plan(doctor: Client, patient_id: int, at: Callable[..., str]) -> dict[str, Any]:
    created = doctor.post(
        f"{BASE}/patients/{patient_id}/plans",
        {
            "indication": "skin_rejuvenation",
            "areas": ["face"],
            "ingredients": ["hyaluronic_acid"],
            "technique": "meso_gun",
            "schedule_template": "monthly_starter",
            "first_session": at("10:00"),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    return created.json()  # type: ignore[no-any-return]


def test_a_practitioner_reads_the_whole_plan_with_the_device_type_it_needs(
    plan: dict[str, Any], doctor: Client
) -> None:
    read = doctor.get(f"{BASE}/plans/{plan['id']}").json()
    assert set(read) >= CLINICAL
    assert read["technique"] == "meso_gun" and read["device_type"] == "meso_gun"
    assert [s["appointment_id"] for s in read["sessions"]] == [None, None, None]


def test_the_front_desk_reads_the_series_but_no_clinical_content(
    plan: dict[str, Any], patient_id: int, desk: Client
) -> None:
    read = desk.get(f"{BASE}/plans/{plan['id']}").json()
    assert not CLINICAL & set(read)
    assert [s["number"] for s in read["sessions"]] == [1, 2, 3]
    assert read["device_type"] == "meso_gun"
    listed = desk.get(f"{BASE}/patients/{patient_id}/plans").json()
    assert listed and not CLINICAL & set(listed[0])
    assert "hyaluronic" not in desk.get(f"{BASE}/patients/{patient_id}/plans").text


def test_the_booked_session_shows_its_appointment(
    plan: dict[str, Any], desk: Client, doctor: Client, pedro: User, room: Room, clinic: Clinic
) -> None:
    from mesodesk.clinics.services import add_device

    gun = add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    booked = desk.post(
        f"{BASE}/plans/{plan['id']}/book-series",
        {"practitioner_id": pedro.pk, "room_id": room.pk, "device_id": gun.pk},
        content_type="application/json",
    )
    assert booked.status_code == 201, booked.json()
    sessions = desk.get(f"{BASE}/plans/{plan['id']}").json()["sessions"]
    assert [s["appointment_id"] for s in sessions] == [a["id"] for a in booked.json()]
    assert {s["appointment_status"] for s in sessions} == {"booked"}


def test_a_practitioner_changes_a_plan_and_the_patient_is_screened_again(
    plan: dict[str, Any], patient_id: int, doctor: Client, desk: Client, clinic: Clinic, fiona: User
) -> None:
    from mesodesk.patients.models import Patient

    patient = Patient.objects.get(pk=patient_id)
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake(allergies=["Xylocaine"]))
    changed = doctor.patch(
        f"{BASE}/plans/{plan['id']}",
        {"ingredients": ["hyaluronic_acid", "lidocaine"], "sessions": 3},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["ingredients"] == ["hyaluronic_acid", "lidocaine"]
    latest = doctor.get(f"{BASE}/patients/{patient_id}/screenings").json()[-1]
    assert latest["verdict"] == "ineligible"
    assert "ingredient_allergy" in {f["code"] for f in latest["findings"]}

    refused = desk.patch(
        f"{BASE}/plans/{plan['id']}", {"sessions": 3}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    invalid = doctor.patch(
        f"{BASE}/plans/{plan['id']}", {"sessions": 30}, content_type="application/json"
    )
    assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid")
    assert "sessions" in invalid.json()["errors"]


def test_a_plan_is_closed_by_a_practitioner_or_an_admin_only(
    plan: dict[str, Any], desk: Client, doctor: Client, needle_kit: Device
) -> None:
    url = f"{BASE}/plans/{plan['id']}/close"
    assert desk.post(url).status_code == 403
    closed = doctor.post(url)
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    again = doctor.post(url)
    assert (again.status_code, again.json()["code"]) == (422, "closed")
