"""Answers the API renders straight from typed columns (`api.common.rendered`, DESIGN 12)
skip ninja's validation of the response: here each is held to its schema, and to what the
schema-validated answer of the same rows says."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from ninja.renderers import JSONRenderer
from pydantic import TypeAdapter

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.api.inventory import LotOut, _lot_out
from mesodesk.api.scheduling import appointment_out
from mesodesk.api.schemas import AppointmentOut
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_member
from mesodesk.inventory.selectors import get_lot
from mesodesk.inventory.services import (
    create_product,
    quarantine,
    recall,
    receive_lot,
    waste,
)
from mesodesk.patients.services import register_patient
from mesodesk.portal.services import erase_patient_data, request_deletion
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import get_appointment
from mesodesk.scheduling.services import book_appointment, cancel_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import API

BASE = f"{API}/lindenhof"


@pytest.fixture
def day_of_every_stage(
    clinic: Clinic, fiona: User, pedro: User, alice: User, room: Room, at: Callable
) -> list[Appointment]:
    """Five appointments of one day, one in each stage a list shows (booked, arrived, in
    treatment, completed, no-show), one of another practitioner, one cancelled (not
    listed), and one of a patient whose erasure was granted."""
    other = create_user(email="olga@lindenhof.test", password=None, first_name="Olga")
    add_member(clinic=clinic, user=other, role=Role.PRACTITIONER)
    made = []
    for n, last in enumerate(["Keller", "Brandt", "Vogel", "Lang", "Roth", "Other", "Gone"]):
        patient = register_patient(clinic=clinic, by=fiona, first_name="Pat", last_name=last)
        made.append(
            book_appointment(
                clinic=clinic,
                patient=patient,
                by=fiona,
                kind="consultation",
                start=datetime.fromisoformat(at(f"{9 + n:02d}:00")),
                practitioner=other if last == "Other" else pedro,
                room=room,
            )
        )
    now = timezone.now()
    Appointment.objects.filter(pk=made[1].pk).update(arrived_at=now, arrived_by=fiona)
    Appointment.objects.filter(pk=made[2].pk).update(
        arrived_at=now, arrived_by=fiona, started_at=now + timedelta(minutes=5), started_by=pedro
    )
    Appointment.objects.filter(pk=made[3].pk).update(
        status="completed",
        arrived_at=now,
        arrived_by=fiona,
        started_at=now,
        started_by=pedro,
        ended_at=now + timedelta(minutes=40),
        ended_by=pedro,
    )
    Appointment.objects.filter(pk=made[4].pk).update(status="no_show", ended_at=now, ended_by=fiona)
    cancelled = register_patient(clinic=clinic, by=fiona, first_name="Pat", last_name="Off")
    cancel_appointment(
        clinic=clinic,
        appointment=book_appointment(
            clinic=clinic,
            patient=cancelled,
            by=fiona,
            kind="consultation",
            start=datetime.fromisoformat(at("17:00")),
            practitioner=pedro,
            room=room,
        ),
        by=fiona,
        reason="The patient called.",
    )
    gone = made[6].patient
    gone.portal_user = create_user(email="gone@example.test", password=None)
    gone.save(update_fields=["portal_user"])
    asked = request_deletion(clinic=clinic, patient=gone, by=gone.portal_user)
    erase_patient_data(clinic=clinic, request=asked, by=alice)
    return made


def test_the_day_list_is_what_the_schema_validated_answer_of_each_row_says(
    clinic: Clinic,
    token: str,
    pedro: User,
    day_of_every_stage: list[Appointment],
    at: Callable,
) -> None:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    day = at("09:00")[:10]
    for practitioner, expected in (
        (None, day_of_every_stage),
        (pedro.pk, [a for a in day_of_every_stage if a.practitioner_id == pedro.pk]),
    ):
        query = f"day={day}" + (f"&practitioner_id={practitioner}" if practitioner else "")
        response = client.get(f"{BASE}/appointments?{query}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        listed = response.json()
        # Valid against the schema the OpenAPI document publishes for it ...
        TypeAdapter(list[AppointmentOut]).validate_python(listed)
        # ... and, row by row, what the schema-validated answer of the row says, as
        # ninja renders it (the one-row answer is rendered the same way as the list).
        validated = [
            json.loads(
                JSONRenderer().render(
                    None,  # type: ignore[arg-type]
                    appointment_out(get_appointment(clinic, a.pk), clinic).model_dump(),
                    response_status=200,
                )
            )
            for a in expected
        ]
        assert listed == validated
        one_by_one = [client.get(f"{BASE}/appointments/{a.pk}").json() for a in expected]
        assert one_by_one == validated
        stages = ["booked", "arrived", "in_treatment", "completed", "no_show"]
        assert [a["stage"] for a in listed][:5] == stages
    by_id = {a["id"]: a for a in listed}
    gone = day_of_every_stage[6]
    assert by_id[gone.pk]["patient_name"] == f"Patient #{gone.patient_id} (erased)"
    completed = by_id[day_of_every_stage[3].pk]
    # Times in the clinic's zone, milliseconds as ninja's encoder writes them.
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+0[12]:00", completed["ended_at"]
    )


def test_a_lot_is_what_the_schema_validated_answer_says(
    clinic: Clinic, alice: User, fiona: User, token: str
) -> None:
    product = create_product(clinic=clinic, by=alice, name="Revita HA cocktail")
    received = [
        receive_lot(
            clinic=clinic,
            product=product,
            by=alice,
            number=number,
            expiry=date(2027, 12, 31),
            quantity=Decimal(quantity),
            supplier=supplier,
        )
        for number, quantity, supplier in (
            ("RV2401", "10.00", "Mesolab GmbH"),
            ("RV2402", "2.55", ""),
            ("RV2403", "5.00", "Mesolab GmbH"),
        )
    ]
    waste(clinic=clinic, lot=received[0], quantity=Decimal("1.50"), by=alice, reason="Dropped")
    quarantine(clinic=clinic, lot=received[1], by=alice, reason="The fridge failed overnight.")
    recall(clinic=clinic, lot=received[2], by=alice, reason="Sterility", reference="FSN-3")
    events = AccessEvent.objects.count()
    for client in (
        Client(headers={"Authorization": f"Bearer {token}"}),
        sign_in_with_mfa(Client(), fiona),
    ):
        for lot in received:
            response = client.get(f"{BASE}/lots/{lot.pk}")
            assert response.status_code == 200
            assert response["Content-Type"] == "application/json; charset=utf-8"
            answer = response.json()
            LotOut.model_validate(answer)
            validated = JSONRenderer().render(
                None,  # type: ignore[arg-type]
                _lot_out(get_lot(clinic, lot.pk), clinic).model_dump(),
                response_status=200,
            )
            assert answer == json.loads(validated)
    by_number = {
        a["number"]: a
        for a in (
            Client(headers={"Authorization": f"Bearer {token}"}).get(f"{BASE}/lots/{lot.pk}").json()
            for lot in received
        )
    }
    assert by_number["RV2401"]["quantity_left"] == "8.50"
    assert by_number["RV2402"]["status_reason"] == "The fridge failed overnight."
    assert by_number["RV2403"]["recall_reference"] == "FSN-3"
    # A lot is no patient's data: reading it logs nothing.
    assert AccessEvent.objects.count() == events
