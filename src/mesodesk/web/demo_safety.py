"""The demo clinic's adverse events, through the charting, inventory and safety services:

- Anna's nodules after her second session, graded 2 and linked to the cocktail lot she
  received, with a follow-up due today (the reminder on Today);
- a few months of other patients' charted sessions, most with a cocktail lot, six also
  with a lot of an organic silicon vial after which three patients had nodules or an
  abscess: the safety page flags that lot (and its product) against the rest;
- Ida's side-effect report naming a warning sign, still to be triaged.

Seeded once: a clinic with an adverse event is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import services as charting
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot
from mesodesk.inventory.services import create_product, receive_lot
from mesodesk.patients.models import Patient
from mesodesk.safety.models import AdverseEvent
from mesodesk.safety.services import add_follow_up, record_adverse_event, report_side_effect
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.models import Appointment

D = Decimal
DOMAIN = "@patients.demo.mesodesk.test"
# Whose sessions fill the months behind the signal, and how many each.
# (Not Clara: she has signed no consent yet, so the demo can show the consent gate.)
OTHERS = ("jonas", "mara", "ida")
SESSIONS_EACH = 7
# How many of those sessions also gave the suspect lot, and who had an event after it:
# (patient, event, grade, outcome).
SUSPECT_SESSIONS = 6
SUSPECT_EVENTS = (
    ("ida", "nodules", 2, "recovering"),
    ("jonas", "abscess", 3, "resolved"),
    ("mara", "nodules", 1, "resolved"),
)


def _weekday(day: date) -> date:
    return day - timedelta(days=max(day.weekday() - 4, 0))


def _session(
    clinic: Clinic, patient: Patient, practitioner: User, desk: User, start: datetime
) -> Appointment:
    end = start + duration_of(AppointmentKind.SESSION)
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind=AppointmentKind.SESSION,
        practitioner=practitioner,
        room=clinics.rooms(clinic)[0],  # the demo clinic has rooms (demo_records)
        start=start,
        end=end,
        status=AppointmentStatus.COMPLETED,
        created_by=desk,
        created_at=start - timedelta(days=14),
        arrived_at=start - timedelta(minutes=20),
        arrived_by=desk,
        started_at=start,
        started_by=practitioner,
        ended_at=end,
        ended_by=practitioner,
    )


def _chart(
    clinic: Clinic, appointment: Appointment, practitioner: User, lots: list[Lot]
) -> tuple[SessionRecord, list[Administration]]:
    record = charting.open_record(clinic=clinic, appointment=appointment, by=practitioner)
    given = [
        charting.add_administration(
            clinic=clinic,
            record=record,
            by=practitioner,
            area="face",
            lot=lot,
            volume_ml=D("1.00"),
            technique="nappage",
            depth_mm=D("2.5"),
            needle_gauge=32,
            needle_length_mm=D("4"),
            points=20,
            at=appointment.start + timedelta(minutes=5 + 5 * n),
        )
        for n, lot in enumerate(lots)
    ]
    charting.sign_record(clinic=clinic, record=record, by=practitioner)
    return record, given


def _annas_event(clinic: Clinic, anna: Patient, practitioner: User, today: date) -> None:
    record = (
        SessionRecord.objects.filter(clinic=clinic, patient=anna)
        .select_related("appointment")
        .order_by("-appointment__start")
        .first()
    )
    if record is None:
        return
    face = [a for a in record.administrations.select_related("lot") if a.area == "face"]
    event = record_adverse_event(
        clinic=clinic,
        patient=anna,
        by=practitioner,
        event="nodules",
        onset=record.appointment.start.date() + timedelta(days=9),
        grade=2,
        description="Three firm, tender nodules of 4-6 mm on the left cheek, no fluctuation.",
        session_record=record,
        administrations=face,
        actions_taken="Warm compresses twice a day; photo taken; review in the clinic.",
        follow_up_on=today,
    )
    add_follow_up(
        clinic=clinic,
        event=event,
        by=practitioner,
        note="Called Anna: nodules a little smaller, no redness spreading, no fever.",
        follow_up_on=today,
    )


@transaction.atomic  # all or nothing: a half-seeded clinic would never be completed
def seed_safety(*, clinic: Clinic, practitioner: User, admin: User, desk: User) -> None:
    """Seeds the adverse events and the sessions behind the signal once."""
    if AdverseEvent.objects.filter(clinic=clinic).exists():
        return
    patients = {
        p.email.split("@")[0]: p
        for p in Patient.objects.filter(clinic=clinic, email__endswith=DOMAIN)
    }
    anna = patients.get("anna")
    if anna is None or not all(name in patients for name in OTHERS):
        return
    if not clinics.rooms(clinic).exists():
        return
    zone = ZoneInfo(clinic.time_zone)
    today = timezone.now().astimezone(zone).date()
    _annas_event(clinic, anna, practitioner, today)

    cocktail = create_product(
        clinic=clinic,
        by=admin,
        name="Hyaluronic acid 1% vial",
        manufacturer="Mesolab",
        ingredients=["hyaluronic_acid"],
    )
    silicon = create_product(
        clinic=clinic,
        by=admin,
        name="Organic silicon vial",
        manufacturer="Dermavita",
        ingredients=["organic_silicon"],
    )

    def lot(product_: object, number: str, quantity: str) -> Lot:
        return receive_lot(
            clinic=clinic,
            product=product_,  # type: ignore[arg-type]
            by=admin,
            number=number,
            expiry=today + timedelta(days=240),
            quantity=D(quantity),
            supplier="Meso Supplies GmbH",
        )

    usual, suspect = lot(cocktail, "HA2408", "40.00"), lot(silicon, "SI2404", "10.00")
    charted: dict[str, list[tuple[SessionRecord, list[Administration]]]] = {}
    n, total = 0, SESSIONS_EACH * len(OTHERS)
    for week in range(SESSIONS_EACH):
        for i, name in enumerate(OTHERS):
            day = _weekday(today - timedelta(days=5 + 14 * week + i))
            start = datetime.combine(day, time(13 + i), zone)
            appointment = _session(clinic, patients[name], practitioner, desk, start)
            # The suspect lot in the oldest sessions: their events have had time to show.
            lots = [usual, suspect] if n >= total - SUSPECT_SESSIONS else [usual]
            charted.setdefault(name, []).append(_chart(clinic, appointment, practitioner, lots))
            n += 1
    for name, code, grade, outcome in SUSPECT_EVENTS:
        record, given = next(
            (r, g) for r, g in reversed(charted[name]) if any(a.lot_id == suspect.pk for a in g)
        )
        record_adverse_event(
            clinic=clinic,
            patient=patients[name],
            by=practitioner,
            event=code,
            onset=record.appointment.start.astimezone(zone).date() + timedelta(days=12),
            grade=grade,
            session_record=record,
            administrations=[a for a in given if a.lot_id == suspect.pk],
            actions_taken="Seen in the clinic; swab taken for culture including mycobacteria.",
            outcome=outcome,
        )
    report_side_effect(
        clinic=clinic,
        patient=patients["ida"],
        by=patients["ida"].portal_user or desk,
        symptoms=["swelling", "redness"],
        other="",
        area="Right cheek",
        since=today - timedelta(days=1),
        how_bad="moderate",
        red_flags=["late_nodules"],
        details="A hard lump came up where I was treated; it is warm and sore.",
    )
