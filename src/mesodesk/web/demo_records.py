"""The demo clinic's rooms, devices, hours and patients: one of every screening verdict
(a review awaiting sign-off, a pregnant patient), a booked series, a plan whose series is
still to book, made through the same services the API uses; and appointments today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room, add_working_hours
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient, sign_off_screening
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import day_schedule
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
        # Begun five weeks ago: its sessions that have passed are charted by
        # demo_sessions, the rest are booked here (booking skips those that have started).
        first_session=datetime.combine(_next_monday(zone) - timedelta(weeks=7), time(10), zone),
    )
    book_series(
        clinic=clinic, plan=plan, by=desk, practitioner=practitioner, room=room, device=needles
    )
    # Clara (Advil and fish oil: eligible, with a washout) has a plan whose series the
    # front desk has yet to book; its sessions are in the afternoon, clear of Anna's.
    create_plan(
        clinic=clinic,
        patient=patients[1],
        by=practitioner,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "vitamin_c"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.combine(_next_monday(zone), time(14), zone),
    )


# Today's calendar: (local time, patient's e-mail name, kind, room index, with a device?)
TODAY: tuple[tuple[time, str, AppointmentKind, int, bool], ...] = (
    (time(9), "jonas", AppointmentKind.CONSULTATION, 0, False),
    (time(10), "mara", AppointmentKind.SESSION, 0, True),
    (time(11, 30), "sofia", AppointmentKind.CONSULTATION, 1, False),
    (time(14), "ida", AppointmentKind.CONSULTATION, 1, False),
    (time(15), "clara", AppointmentKind.FOLLOW_UP, 0, False),
)


def seed_today(*, clinic: Clinic, practitioner: User, desk: User) -> None:
    """Gives today (in the clinic's zone) a few appointments unless it has some, so the
    day page is never empty when the demo starts.

    Written as rows, not through booking: booking refuses times that have passed, and
    today may be a day the clinic is closed (then all of them are written: the page must
    show something). On an open day, only those inside its opening hours. They carry no
    reminders."""
    zone = ZoneInfo(clinic.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    if day_schedule(clinic, today, include_cancelled=True):
        return
    rooms = list(clinics.rooms(clinic))
    needles = clinics.devices(clinic, "manual_needle_kit").first()
    by_name = {
        p.email.split("@")[0]: p
        for p in Patient.objects.filter(
            clinic=clinic, email__endswith="@patients.demo.mesodesk.test"
        )
    }
    spans = clinics.clinic_hours(clinic).get(today.weekday(), [])
    open_then = [
        row
        for row in TODAY
        if any(
            opens <= row[0]
            and (datetime.combine(today, row[0]) + duration_of(row[2])).time() <= closes
            for opens, closes in spans
        )
    ]
    for at, name, kind, room_index, with_device in open_then or TODAY:
        patient = by_name.get(name)
        if patient is None or not rooms:
            continue
        start = datetime.combine(today, at, zone)
        end = start + duration_of(kind)
        # A consultation already over took place: checked in by the desk, closed by the
        # practitioner. The session stays booked, whatever the hour: ready for check-in.
        over = end <= now and kind != AppointmentKind.SESSION
        Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            kind=kind,
            practitioner=practitioner,
            room=rooms[min(room_index, len(rooms) - 1)],
            device=needles if with_device else None,
            start=start,
            end=end,
            status=AppointmentStatus.COMPLETED if over else AppointmentStatus.BOOKED,
            arrived_at=start - timedelta(minutes=5) if over else None,
            arrived_by=desk if over else None,
            ended_at=end if over else None,
            ended_by=practitioner if over else None,
            created_by=desk,
            created_at=now,
        )
