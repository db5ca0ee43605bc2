"""Products, lots, stock moves and recalls over the API: what each role may do, the two
paths integrations rely on (lots by number, a lot's recipients), and refusals as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot, Product
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.inventory.conftest import administer, cocktail, lot

__all__ = ["cocktail", "lot"]
pytestmark = pytest.mark.django_db
API = "/api/v1/clinics/lindenhof"
GTIN = "09501101530003"


@pytest.fixture
def boss(alice: User) -> Client:
    return sign_in_with_mfa(Client(), alice)


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, body, content_type="application/json")


def test_an_admin_adds_a_product_receives_a_lot_and_finds_it_by_number(boss: Client) -> None:
    created = _post(
        boss,
        "/products",
        {
            "name": "Revita vial",
            "gtin": GTIN,
            "ingredients": ["hyaluronic_acid"],
            "package_size": "5.00",
            "reorder_level": "20",
        },
    )
    assert created.status_code == 201, created.content
    product = created.json()
    assert (product["gtin"], product["on_hand"], product["below_reorder"]) == (GTIN, "0.00", True)
    received = _post(
        boss,
        "/lots",
        {
            "product_id": product["id"],
            "number": "AB-123",
            "expiry": "2030-12-31",
            "quantity": "25.00",
            "supplier": "Mesolab",
        },
    )
    assert received.status_code == 201, received.content
    found = boss.get(API + "/lots", {"number": "AB-123"}).json()
    assert [
        (f["number"], f["status"], f["expiry"], f["product"], f["quantity_left"]) for f in found
    ] == [("AB-123", "available", "2030-12-31", "Revita vial", "25.00")]
    assert boss.get(API + "/lots", {"number": "AB-12"}).json() == []
    listed = boss.get(API + "/products").json()
    assert (listed[0]["on_hand"], listed[0]["below_reorder"]) == ("25.00", False)
    scanned = boss.get(API + "/barcode", {"text": f"(01){GTIN}(17)301231(10)AB-123"}).json()
    assert (scanned["product_id"], scanned["lot_id"], scanned["expiry"]) == (
        product["id"],
        received.json()["id"],
        "2030-12-31",
    )


def test_an_unreadable_barcode_is_a_422_with_its_reason(boss: Client) -> None:
    answer = boss.get(API + "/barcode", {"text": "hello"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "unreadable"


def test_a_product_is_updated_with_every_field(boss: Client, cocktail: Product) -> None:
    answer = boss.put(
        f"{API}/products/{cocktail.pk}",
        {"name": "Revita HA cocktail 2", "ingredients": ["hyaluronic_acid"], "active": False},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["name"], answer.json()["active"]) == ("Revita HA cocktail 2", False)


def test_waste_adjust_quarantine_release_and_recall_with_their_moves(
    boss: Client, lot: Lot
) -> None:
    base = f"{API}/lots/{lot.pk}"
    assert (
        _post(boss, f"/lots/{lot.pk}/waste", {"quantity": "1.50", "reason": "Dropped"}).json()[
            "quantity_after"
        ]
        == "8.50"
    )
    assert (
        _post(boss, f"/lots/{lot.pk}/adjust", {"quantity": "-0.50", "reason": "Count"}).json()[
            "quantity"
        ]
        == "-0.50"
    )
    assert _post(boss, f"/lots/{lot.pk}/quarantine", {"reason": "Fridge"}).json()["status"] == (
        "quarantined"
    )
    assert _post(boss, f"/lots/{lot.pk}/release", {}).json()["status"] == "available"
    recalled = _post(boss, f"/lots/{lot.pk}/recall", {"reason": "Sterility", "reference": "FSN-3"})
    assert (recalled.json()["status"], recalled.json()["quantity_left"]) == ("recalled", "0.00")
    again = _post(boss, f"/lots/{lot.pk}/recall", {"reason": "Again"})
    assert (again.status_code, again.json()["code"]) == (422, "recalled")
    moves = boss.get(API + "/stock-moves", {"lot_id": lot.pk}).json()
    assert [m["kind"] for m in moves] == ["recalled", "adjusted", "wasted", "received"]
    assert boss.get(base).json()["recall_reference"] == "FSN-3"


def test_too_much_waste_is_refused_with_the_reason(boss: Client, lot: Lot) -> None:
    answer = _post(boss, f"/lots/{lot.pk}/waste", {"quantity": "11", "reason": "Dropped"})
    assert (answer.status_code, answer.json()["code"]) == (422, "not_enough")


def test_front_desk_reads_stock_but_changes_nothing_and_sees_no_recipients(
    fiona: User, cocktail: Product, lot: Lot
) -> None:
    desk = sign_in_with_mfa(Client(), fiona)
    assert desk.get(API + "/products").status_code == 200
    assert desk.get(f"{API}/lots/{lot.pk}").status_code == 200
    for path, body in (
        ("/products", {"name": "X"}),
        (
            "/lots",
            {"product_id": cocktail.pk, "number": "N", "expiry": "2030-01-01", "quantity": "1"},
        ),
        (f"/lots/{lot.pk}/waste", {"quantity": "1", "reason": "x"}),
        (f"/lots/{lot.pk}/recall", {"reason": "x"}),
        (f"/lots/{lot.pk}/recipients/contact", {}),
    ):
        answer = _post(desk, path, body)
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), path
    assert desk.get(f"{API}/lots/{lot.pk}/recipients").status_code == 403
    assert not AccessEvent.objects.filter(object_type="inventory.lot").exists()


def test_a_practitioner_lists_who_received_a_lot_and_each_read_is_logged(
    clinic: Clinic, fiona: User, pedro: User, lot: Lot
) -> None:
    maria: Patient = register_patient(
        clinic=clinic, by=fiona, first_name="Maria", last_name="Keller", email="m@example.test"
    )
    start = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # 10 November in Berlin
    given = administer(
        clinic=clinic,
        lot=lot,
        patient=maria,
        practitioner=pedro,
        start=start,
        area="neck",
        volume="0.80",
    )
    doctor = sign_in_with_mfa(Client(), pedro)
    rows = doctor.get(f"{API}/lots/{lot.pk}/recipients").json()
    appointment = Appointment.objects.get(session_record__administrations=given)
    assert rows == [
        {
            "administration_id": given.pk,
            "patient_id": maria.pk,
            "patient_name": "Maria Keller",
            "appointment_id": appointment.pk,
            "session_date": "2026-11-10",
            "session_start": "2026-11-10T00:30:00+01:00",
            "area": "neck",
            "volume_ml": "0.80",
            "practitioner_id": pedro.pk,
            "practitioner": "Pedro",
            "entered_in_error": False,
        }
    ]
    event = AccessEvent.objects.get(object_type="inventory.lot")
    assert (event.patient, event.user, event.action) == (maria, pedro, "read")
    _post(doctor, f"/lots/{lot.pk}/recall", {"reason": "Sterility"})
    contacted = _post(doctor, f"/lots/{lot.pk}/recipients/contact", {}).json()
    assert contacted == {"queued": 1, "already": 0, "unreachable": []}
    assert _post(doctor, f"/lots/{lot.pk}/recipients/contact", {}).json()["already"] == 1


def test_a_lot_quantity_below_the_smallest_step_is_refused(boss: Client, cocktail: Product) -> None:
    answer = _post(
        boss,
        "/lots",
        {"product_id": cocktail.pk, "number": "N", "expiry": "2030-01-01", "quantity": "0.001"},
    )
    assert answer.status_code == 422
    assert Decimal(0) == Lot.objects.filter(number="N").count()
