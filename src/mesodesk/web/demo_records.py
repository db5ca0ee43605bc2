"""The demo clinic's rooms, devices, hours and patients: one of every screening verdict
and a booked series, made through the same services the API uses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room, add_working_hours
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient, sign_off_screening
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.services import book_series

HEALTHY: dict[str, Any] = {
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "medications": [],
    "allergies": [],
    "recent_procedures": [],
    "fitzpatrick": 2,
}

# (first name, last name, birth date, what differs from a healthy intake, sign off?)
PATIENTS: tuple[tuple[str, str, str, dict[str, Any], bool], ...] = (
    ("Anna", "Schmidt", "1987-03-12", {}, False),
    (
        "Clara",
        "Weber",
        "1979-11-02",
        {
            "medications": [
                {"name": "Advil 200 mg", "prescribed": False},
                {"name": "fish oil 1000mg", "prescribed": False},
            ]
        },
        False,
    ),
    (
        "Jonas",
        "Fischer",
        "1968-07-21",
        {"sex": "male", "medications": [{"name": "Eliquis 5 mg", "prescribed": True}]},
        False,
    ),
    (
        "Mara",
        "Wolf",
        "1972-01-30",
        {"medications": [{"name": "warfarin", "prescribed": True}]},
        True,
    ),
    ("Sofia", "Becker", "1993-05-08", {"pregnant": True}, False),
    ("Ida", "Hoffmann", "1990-09-17", {"conditions": ["cardiac_disease"]}, False),
)


def _next_monday(zone: ZoneInfo) -> date:
    today = timezone.now().astimezone(zone).date()
    return today + timedelta(days=7 - today.weekday() + 7)


def seed_records(*, clinic: Clinic, practitioner: User, desk: User) -> None:
    """Seeds the records once: a clinic that has rooms already is left as it is."""
    if clinic.rooms.exists():
        return
    room = add_room(clinic=clinic, name="Treatment room 1")
    add_room(clinic=clinic, name="Treatment room 2")
    needles = add_device(
        clinic=clinic, name="Needle kit", device_type="manual_needle_kit", model_name="30G 4 mm"
    )
    add_device(clinic=clinic, name="Meso gun", device_type="meso_gun", model_name="LB212")
    add_device(
        clinic=clinic,
        name="Needle-free",
        device_type="needle_free_electroporation",
        model_name="SC004",
    )
    add_device(clinic=clinic, name="RF facial", device_type="rf_facial", model_name="LB213")
    for weekday in range(5):
        add_working_hours(
            clinic=clinic,
            practitioner=practitioner,
            weekday=weekday,
            start=time(9),
            end=time(17, 30),
        )
    patients: list[Patient] = []
    for first, last, born, changes, sign in PATIENTS:
        patient = register_patient(
            clinic=clinic,
            by=desk,
            first_name=first,
            last_name=last,
            birth_date=date.fromisoformat(born),
            sex=changes.get("sex", "female"),
            email=f"{first.lower()}@patients.demo.mesodesk.test",
        )
        answers = HEALTHY | {"birth_date": born} | changes
        record_intake(clinic=clinic, patient=patient, by=desk, answers=answers)
        if sign:
            screening = current_screening(clinic, patient)
            assert screening is not None
            sign_off_screening(
                clinic=clinic,
                screening=screening,
                by=practitioner,
                reason="Discussed with her GP: warfarin continues; small volumes, firm pressure.",
            )
        patients.append(patient)
    zone = ZoneInfo(clinic.time_zone)
    plan = create_plan(
        clinic=clinic,
        patient=patients[0],
        by=practitioner,
        indication="skin_rejuvenation",
        areas=["face", "neck"],
        ingredients=["hyaluronic_acid", "vitamin_c", "amino_acids"],
        technique="manual_needle",
        schedule_template="biweekly_series",
        first_session=datetime.combine(_next_monday(zone), time(10), zone),
    )
    book_series(
        clinic=clinic, plan=plan, by=desk, practitioner=practitioner, room=room, device=needles
    )
