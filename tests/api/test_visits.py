"""The visit over the API: each step with its role, the stage and who/when in the
appointment's output, refusals with their codes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.api.conftest import API, intake, signed_in

BASE = f"{API}/lindenhof/appointments"


@pytest.fixture
def consultation(
    clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable[..., str]
) -> Appointment:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Lena", last_name="Berg")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    return book_appointment(
        clinic=clinic, patient=patient, by=fiona, kind="consultation",
        start=datetime.fromisoformat(at("10:00")), practitioner=pedro, room=room,
    )  # fmt: skip


def post(client: Client, appointment: Appointment, step: str, body: Any = None) -> Any:
    return client.post(
        f"{BASE}/{appointment.pk}/{step}", body or {}, content_type="application/json"
    )


def test_a_visit_goes_through_the_api_with_who_and_when(
    consultation: Appointment, fiona: User, pedro: User, at: Callable[..., str]
) -> None:
    with time_machine.travel(datetime.fromisoformat(at("09:58")), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        arrived = post(desk, consultation, "check-in")
        assert arrived.status_code == 200, arrived.json()
        assert arrived.json()["stage"] == "arrived"
        assert arrived.json()["arrived_at"] == at("09:58")
        assert arrived.json()["arrived_by_id"] == fiona.pk
        started = post(doctor, consultation, "start")
        assert (started.json()["stage"], started.json()["started_by_id"]) == (
            "in_treatment",
            pedro.pk,
        )
        done = post(doctor, consultation, "complete")
        assert (done.json()["status"], done.json()["stage"]) == ("completed", "completed")
        assert done.json()["ended_by_id"] == pedro.pk
        read = desk.get(f"{BASE}/{consultation.pk}").json()
    assert read["stage"] == "completed" and read["ended_at"] == at("09:58")


def test_the_wrong_role_is_forbidden(
    consultation: Appointment, desk: Client, doctor: Client, token: str
) -> None:
    for client, step in ((doctor, "check-in"), (doctor, "no-show"), (desk, "start")):
        refused = post(client, consultation, step)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), step
    refused = post(doctor, consultation, "late-cancel", {"reason": "Ill."})
    assert refused.status_code == 403


def test_a_step_out_of_order_is_422_with_its_code(
    consultation: Appointment, fiona: User, pedro: User, at: Callable[..., str]
) -> None:
    with time_machine.travel(datetime.fromisoformat(at("09:00")), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        too_early = post(desk, consultation, "no-show")
        assert (too_early.status_code, too_early.json()["code"]) == (422, "too_early")
        not_arrived = post(doctor, consultation, "start")
        assert not_arrived.json()["code"] == "not_arrived"
        post(desk, consultation, "check-in")
        assert post(desk, consultation, "undo-check-in").json()["stage"] == "booked"


def test_a_late_cancellation_needs_a_reason_and_says_it_back(
    consultation: Appointment, desk: Client
) -> None:
    assert post(desk, consultation, "late-cancel", {"reason": ""}).status_code == 422
    cancelled = post(desk, consultation, "late-cancel", {"reason": "Has a fever."})
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert (body["status"], body["stage"], body["cancel_reason"]) == (
        "late_cancelled",
        "late_cancelled",
        "Has a fever.",
    )
    again = post(desk, consultation, "check-in")
    assert (again.status_code, again.json()["code"]) == (422, "not_booked")


def test_the_steps_are_in_the_openapi_document(desk: Client) -> None:
    paths = desk.get("/api/v1/openapi.json").json()["paths"]
    for step in ("check-in", "undo-check-in", "start", "complete", "no-show", "late-cancel"):
        assert f"/api/v1/clinics/{{clinic}}/appointments/{{appointment_id}}/{step}" in paths
    schema = desk.get("/api/v1/openapi.json").json()["components"]["schemas"]["AppointmentOut"]
    assert {"stage", "arrived_at", "started_by_id", "ended_at"} <= set(schema["properties"])
