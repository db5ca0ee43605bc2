"""The charting part of benchmarks/charting.py: saving and signing a session record with
40 injection points (`record_benchmark`), run by that script's `main`."""

from __future__ import annotations

import gc
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench_database import percentile

POINTS = 40


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def _seed_charting(records: int) -> tuple[Any, Any, Any, list[Any], list[Any]]:
    """A clinic, its practitioner, a lot with plenty left, `records` completed sessions
    and the 40 points each record is saved with."""
    from mesodesk.accounts.services import create_user
    from mesodesk.charting.diagrams import drawing, spread
    from mesodesk.charting.services import MapPoint
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member, add_room, create_clinic
    from mesodesk.consents.models import ConsentTemplate
    from mesodesk.consents.services import Origin, Signature, ensure_templates, sign_consent
    from mesodesk.inventory.services import create_product, receive_lot
    from mesodesk.patients.services import register_patient
    from mesodesk.scheduling.models import Appointment

    clinic = create_clinic(slug="charting-bench", name="Charting Bench", time_zone="Europe/Berlin")
    doctor = create_user(email="doctor@charting-bench.test", password=None, first_name="Doc")
    add_member(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    room = add_room(clinic=clinic, name="Room 1")
    product = create_product(
        clinic=clinic, by=doctor, name="Cocktail", ingredients=["hyaluronic_acid"]
    )
    lot = receive_lot(
        clinic=clinic,
        product=product,
        by=doctor,
        number="BENCH1",
        expiry=date.today() + timedelta(days=365),  # noqa: DTZ011 - a far date is enough
        quantity=Decimal(records * 2),
    )
    patients = [
        register_patient(clinic=clinic, by=doctor, first_name="Pat", last_name=f"B{i}")
        for i in range(20)
    ]
    # The consent gate: a record opens only for a patient who signed a treatment consent.
    ensure_templates(clinic=clinic)
    treatment = ConsentTemplate.objects.filter(clinic=clinic, purpose="treatment").first()
    for patient in patients:
        sign_consent(
            clinic=clinic,
            patient=patient,
            template=treatment,  # type: ignore[arg-type]
            signature=Signature(f"Pat {patient.last_name}"),
            origin=Origin("tablet", doctor, None, "benchmark"),
        )
    first = datetime.now(UTC) - timedelta(days=records)
    appointments = []
    for n in range(records):
        start = first + timedelta(days=n)
        appointments.append(
            Appointment.objects.create(
                clinic=clinic,
                patient=patients[n % len(patients)],
                kind="session",
                practitioner=doctor,
                room=room,
                start=start,
                end=start + timedelta(minutes=30),
                status="completed",
                created_by=doctor,
                arrived_at=start,
                started_at=start,
                ended_at=start + timedelta(minutes=30),
                ended_by=doctor,
            )
        )
    face = drawing("face_front")
    points = []
    for code in ("forehead", "cheek_l", "cheek_r", "perioral"):
        zone = face.zone(code)
        assert zone is not None
        points += [
            MapPoint("face_front", code, x, y)
            for x, y in spread(zone, POINTS // 4, face.width, face.height)
        ]
    return clinic, doctor, lot, appointments, points


def record_benchmark(records: int) -> tuple[float, float]:
    """Opens, saves (40 points) and signs `records` records; prints p50 and p95 of each
    step and returns the save's and the signing's p95 in ms."""
    from mesodesk.charting import services

    clinic, doctor, lot, appointments, points = _seed_charting(records)
    timings: dict[str, list[float]] = {"open": [], "save": [], "sign": []}
    gc.collect()
    for appointment in appointments:
        started = time.perf_counter()
        record = services.open_record(clinic=clinic, appointment=appointment, by=doctor)
        opened = time.perf_counter()
        services.add_administration(
            clinic=clinic,
            record=record,
            by=doctor,
            area="face",
            lot=lot,
            volume_ml=Decimal("1.50"),
            technique="nappage",
            depth_mm=Decimal("2.5"),
            needle_gauge=32,
            needle_length_mm=Decimal("4"),
            map_points=points,
            at=appointment.start + timedelta(minutes=5),
        )
        saved = time.perf_counter()
        services.sign_record(clinic=clinic, record=record, by=doctor)
        signed = time.perf_counter()
        timings["open"].append((opened - started) * 1000)
        timings["save"].append((saved - opened) * 1000)
        timings["sign"].append((signed - saved) * 1000)
    for step, samples in timings.items():
        p50, p95 = _percentiles(samples)
        print(f"  {step:5} ({len(samples)} records): p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    return _percentiles(timings["save"])[1], _percentiles(timings["sign"])[1]
