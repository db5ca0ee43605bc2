"""The demo clinic's stock and session records, made through the inventory and charting
services: two products with lots (one lot near its expiry, one expired on the shelf, one
that was recalled after Anna received it), the sessions of Anna's series that have passed,
charted and signed with points on the face, and today's first session in treatment, ready to chart.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import services as charting
from mesodesk.charting.diagrams import drawing, spread
from mesodesk.charting.models import SessionRecord
from mesodesk.charting.services import MapPoint
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import create_product, discard_vial, receive_lot
from mesodesk.patients.models import Patient
from mesodesk.planning.selectors import active_plan
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.models import Appointment

D = Decimal
# Where Anna's cocktail went on the face (zone, points) and her neck (point by point).
FACE_ZONES = (("forehead", 6), ("cheek_r", 7), ("cheek_l", 7), ("perioral", 4))
NECK_POINTS = 10


def _points(diagram: str, zones: tuple[tuple[str, int], ...]) -> list[MapPoint]:
    shown = drawing(diagram)
    points = []
    for code, count in zones:
        zone = shown.zone(code)
        assert zone is not None, code
        points += [
            MapPoint(diagram, code, x, y) for x, y in spread(zone, count, shown.width, shown.height)
        ]
    return points


def _stock(clinic: Clinic, admin: User, today: date) -> dict[str, Lot]:
    cocktail = create_product(
        clinic=clinic,
        by=admin,
        name="Revita HA cocktail",
        manufacturer="Mesolab",
        ingredients=["hyaluronic_acid", "vitamin_c", "amino_acids"],
        package_size=D("5.00"),
        gtin="5060000000016",
        refrigerated=True,
        beyond_use_hours=24,
        reorder_level=D("10.00"),
    )
    biotin = create_product(
        clinic=clinic,
        by=admin,
        name="Biotin and amino acid vial",
        manufacturer="Dermavita",
        ingredients=["biotin", "amino_acids"],
        package_size=D("2.00"),
        gtin="5060000000023",
        beyond_use_hours=8,
    )

    def lot(product: Product, number: str, days: int, quantity: str) -> Lot:
        return receive_lot(
            clinic=clinic,
            product=product,
            by=admin,
            number=number,
            expiry=today + timedelta(days=days),
            quantity=D(quantity),
            supplier="Meso Supplies GmbH",
        )

    return {
        "cocktail": lot(cocktail, "RV2405", 300, "25.00"),
        "near_expiry": lot(cocktail, "RV2311", 12, "5.00"),
        "expired": lot(cocktail, "RV2209", -10, "5.00"),
        "biotin": lot(biotin, "BT2402", 200, "10.00"),
        "recalled": lot(biotin, "BT2309", 150, "6.00"),
    }


def _chart(
    clinic: Clinic,
    appointment: Appointment,
    practitioner: User,
    lots: dict[str, Lot],
    *,
    pain: int,
) -> SessionRecord:
    record = charting.open_record(clinic=clinic, appointment=appointment, by=practitioner)
    start = appointment.start
    charting.record_numbing(
        clinic=clinic,
        record=record,
        by=practitioner,
        product="Lidocaine/prilocaine 5% cream",
        on_at=start - timedelta(minutes=25),
        off_at=start - timedelta(minutes=3),
    )
    charting.add_administration(
        clinic=clinic,
        record=record,
        by=practitioner,
        area="face",
        lot=lots["cocktail"],
        volume_ml=D("2.50"),
        technique="nappage",
        depth_mm=D("2.5"),
        needle_gauge=32,
        needle_length_mm=D("4"),
        map_points=_points("face_front", FACE_ZONES),
        at=start + timedelta(minutes=5),
    )
    charting.add_administration(
        clinic=clinic,
        record=record,
        by=practitioner,
        area="neck",
        lot=lots["recalled"],
        volume_ml=D("1.00"),
        technique="point_by_point",
        depth_mm=D("4"),
        needle_gauge=30,
        needle_length_mm=D("4"),
        points=NECK_POINTS,
        map_points=_points("face_front", (("neck_front", NECK_POINTS),)),
        at=start + timedelta(minutes=15),
    )
    charting.record_observations(
        clinic=clinic,
        record=record,
        by=practitioner,
        pain_score=pain,
        immediate_reactions=["wheal", "erythema"],
        notes="Tolerated well. Small wheals along the forehead, settling before she left.",
    )
    # End of the session: opened vials are thrown away, whatever is left in them.
    for given in record.administrations.select_related("opened_vial"):
        if given.opened_vial is not None and given.opened_vial.discarded_at is None:
            discard_vial(
                clinic=clinic, vial=given.opened_vial, by=practitioner, reason="End of session."
            )
    return charting.sign_record(clinic=clinic, record=record, by=practitioner)


def seed_sessions(*, clinic: Clinic, practitioner: User, admin: User, desk: User) -> None:
    """Seeds the stock and Anna's charted sessions once (a clinic with products is left as
    it is); puts today's first session in treatment when nobody has charted it yet."""
    zone = ZoneInfo(clinic.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    if not Product.objects.filter(clinic=clinic).exists():
        anna = Patient.objects.filter(
            clinic=clinic, email="anna@patients.demo.mesodesk.test"
        ).first()
        rooms = list(clinics.rooms(clinic))
        if anna is None or not rooms:
            return
        lots = _stock(clinic, admin, today)
        # The sessions of Anna's series that have passed, held and charted.
        plan = active_plan(clinic, anna)
        past = [s for s in plan.sessions.order_by("number") if s.starts_at < now] if plan else []
        for session in past:
            start = session.starts_at
            end = start + duration_of(AppointmentKind.SESSION)
            appointment = Appointment.objects.create(
                clinic=clinic,
                patient=anna,
                kind=AppointmentKind.SESSION,
                planned_session=session,
                practitioner=practitioner,
                room=rooms[0],
                device=clinics.devices(clinic, "manual_needle_kit").first(),
                start=start,
                end=end,
                status=AppointmentStatus.COMPLETED,
                created_by=desk,
                created_at=start - timedelta(days=14),
                arrived_at=start - timedelta(minutes=30),
                arrived_by=desk,
                started_at=start,
                started_by=practitioner,
                ended_at=end,
                ended_by=practitioner,
            )
            _chart(clinic, appointment, practitioner, lots, pain=max(4 - session.number, 1))
        # Recalled after Anna received it: the recall page finds her.
        Lot.objects.filter(pk=lots["recalled"].pk).update(
            status=LotStatus.RECALLED,
            status_reason="Manufacturer recall: sterility not assured for this lot.",
            recall_reference="DV-2026-014",
        )
    _start_first_session(clinic, today, now, zone)


def _start_first_session(clinic: Clinic, today: date, now: datetime, zone: ZoneInfo) -> None:
    """Today's first session, checked in and started, so a practitioner can chart it."""
    first = (
        Appointment.objects.filter(
            clinic=clinic,
            kind=AppointmentKind.SESSION,
            start__gte=datetime.combine(today, time(0), zone),
            start__lt=datetime.combine(today + timedelta(days=1), time(0), zone),
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED),
        )
        .order_by("start")
        .first()
    )
    if first is None or first.started_at is not None or hasattr(first, "session_record"):
        return
    first.arrived_at = min(first.start, now) - timedelta(minutes=10)
    first.started_at = min(first.start, now)
    first.save(update_fields=["arrived_at", "started_at"])
