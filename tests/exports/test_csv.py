"""CSV exports: parsed back by the csv module and checked against the database; dates,
the formula escape, the access event, roles, streaming, over the web and the API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.exports.csvfile import safe_cell
from mesodesk.exports.selectors import EXPORTS
from mesodesk.inventory.models import StockMove
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from tests.exports.conftest import World


def csv_url(clinic: Clinic, kind: str) -> str:
    return reverse("workspace:admin_export_csv", args=[clinic.slug, kind])


def api_url(clinic: Clinic, kind: str) -> str:
    return f"/api/v1/clinics/{clinic.slug}/exports/{kind}.csv"


def rows_of(response: StreamingHttpResponse) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)  # type: ignore[arg-type]
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_safe_cell_escapes_what_a_spreadsheet_would_run() -> None:
    for text in ("=1+1", "+SUM(A1)", "-1+1", "@cmd", "\tx", "\rx", '=HYPERLINK("x")'):
        assert safe_cell(text) == "'" + text
    for text in ("Anna", "-2.00", "12", "2026-01-01", "", "a=b"):
        assert safe_cell(text) == text
    assert safe_cell(None) == "" and safe_cell(Decimal("-2.50")) == "-2.50"


def test_administrations_carry_product_lot_expiry_dose_depth_and_area(
    admin: Client, clinic: Clinic, world: World
) -> None:
    rows = rows_of(admin.get(csv_url(clinic, "administrations")))
    assert list(rows[0]) == list(EXPORTS["administrations"].header)
    (row,) = rows
    given = world.given
    assert row["administration_id"] == str(given.pk)
    assert row["lot_number"] == world.lot.number
    assert row["lot_expiry"] == world.lot.expiry.isoformat()
    assert row["product"] == world.lot.product.name
    assert Decimal(row["dose"]) == given.volume_ml and row["dose_unit"] == "ml"
    assert Decimal(row["depth_mm"]) == given.depth_mm
    assert row["area"] == "face"
    assert row["practitioner"] == "pedro@lindenhof.test"
    assert row["patient_name"] == "Anna Müller"
    assert (
        row["session_date"]
        == timezone.localdate(world.charted.start, timezone=ZoneInfo("Europe/Berlin")).isoformat()
    )
    assert row["session_start"].startswith(row["session_date"])
    assert row["entered_in_error"] == "no"


def test_every_export_matches_the_database(admin: Client, clinic: Clinic, world: World) -> None:
    appointments = rows_of(admin.get(csv_url(clinic, "appointments")))
    # Default: the last 90 days up to today, so the past ones, not those of the days ahead.
    assert {int(r["appointment_id"]) for r in appointments} == {
        world.past.pk,
        world.long_ago.pk,
        world.charted.pk,
    }
    by_id = {int(r["appointment_id"]): r for r in appointments}
    assert by_id[world.past.pk]["status"] == "completed"
    assert by_id[world.past.pk]["room"] == "Garden room"

    events = rows_of(admin.get(csv_url(clinic, "adverse-events")))
    assert [(int(r["adverse_event_id"]), r["event"], r["suspect_lots"]) for r in events] == [
        (world.event.pk, "bruising", world.lot.number)
    ]

    moves = rows_of(admin.get(csv_url(clinic, "stock-moves")))
    stored = StockMove.objects.filter(clinic=clinic).order_by("at", "pk")
    assert [int(r["move_id"]) for r in moves] == [m.pk for m in stored]
    used = next(r for r in moves if r["kind"] == "used")
    assert used["quantity"] == "-2.00" and used["lot_number"] == world.lot.number

    patients = rows_of(admin.get(csv_url(clinic, "patients")))
    assert {int(r["patient_id"]) for r in patients} == set(
        Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)
    )


def test_the_dates_filter_each_export(admin: Client, clinic: Clinic, world: World) -> None:
    first = (world.long_ago.start - timedelta(days=1)).date().isoformat()
    last = (world.long_ago.start + timedelta(days=1)).date().isoformat()
    rows = rows_of(admin.get(csv_url(clinic, "appointments"), {"from": first, "to": last}))
    assert [int(r["appointment_id"]) for r in rows] == [world.long_ago.pk]
    ahead = rows_of(
        admin.get(
            csv_url(clinic, "appointments"),
            {"from": clinic_today(clinic).isoformat(), "to": "2099-12-31"},
        )
    )
    assert world.far_future.pk in {int(r["appointment_id"]) for r in ahead}
    assert world.long_ago.pk not in {int(r["appointment_id"]) for r in ahead}
    assert rows_of(admin.get(csv_url(clinic, "administrations"), {"to": first})) == []
    future = {"from": "2099-01-01", "to": "2099-01-31"}
    assert rows_of(admin.get(csv_url(clinic, "adverse-events"), future)) == []

    # Patients by registration date, or all of them.
    old = register_patient(
        clinic=clinic, by=world.given.created_by, first_name="Old", last_name="Timer"
    )
    Patient.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    recent = {int(r["patient_id"]) for r in rows_of(admin.get(csv_url(clinic, "patients")))}
    everyone = {
        int(r["patient_id"]) for r in rows_of(admin.get(csv_url(clinic, "patients"), {"all": "1"}))
    }
    assert old.pk not in recent and old.pk in everyone


def test_a_bad_range_is_refused(admin: Client, clinic: Clinic, world: World) -> None:
    reversed_ = admin.get(
        csv_url(clinic, "appointments"), {"from": "2026-05-02", "to": "2026-05-01"}
    )
    assert reversed_.status_code == 302
    page = admin.get(reversed_["Location"])
    assert "The first day comes after the last." in page.content.decode()
    assert admin.get(csv_url(clinic, "appointments"), {"from": "yesterday"}).status_code == 302
    assert admin.get(csv_url(clinic, "nothing")).status_code == 404


def test_a_name_that_is_a_formula_is_escaped(admin: Client, clinic: Clinic, fiona: User) -> None:
    register_patient(
        clinic=clinic, by=fiona, first_name='=HYPERLINK("http://x")', last_name="@Evil"
    )
    (row,) = rows_of(admin.get(csv_url(clinic, "patients")))
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'@Evil"


def test_each_export_is_one_access_event(
    admin: Client, clinic: Clinic, alice: User, world: World
) -> None:
    for kind in EXPORTS:
        before = AccessEvent.objects.count()
        rows_of(admin.get(csv_url(clinic, kind), {"from": "2020-01-01"}))
        assert AccessEvent.objects.count() == before + 1
        event = AccessEvent.objects.order_by("-pk").first()
        assert event is not None
        assert (event.action, event.user, event.object_type) == ("export", alice, "clinics.clinic")
        assert event.object_id == str(clinic.pk)
        assert kind in event.path and "2020-01-01" in event.path


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_only_admins_export(
    kind: str, admin: Client, doctor: Client, desk: Client, outsider: Client, clinic: Clinic
) -> None:
    assert doctor.get(csv_url(clinic, kind)).status_code == 403
    assert desk.get(csv_url(clinic, kind)).status_code == 403
    assert outsider.get(csv_url(clinic, kind)).status_code == 404
    before = AccessEvent.objects.count()
    assert admin.get(reverse("workspace:admin_exports", args=[clinic.slug])).status_code == 200
    assert AccessEvent.objects.count() == before
    assert doctor.get(reverse("workspace:admin_exports", args=[clinic.slug])).status_code == 403


def test_the_exports_page_offers_every_export(admin: Client, clinic: Clinic) -> None:
    page = admin.get(reverse("workspace:admin_exports", args=[clinic.slug])).content.decode()
    for kind, export in EXPORTS.items():
        assert csv_url(clinic, kind) in page and export.label in page
    settings_page = admin.get(reverse("workspace:settings", args=[clinic.slug])).content.decode()
    assert reverse("workspace:admin_exports", args=[clinic.slug]) in settings_page


# --- over the API ---------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_api_streams_the_same_csv_for_an_admin_token(
    client: Client, clinic: Clinic, alice: User, world: World
) -> None:
    token = issue_api_token(clinic=clinic, user=alice, name="exports")[1]
    before = AccessEvent.objects.count()
    rows = rows_of(client.get(api_url(clinic, "administrations"), **bearer(token)))
    assert [r["lot_number"] for r in rows] == [world.lot.number]
    assert AccessEvent.objects.count() == before + 1
    dated = client.get(
        api_url(clinic, "appointments"), {"from": "2099-01-01", "to": "2099-01-02"}, **bearer(token)
    )
    assert rows_of(dated) == []


def test_the_api_refuses_as_documented(
    client: Client, clinic: Clinic, other_clinic: Clinic, alice: User, pedro: User, fiona: User
) -> None:
    admin_token = issue_api_token(clinic=clinic, user=alice)[1]
    assert client.get(api_url(clinic, "patients")).status_code == 401
    for user in (pedro, fiona):
        token = issue_api_token(clinic=clinic, user=user)[1]
        answer = client.get(api_url(clinic, "patients"), **bearer(token))
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert client.get(api_url(other_clinic, "patients"), **bearer(admin_token)).status_code == 404
    assert client.get(api_url(clinic, "nothing"), **bearer(admin_token)).status_code == 404
    bad = client.get(
        api_url(clinic, "patients"),
        {"from": "2026-02-02", "to": "2026-02-01"},
        **bearer(admin_token),
    )
    assert bad.status_code == 422 and bad.json()["errors"]["from"]
    malformed = client.get(api_url(clinic, "patients"), {"to": "soon"}, **bearer(admin_token))
    assert malformed.status_code == 422 and "to" in malformed.json()["errors"]


def test_the_openapi_document_describes_the_export(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/clinics/{clinic}/exports/{kind}.csv"]["get"]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    assert "text/csv" in operation["responses"]["200"]["content"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"clinic", "kind", "from", "to", "all"} <= names


def test_an_erased_patient_is_a_pseudonym_in_every_export(
    admin: Client, clinic: Clinic, world: World
) -> None:
    """Once the clinic granted an erasure request, exports name the patient as lists do
    (Patient.list_name); the record's id stays, so the medical record is still traceable."""
    Patient.objects.filter(pk=world.anna.pk).update(erased_at=timezone.now())
    pseudonym = f"Patient #{world.anna.pk} (erased)"
    everyone = rows_of(admin.get(csv_url(clinic, "patients"), {"all": "1"}))
    (anna,) = [r for r in everyone if int(r["patient_id"]) == world.anna.pk]
    assert (anna["first_name"], anna["last_name"]) == (pseudonym, "")
    for kind in ("appointments", "administrations", "adverse-events"):
        rows = rows_of(admin.get(csv_url(clinic, kind)))
        assert rows and {r["patient_name"] for r in rows} == {pseudonym}, kind
        assert "Müller" not in str(rows)
