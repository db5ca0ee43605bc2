"""What the API accepts is what its OpenAPI document says (issue 14, findings 4, 6 and 9):
a body that is not JSON is a 400 with a code, dates are ISO strings within range, names
and reasons go through the one text validator, and the document states the enums and
the intake's required fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesodesk.charting.models import SessionRecord
from mesodesk.clinics.models import Clinic, Room
from mesodesk.core.inputs import INTAKE_FIELDS
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import API
from tests.api.test_front_desk_flow import BASE, post, register

TWENTY_DIGITS = 10**20 - 1


@pytest.mark.parametrize("body", ['{"first_name": "Anna",', "[" * 100_000, "1" * 5000, "\xff"])
def test_a_body_that_is_not_json_is_a_400_with_a_code(
    clinic: Clinic, desk: Client, body: str
) -> None:
    response = desk.post(f"{BASE}/patients", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert response.json()["detail"]


@pytest.mark.parametrize("body", ['"reminders/"', "[]", "1", "null"])
def test_a_json_body_that_is_not_an_object_is_a_400_even_where_every_field_is_optional(
    record: SessionRecord, doctor: Client, body: str
) -> None:
    # Numbing's fields are all optional: django-ninja alone took a string for "{}".
    url = f"/api/v1/clinics/lindenhof/records/{record.pk}/numbing"
    response = doctor.post(url, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")


@pytest.mark.parametrize("birth_date", [0, 19900401, "0", "1990-4-1", "0001-01-01", "9999-12-31"])
def test_a_birth_date_must_be_an_iso_string_in_range(
    clinic: Clinic, desk: Client, birth_date: Any
) -> None:
    body = {"first_name": "Anna", "last_name": "Berg", "birth_date": birth_date}
    response = post(desk, "/patients", body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert "birth_date" in response.json()["errors"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("day", ["0", "20260101", "9999-12-31", "0001-01-01"])
def test_a_day_must_be_an_iso_date_in_range(clinic: Clinic, desk: Client, day: str) -> None:
    response = desk.get(f"{BASE}/appointments", {"day": day})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert "day" in response.json()["errors"]


@pytest.mark.parametrize("start_date", ["0", "9999-12-31"])
def test_a_slot_search_from_a_date_out_of_range_is_refused(
    clinic: Clinic, desk: Client, start_date: str
) -> None:
    response = desk.get(f"{BASE}/slots", {"start_date": start_date})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert "start_date" in response.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "9999-12-31T23:00:00+00:00"), ("start", "0001-01-01T00:00:00+00:00"),
     ("start", 0), ("practitioner_id", TWENTY_DIGITS), ("room_id", TWENTY_DIGITS),
     ("patient_id", -1), ("device_id", TWENTY_DIGITS), ("kind", "massage")],
)  # fmt: skip
def test_a_booking_out_of_range_is_refused_with_the_field(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str],
    field: str, value: Any,
) -> None:  # fmt: skip
    patient_id, _ = register(desk, "Range")
    body = {"patient_id": patient_id, "kind": "consultation", "start": at("10:00")}
    body |= {"practitioner_id": pedro.pk, "room_id": room.pk, field: value}
    response = post(desk, "/appointments", body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert field in response.json()["errors"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "name", ["\u200b", " \u200b ", "Anna\u202eztiw", "Anna\u0000", "Anna\nLena", "\ud800"]
)
def test_a_name_that_is_invisible_or_holds_a_control_character_is_refused(
    clinic: Clinic, desk: Client, name: str
) -> None:
    response = post(desk, "/patients", {"first_name": name, "last_name": "Berg"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert "first_name" in response.json()["errors"]
    assert not Patient.objects.exists()


def test_a_name_is_stored_in_nfc(clinic: Clinic, desk: Client) -> None:
    response = post(desk, "/patients", {"first_name": " Rene\u0301e ", "last_name": "Berg"})
    assert response.status_code == 201
    assert response.json()["first_name"] == "Ren\u00e9e"


def test_a_cancel_reason_of_invisible_characters_is_refused(
    clinic: Clinic, desk: Client, pedro: Any, room: Room, at: Callable[..., str]
) -> None:
    patient_id, _ = register(desk, "Reason")
    body = {"patient_id": patient_id, "kind": "consultation", "start": at("10:00")}
    booked = post(desk, "/appointments", body | {"practitioner_id": pedro.pk, "room_id": room.pk})
    assert booked.status_code == 201, booked.json()
    response = post(desk, f"/appointments/{booked.json()['id']}/cancel", {"reason": "\u200b\u200b"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert "reason" in response.json()["errors"]


@pytest.fixture
def schemas(db: None) -> dict[str, Any]:
    document = Client().get(f"{API[: -len('/clinics')]}/openapi.json").json()
    return document["components"]["schemas"]  # type: ignore[no-any-return]


def test_the_document_states_the_enums_the_server_enforces(schemas: dict[str, Any]) -> None:
    def enum(schema: dict[str, Any], field: str) -> list[str]:
        prop = schema["properties"][field]
        prop = prop.get("items", prop)
        prop = prop["allOf"][0] if "allOf" in prop else prop  # a choice with a default
        target = schemas[prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else prop
        return target["enum"]  # type: ignore[no-any-return]

    assert enum(schemas["PatientIn"], "sex") == ["female", "male", "other", "unknown"]
    assert enum(schemas["PatientIn"], "preferred_channel") == ["email", "sms"]
    assert "session" in enum(schemas["AppointmentIn"], "kind")
    assert "skin_rejuvenation" in enum(schemas["PlanIn"], "indication")
    assert "manual_needle" in enum(schemas["PlanIn"], "technique")
    assert "biweekly_series" in enum(schemas["PlanIn"], "schedule_template")
    assert "vitamin_c" in enum(schemas["PlanIn"], "ingredients")


def test_the_document_states_the_intake_and_its_required_fields(
    schemas: dict[str, Any],
) -> None:
    answers = schemas["IntakeIn"]["properties"]["answers"]
    assert answers["required"] == list(INTAKE_FIELDS)
    assert list(answers["properties"]) == list(INTAKE_FIELDS)
    assert answers["additionalProperties"] is False
    assert "cardiac_disease" in answers["properties"]["conditions"]["items"]["enum"]
    medication = answers["properties"]["medications"]["items"]
    assert medication["required"] == ["name", "prescribed"]


def test_every_operation_with_a_body_documents_the_400(schemas: dict[str, Any]) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)
