"""The session record pages: a practitioner opens, charts (map, table per zone, refusals
with alternatives, warnings asking for a reason) and signs; admins read; front desk sees
the status only; another clinic's member gets a 404 for every URL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.audit.models import AccessEvent
from mesodesk.charting.choices import RecordStatus
from mesodesk.charting.models import SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from mesodesk.inventory.models import Lot, Product
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.charting.fixtures import nappage

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_pedro(pedro: User) -> Client:
    return sign_in_with_mfa(Client(), pedro)


def url(record: SessionRecord, tail: str = "") -> str:
    return f"/staff/lindenhof/records/{record.pk}/{tail}"


def form(chosen: Lot, **changes: str) -> dict[str, str]:
    data = {
        "area": "face",
        "lot": str(chosen.pk),
        "volume_ml": "1.50",
        "technique": "nappage",
        "depth_mm": "2.5",
        "needle_gauge": "32",
        "needle_length_mm": "4",
        "diagram": "face_front",
        "map_point": "face_front|cheek_l|0.69|0.5",
    }
    return data | changes


def test_the_appointment_page_offers_to_chart_a_session_in_treatment(
    as_pedro: Client, appointment: Appointment
) -> None:
    page = as_pedro.get(f"/staff/lindenhof/appointments/{appointment.pk}/")
    assert "Chart this session" in page.text
    response = as_pedro.post(f"/staff/lindenhof/appointments/{appointment.pk}/record/")
    record = SessionRecord.objects.get(appointment=appointment)
    assert response["Location"] == url(record)


def test_the_record_page_draws_the_map_and_logs_the_read(
    as_pedro: Client, record: SessionRecord, clinic: Clinic, pedro: User, lot: Lot
) -> None:
    nappage(clinic, record, pedro, lot)
    page = as_pedro.get(url(record))
    assert page.status_code == 200
    # Drawn on the record's map and again on the map of the form that adds the next one.
    assert page.text.count('class="point p0"') == 6
    assert "Cheek, patient&#x27;s left: Revita HA cocktail, lot RV2401, 2.5 mm" in page.text
    assert 'data-zone="nasolabial_l"' in page.text
    assert AccessEvent.objects.filter(object_type="charting.sessionrecord").count() == 1
    script = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert any(s.endswith("charting-map.js") for s in script)


def test_a_practitioner_charts_with_clicked_points_and_a_table_per_zone(
    as_pedro: Client, record: SessionRecord, lot: Lot
) -> None:
    response = as_pedro.post(
        url(record, "administrations/"),
        form(lot, zone_0="forehead", count_0="4", zone_depth_0="2"),
    )
    assert response.status_code == 302
    given = record.administrations.get()
    zones = sorted(p.zone for p in given.injection_points.all())
    assert zones == ["cheek_l", "forehead", "forehead", "forehead", "forehead"]
    assert given.volume_ml == Decimal("1.50")


def test_an_expired_lot_is_refused_with_the_others_offered_in_one_click(
    as_pedro: Client, record: SessionRecord, lot: Lot, expired_lot: Lot
) -> None:
    refused = as_pedro.post(url(record, "administrations/"), form(expired_lot))
    assert refused.status_code == 409
    assert f"Lot {expired_lot.number} expired" in refused.text
    assert f'name="use_lot" value="{lot.pk}"' in refused.text
    assert 'name="map_point" value="face_front|cheek_l|0.69|0.5"' in refused.text
    picked = as_pedro.post(url(record, "administrations/"), form(expired_lot, use_lot=str(lot.pk)))
    assert picked.status_code == 302
    assert record.administrations.get().lot == lot


def test_a_depth_outside_the_technique_asks_for_a_reason(
    as_pedro: Client, record: SessionRecord, lot: Lot
) -> None:
    asked = as_pedro.post(url(record, "administrations/"), form(lot, depth_mm="6"))
    assert asked.status_code == 422
    assert "6 mm is outside 2-4 mm for nappage" in asked.text
    assert "Vedamurthy, IJDVL 2007" in asked.text
    kept = as_pedro.post(
        url(record, "administrations/"), form(lot, depth_mm="6", reason="Scar tissue.")
    )
    assert kept.status_code == 302
    assert record.administrations.get().out_of_range_reason == "Scar tissue."


def test_a_scanned_barcode_names_the_lot(
    as_pedro: Client, record: SessionRecord, cocktail: Product, lot: Lot
) -> None:
    Product.objects.filter(pk=cocktail.pk).update(gtin="05060000000009")
    response = as_pedro.post(
        url(record, "administrations/"),
        form(lot, lot="", barcode="(01)05060000000009(17)271231(10)RV2401"),
    )
    assert response.status_code == 302
    assert record.administrations.get().lot == lot


def test_numbing_observations_and_signing(
    as_pedro: Client, record: SessionRecord, clinic: Clinic, pedro: User, lot: Lot
) -> None:
    short = as_pedro.post(
        url(record, "numbing/"), {"product": "EMLA", "on_at": "09:00", "off_at": "09:10"}
    )
    assert short.status_code == 422
    assert "less than 20" in short.text
    assert (
        as_pedro.post(
            url(record, "observations/"),
            {"pain_score": "3", "immediate_reactions": ["wheal"], "notes": "Fine."},
        ).status_code
        == 302
    )
    nappage(clinic, record, pedro, lot)
    assert as_pedro.post(url(record, "sign/")).status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.SIGNED
    page = as_pedro.get(url(record))
    assert "Sign the addendum" in page.text
    assert "Chart what was given" not in page.text
    assert as_pedro.post(url(record, "addenda/"), {"text": "Called: fine."}).status_code == 302
    assert record.addenda.count() == 1


def test_entered_in_error_keeps_the_row(
    as_pedro: Client, record: SessionRecord, clinic: Clinic, pedro: User, lot: Lot
) -> None:
    given = nappage(clinic, record, pedro, lot)
    response = as_pedro.post(
        url(record, f"administrations/{given.pk}/error/"), {"reason": "Wrong area."}
    )
    assert response.status_code == 302
    page = as_pedro.get(url(record))
    assert "Entered in error" in page.text and "Wrong area." in page.text


def test_front_desk_sees_the_status_and_no_content(
    record: SessionRecord, fiona: User, clinic: Clinic, pedro: User, lot: Lot
) -> None:
    nappage(clinic, record, pedro, lot)
    desk = sign_in_with_mfa(Client(), fiona)
    page = desk.get(url(record))
    assert page.status_code == 200
    assert "Draft" in page.text
    assert "Revita" not in page.text and "RV2401" not in page.text and "cheek" not in page.text
    assert AccessEvent.objects.filter(object_type="charting.sessionrecord").count() == 0
    for tail in ("numbing/", "administrations/", "observations/", "sign/", "addenda/"):
        assert desk.post(url(record, tail), {}).status_code == 403
    chart = desk.get(f"/staff/lindenhof/patients/{record.patient_id}/")
    assert "Session records" in chart.text and "Revita" not in chart.text


def test_an_admin_reads_but_does_not_chart(
    record: SessionRecord, alice: User, clinic: Clinic, pedro: User, lot: Lot
) -> None:
    nappage(clinic, record, pedro, lot)
    admin = sign_in_with_mfa(Client(), alice)
    page = admin.get(url(record))
    assert "Revita HA cocktail" in page.text
    assert "Chart what was given" not in page.text
    assert admin.post(url(record, "sign/")).status_code == 403


def test_another_clinics_member_gets_404_for_every_record_url(
    record: SessionRecord,
    other_clinic: Clinic,
    clinic: Clinic,
    pedro: User,
    lot: Lot,
    appointment: Appointment,
) -> None:
    given = nappage(clinic, record, pedro, lot)
    user = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.PRACTITIONER)
    outsider = sign_in_with_mfa(Client(), user)
    assert outsider.get(url(record)).status_code == 404
    for tail in (
        "numbing/",
        "administrations/",
        "observations/",
        "sign/",
        "addenda/",
        f"administrations/{given.pk}/error/",
    ):
        assert outsider.post(url(record, tail), {}).status_code == 404
    assert (
        outsider.post(f"/staff/lindenhof/appointments/{appointment.pk}/record/").status_code == 404
    )
    # Their own clinic's URL with our record: 404 as well.
    assert outsider.get(f"/staff/harbour/records/{record.pk}/").status_code == 404
