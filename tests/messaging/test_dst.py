"""Reminders across daylight-saving changes: each sent exactly once, at its documented
instant (DESIGN §8, README "Reminders"): preparation at 08:00 local on its first day,
the appointment reminder 24 hours (elapsed) before, aftercare and check-in at their moment
or, inside quiet hours (21:00-08:00), at 08:00 local after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member, add_room, create_clinic
from mesodesk.messaging.choices import NOTICES, ReminderKind, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.quiet import is_quiet, quiet_end_after
from mesodesk.messaging.worker import Worker
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.messaging.conftest import ADVIL_AND_FISH_OIL, SmtpServer
from tests.scheduling.conftest import intake

pytestmark = pytest.mark.django_db

QUIET = (time(21), time(8))


def _clinic_with_staff(slug: str, zone: str) -> tuple[Clinic, User, User]:
    clinic = create_clinic(slug=slug, name=f"Clinic {slug}", time_zone=zone)
    desk = create_user(email=f"desk@{slug}.test", password="correct horse battery")
    doctor = create_user(email=f"doc@{slug}.test", password="correct horse battery")
    add_member(clinic=clinic, user=desk, role=Role.FRONT_DESK)
    add_member(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    return clinic, desk, doctor


def _book(clinic: Clinic, desk: User, doctor: User, days: list[date]) -> list[Appointment]:
    zone = ZoneInfo(clinic.time_zone)
    room = add_room(clinic=clinic, name="Room 1")
    booked = []
    for n, day in enumerate(days):
        patient = register_patient(
            clinic=clinic, by=desk, first_name="P", last_name=f"N{n}", email=f"p{n}@x.test"
        )
        record_intake(
            clinic=clinic, patient=patient, by=desk, answers=intake(medications=ADVIL_AND_FISH_OIL)
        )
        booked.append(
            book_appointment(
                clinic=clinic,
                patient=patient,
                by=desk,
                kind="session",
                start=datetime.combine(day, time(10), zone),
                practitioner=doctor,
                room=room,
            )
        )
    return booked


def _sweep(worker: Worker) -> None:
    """Runs the worker a second before and at every instant a reminder is due."""
    while True:
        due = (
            Reminder.objects.filter(status=ReminderStatus.PENDING)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is None:
            return
        early = worker.run_once(now=due - timedelta(seconds=1))
        assert early.sent == 0
        worker.run_once(now=due)


def _documented(row: Reminder, zone: ZoneInfo) -> datetime:
    """Where the README says this reminder goes out."""
    if row.kind == ReminderKind.PREPARATION:
        local = row.moment.astimezone(zone)
        assert local.time() == time(0)
        return datetime.combine(local.date(), time(8), zone).astimezone(UTC)
    if row.kind == ReminderKind.APPOINTMENT:
        return row.appointment.start - timedelta(hours=24)
    if is_quiet(row.moment, zone, *QUIET):
        return quiet_end_after(row.moment, zone, *QUIET)
    return row.moment


CASES = {
    # zone, the travel date, session days, and (kind, code or "", UTC instant) to find.
    "berlin-spring": (
        "Europe/Berlin",
        datetime(2026, 2, 1, tzinfo=UTC),
        [date(2026, 3, 28), date(2026, 3, 31)],
        [
            # Saturday's session: keep dry until 01:50 CET on the night of the change,
            # told at 08:00 CEST.
            (ReminderKind.AFTERCARE, "keep_area_dry", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
            # Tuesday's session: no alcohol from local midnight of Sunday, told at 08:00 CEST.
            (ReminderKind.PREPARATION, "avoid_alcohol", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        ],
    ),
    "berlin-autumn": (
        "Europe/Berlin",
        datetime(2026, 9, 1, tzinfo=UTC),
        [date(2026, 10, 24), date(2026, 10, 27)],
        [
            (ReminderKind.AFTERCARE, "keep_area_dry", datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
            (ReminderKind.PREPARATION, "avoid_alcohol", datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        ],
    ),
    "new-york-spring": (
        "America/New_York",
        datetime(2026, 2, 1, tzinfo=UTC),
        [date(2026, 3, 7), date(2026, 3, 10)],
        [
            (ReminderKind.AFTERCARE, "keep_area_dry", datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
            (ReminderKind.PREPARATION, "avoid_alcohol", datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        ],
    ),
    "new-york-autumn": (
        "America/New_York",
        datetime(2026, 9, 1, tzinfo=UTC),
        [date(2026, 10, 31), date(2026, 11, 3)],
        [
            (ReminderKind.AFTERCARE, "keep_area_dry", datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
            (ReminderKind.PREPARATION, "avoid_alcohol", datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
        ],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_reminder_is_sent_once_at_its_documented_instant(
    case: str, mail_to_smtp: SmtpServer
) -> None:
    zone_name, travel_to, days, expected = CASES[case]
    zone = ZoneInfo(zone_name)
    with time_machine.travel(travel_to, tick=False):
        clinic, desk, doctor = _clinic_with_staff(case, zone_name)
        _book(clinic, desk, doctor, days)
    # The booking confirmation goes at once; the reminders follow the timeline.
    rows = list(Reminder.objects.exclude(kind__in=NOTICES).select_related("appointment"))
    for row in rows:
        assert row.send_at == _documented(row, zone), (row.kind, row.codes)
    for kind, code, instant in expected:
        assert any(r.kind == kind and code in r.codes and r.send_at == instant for r in rows), (
            kind,
            code,
            instant,
        )

    _sweep(Worker())

    sent = list(Reminder.objects.all())
    assert {r.status for r in sent} == {ReminderStatus.SENT}
    # At its instant (the worker's clock runs on by the seconds the batch takes).
    assert all(r.send_at <= r.sent_at < r.send_at + timedelta(seconds=10) for r in sent)
    ids = mail_to_smtp.inbox.ids()
    # Each reminder once, and each booking's confirmation.
    assert len(ids) == len(rows) + Reminder.objects.filter(kind__in=NOTICES).count()
    assert len(ids) == len(set(ids))
