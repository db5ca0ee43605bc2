"""The stock pages: levels and notices, products, receiving from a barcode, a lot's
changes, and the recall page with its CSV and message. Roles: every member sees stock;
admins and practitioners change it and see who received a lot; outsiders get 404."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import recall, receive_lot
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from tests.inventory.conftest import administer, cocktail, lot, maria

__all__ = ["cocktail", "lot", "maria"]
pytestmark = pytest.mark.django_db
BASE = "/staff/lindenhof/stock"
GTIN = "09501101530003"


def urls(product: Product, lot: Lot) -> list[str]:
    return [
        f"{BASE}/",
        f"{BASE}/products/",
        f"{BASE}/products/new/",
        f"{BASE}/products/{product.pk}/",
        f"{BASE}/receive/",
        f"{BASE}/lots/{lot.pk}/",
        f"{BASE}/lots/{lot.pk}/recall/",
        f"{BASE}/lots/{lot.pk}/recall.csv",
    ]


def test_an_outsider_gets_404_for_every_stock_url(
    outsider: Client, cocktail: Product, lot: Lot
) -> None:
    read_only = {f"{BASE}/", f"{BASE}/products/", f"{BASE}/lots/{lot.pk}/recall.csv"}
    for url in urls(cocktail, lot):
        assert outsider.get(url).status_code == 404, url
        if url not in read_only:
            posted = outsider.post(url, {"action": "recall", "recall-reason": "x"})
            assert posted.status_code == 404, url
    lot.refresh_from_db()
    assert lot.status == LotStatus.AVAILABLE


def test_another_clinics_lot_or_product_is_a_404_in_the_clinics_own_urls(
    admin: Client, other_clinic: Clinic, alice: User
) -> None:
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member
    from mesodesk.inventory.services import create_product

    add_member(clinic=other_clinic, user=alice, role=Role.ADMIN)
    theirs = create_product(clinic=other_clinic, by=alice, name="Theirs")
    their_lot = receive_lot(
        clinic=other_clinic,
        product=theirs,
        by=alice,
        number="T1",
        expiry=date(2030, 1, 1),
        quantity=Decimal(1),
    )
    for url in urls(theirs, their_lot)[3:]:
        if "products/new" in url or url.endswith("receive/"):
            continue
        assert admin.get(url).status_code == 404, url


def test_front_desk_sees_levels_but_no_forms_and_no_patient_list(
    desk: Client, cocktail: Product, lot: Lot, maria: Patient
) -> None:
    page = desk.get(f"{BASE}/")
    assert page.status_code == 200
    assert "Revita HA cocktail" in page.text
    assert "Receive a lot" not in page.text
    lot_page = desk.get(f"{BASE}/lots/{lot.pk}/")
    assert lot_page.status_code == 200
    assert "Record the waste" not in lot_page.text
    assert "Maria" not in lot_page.text
    for url in (
        f"{BASE}/products/new/",
        f"{BASE}/receive/",
        f"{BASE}/lots/{lot.pk}/recall/",
        f"{BASE}/lots/{lot.pk}/recall.csv",
    ):
        assert desk.get(url).status_code == 403, url
    assert (
        desk.post(f"{BASE}/lots/{lot.pk}/", {"action": "recall", "recall-reason": "x"}).status_code
        == 403
    )
    assert desk.post(f"{BASE}/products/{cocktail.pk}/", {"name": "X"}).status_code == 403
    assert not AccessEvent.objects.filter(object_type="inventory.lot").exists()


def test_the_stock_page_shows_each_notice_with_its_action(
    admin: Client, clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    Product.objects.filter(pk=cocktail.pk).update(reorder_level=Decimal(50))
    soon = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="SOON",
        expiry=datetime.now(ZoneInfo(clinic.time_zone)).date(),
        quantity=Decimal(1),
    )
    page = admin.get(f"{BASE}/").text
    assert "below the reorder level of 50.00" in page
    assert f"{BASE}/receive/?product={cocktail.pk}" in page
    assert f"lot {soon.number}" in page
    assert f"{BASE}/lots/{soon.pk}/#waste" in page


def test_an_admin_adds_a_product_and_edits_it(admin: Client, alice: User) -> None:
    added = admin.post(
        f"{BASE}/products/new/",
        {
            "name": "Hair cocktail",
            "manufacturer": "Mesolab",
            "ingredients": ["biotin"],
            "gtin": GTIN,
            "package_size": "5",
            "lot_tracking_required": "on",
        },
    )
    assert added.status_code == 302, added.content
    product = Product.objects.get(name="Hair cocktail")
    assert (product.gtin, product.ingredients) == (GTIN, ["biotin"])
    saved = admin.post(
        f"{BASE}/products/{product.pk}/",
        {"name": "Hair cocktail", "gtin": GTIN, "reorder_level": "10", "active": "on"},
    )
    assert saved.status_code == 302
    product.refresh_from_db()
    assert product.reorder_level == Decimal("10.00")
    assert product.history.order_by("-history_id").first().history_user == alice
    refused = admin.post(f"{BASE}/products/new/", {"name": "hair COCKTAIL"})
    assert refused.status_code == 400
    assert "The clinic has a product of that name." in refused.text


def test_a_scanned_barcode_fills_the_receive_form(
    admin: Client, clinic: Clinic, alice: User
) -> None:
    from mesodesk.inventory.services import create_product

    product = create_product(clinic=clinic, by=alice, name="Revita vial", gtin=GTIN)
    page = admin.get(f"{BASE}/receive/", {"barcode": f"01{GTIN}17281231" + "10AB-123\x1d21S1"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial == {"number": "AB-123", "expiry": date(2028, 12, 31), "product": product.pk}
    assert 'value="AB-123"' in page.text
    received = admin.post(
        f"{BASE}/receive/",
        {"product": product.pk, "number": "AB-123", "expiry": "2028-12-31", "quantity": "20"},
    )
    lot = Lot.objects.get(number="AB-123")
    assert received["Location"] == f"{BASE}/lots/{lot.pk}/"
    unknown = admin.get(f"{BASE}/receive/", {"barcode": "(01)04006381333931(10)X"})
    assert f"{BASE}/products/new/?gtin=04006381333931" in unknown.text
    bad = admin.get(f"{BASE}/receive/", {"barcode": "hello"})
    assert bad.status_code == 400
    assert "This is not a GS1 barcode" in bad.text


def test_the_lot_page_records_waste_adjustment_quarantine_release_and_recall(
    doctor: Client, lot: Lot
) -> None:
    url = f"{BASE}/lots/{lot.pk}/"
    steps = [
        {"action": "waste", "waste-quantity": "1", "waste-reason": "Dropped"},
        {"action": "adjust", "adjust-quantity": "-0.5", "adjust-reason": "Count"},
        {"action": "quarantine", "quarantine-reason": "Fridge alarm"},
        {"action": "release", "release-reason": "Logger fine"},
    ]
    for data in steps:
        assert doctor.post(url, data).status_code == 302, data
    refused = doctor.post(url, {"action": "waste", "waste-quantity": "99", "waste-reason": "x"})
    assert refused.status_code == 400
    assert "are left" in refused.text
    recalled = doctor.post(
        url, {"action": "recall", "recall-reason": "Sterility", "recall-reference": "FSN-2"}
    )
    assert recalled["Location"] == f"{url}recall/"
    lot.refresh_from_db()
    assert (lot.status, lot.quantity_on_hand) == (LotStatus.RECALLED, Decimal("0.00"))
    kinds = list(lot.moves.order_by("id").values_list("kind", flat=True))
    assert kinds == [MoveKind.RECEIVED, MoveKind.WASTED, MoveKind.ADJUSTED, MoveKind.RECALLED]
    page = doctor.get(url).text
    assert "Recalled" in page and "FSN-2" in page


def test_the_recall_page_lists_the_patient_and_each_read_is_logged(
    admin: Client, alice: User, lot: Lot, maria: Patient
) -> None:
    page = admin.get(f"{BASE}/lots/{lot.pk}/recall/")
    assert page.status_code == 200
    assert "Keller, Maria" in page.text
    assert "9 Nov 2026, 10:00" in page.text  # 09:00 UTC in Berlin
    assert "Neck" in page.text and "0.80 mL" in page.text and "Pedro" in page.text
    event = AccessEvent.objects.get(object_type="inventory.lot")
    assert (event.patient, event.user, event.action) == (maria, alice, "read")


def test_the_csv_export_parses_back_and_is_an_export_event(
    admin: Client, lot: Lot, maria: Patient
) -> None:
    response = admin.get(f"{BASE}/lots/{lot.pk}/recall.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="recall-lot-RV2401.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [
        {
            "patient_id": str(maria.pk),
            "patient_name": "Maria Keller",
            "email": "maria@example.test",
            # A leading + is a formula to a spreadsheet: the apostrophe makes it text,
            # as in every CSV export (exports.csvfile.safe_cell).
            "phone": "'+49301234567",
            "appointment_id": str(maria.session_records.get().appointment_id),
            "session_date": "2026-11-09",
            "session_start": "2026-11-09T10:00:00+01:00",
            "area": "neck",
            "volume_ml": "0.80",
            "practitioner": "Pedro",
            "entered_in_error": "no",
        }
    ]
    assert AccessEvent.objects.get(object_type="inventory.lot").action == "export"


def test_the_recall_names_an_erased_patient_by_the_pseudonym_and_runs_no_formula(
    admin: Client, lot: Lot, maria: Patient
) -> None:
    # A name typed as a formula, then the patient's erasure granted (what the deletion
    # request's service stamps; tests/portal/test_deletion.py walks the service itself).
    Patient.objects.filter(pk=maria.pk).update(first_name="=HYPERLINK(1)")
    response = admin.get(f"{BASE}/lots/{lot.pk}/recall.csv")
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    assert row["patient_name"] == "'=HYPERLINK(1) Keller"
    Patient.objects.filter(pk=maria.pk).update(erased_at=timezone.now())
    response = admin.get(f"{BASE}/lots/{lot.pk}/recall.csv")
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    assert row["patient_name"] == f"Patient #{maria.pk} (erased)"
    page = admin.get(f"{BASE}/lots/{lot.pk}/recall/").text
    assert f"Patient #{maria.pk} (erased)" in page and "Keller" not in page


def test_one_click_asks_each_patient_once_with_a_neutral_message(
    admin: Client, clinic: Clinic, alice: User, cocktail: Product, lot: Lot, maria: Patient
) -> None:
    url = f"{BASE}/lots/{lot.pk}/recall/"
    assert "Recall it on the lot" in admin.get(url).text
    recall(clinic=clinic, lot=lot, by=alice, reason="Sterility")
    first = admin.post(url, {"action": "contact"}, follow=True)
    assert "Messages queued for 1 patient." in first.text
    second = admin.post(url, {"action": "contact"}, follow=True)
    assert "1 had been asked before and get nothing again." in second.text
    rows = Reminder.objects.filter(kind=ReminderKind.TREATMENT_CONTACT)
    assert [(r.patient, r.channel) for r in rows] == [(maria, "email")]
    from mesodesk.core.library import load_library
    from mesodesk.messaging.render import Renderer
    from mesodesk.messaging.selectors import preferences

    rendered = Renderer(load_library()).render(rows[0], preferences(clinic, maria))
    assert "about your treatment of 9 November 2026" in rendered.body
    for word in (cocktail.name, cocktail.manufacturer, lot.number, "Sterility", "recall"):
        assert word.lower() not in (rendered.subject + rendered.body).lower()
    assert "E-mail: Pending" in admin.get(url).text


def test_a_patient_no_message_can_reach_is_listed_to_call(
    admin: Client, clinic: Clinic, alice: User, fiona: User, pedro: User, lot: Lot
) -> None:
    ida = register_patient(
        clinic=clinic, by=fiona, first_name="Ida", last_name="Roth", phone="+49 30 555"
    )  # a phone, but e-mail (without an address) is her channel
    administer(
        clinic=clinic,
        lot=lot,
        patient=ida,
        practitioner=pedro,
        start=datetime(2026, 11, 9, 9, 0, tzinfo=UTC),
    )
    recall(clinic=clinic, lot=lot, by=alice, reason="Sterility")
    page = admin.get(f"{BASE}/lots/{lot.pk}/recall/").text
    assert "No message can reach 1 patient" in page
    assert 'href="tel:+4930555"' in page
    assert "Every patient with an e-mail address or mobile number has been asked." in page
