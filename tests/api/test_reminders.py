"""The reminders of an appointment and of a patient over the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mesodesk.clinics.models import Clinic, Room
from tests.api.conftest import API, intake

pytestmark = pytest.mark.django_db


def test_a_booked_consultation_lists_its_reminder_and_a_cancelled_one_shows_it_cancelled(
    clinic: Clinic, desk: Client, room: Room, pedro: object, at: Callable[..., str]
) -> None:
    patient = desk.post(
        f"{API}/lindenhof/patients",
        {"first_name": "Rita", "last_name": "Lang", "email": "rita@example.test"},
        content_type="application/json",
    ).json()
    desk.post(
        f"{API}/lindenhof/patients/{patient['id']}/intakes",
        {"answers": intake()},
        content_type="application/json",
    )
    booked = desk.post(
        f"{API}/lindenhof/appointments",
        {
            "patient_id": patient["id"],
            "kind": "consultation",
            "start": at("10:00"),
            "practitioner_id": pedro.pk,  # type: ignore[attr-defined]
            "room_id": room.pk,
        },
        content_type="application/json",
    )
    assert booked.status_code == 201, booked.json()
    appointment = booked.json()
    rows = desk.get(f"{API}/lindenhof/appointments/{appointment['id']}/reminders").json()
    # The confirmation at once, the reminder 24 hours before.
    assert [(r["kind"], r["channel"], r["status"]) for r in rows] == [
        ("booked", "email", "pending"),
        ("appointment", "email", "pending"),
    ]
    # Shown in the clinic's zone like every time in the API.
    assert rows[1]["send_at"].endswith(("+01:00", "+02:00"))
    desk.post(
        f"{API}/lindenhof/appointments/{appointment['id']}/cancel",
        {"reason": "Patient asked"},
        content_type="application/json",
    )
    rows = desk.get(f"{API}/lindenhof/patients/{patient['id']}/reminders").json()
    # The confirmation never went out: cancelled with the reminder, and no cancellation
    # notice about an appointment the patient was never told of.
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("booked", "cancelled"),
        ("appointment", "cancelled"),
    ]
